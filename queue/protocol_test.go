package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
)

// fakePeer publishes hand-made cluster messages, as another server (or a
// Node.js emitter) would.
type fakePeer struct {
	t   testing.TB
	bus queue.Bus
	uid string
}

func (f fakePeer) publish(typ int, data any) {
	f.t.Helper()
	m := map[string]any{"uid": f.uid, "nsp": "/", "type": typ}
	if data != nil {
		m["data"] = data
	}
	b, err := msgpack.Marshal(m)
	if err != nil {
		f.t.Fatal(err)
	}
	f.raw("socket.io#/#", b)
}

func (f fakePeer) raw(channel string, b []byte) {
	f.t.Helper()
	if err := f.bus.Publish(context.Background(), channel, b); err != nil {
		f.t.Fatalf("publish: %v", err)
	}
}

// spy records the types of the messages published on a channel by uids
// other than skip.
type spy struct {
	mu    sync.Mutex
	types []int
}

func watch(t testing.TB, bus queue.Bus, channel, skip string) *spy {
	s := &spy{}
	unsub, err := bus.Subscribe(context.Background(), channel, func(b []byte) {
		var m struct {
			UID  string `msgpack:"uid"`
			Type int    `msgpack:"type"`
		}
		if msgpack.Unmarshal(b, &m) == nil && m.UID != skip {
			s.mu.Lock()
			s.types = append(s.types, m.Type)
			s.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unsub)
	return s
}

func (s *spy) count(typ int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, x := range s.types {
		if x == typ {
			n++
		}
	}
	return n
}

// TestHeartbeats checks the heartbeat variant: a peer is counted from its
// INITIAL_HEARTBEAT, answered with a HEARTBEAT, kept while it talks and
// dropped after HeartbeatTimeout of silence, and the requests waiting for
// it then complete without it; a silent server publishes HEARTBEATs.
func TestHeartbeats(t *testing.T) {
	c := newCluster(t, 1, clusterConfig{queue: queue.Options{
		HeartbeatInterval: 40 * time.Millisecond,
		HeartbeatTimeout:  400 * time.Millisecond,
		RequestTimeout:    time.Minute,
	}})
	nd := c.nodes[0]
	ctx := context.Background()
	peer := fakePeer{t, c.bus, "0123456789abcdef"}
	seen := watch(t, c.bus, "socket.io#/#", peer.uid)

	peer.publish(1, nil) // INITIAL_HEARTBEAT
	waitFor(t, "the peer to be counted", func() bool { return nd.ServerCount(ctx) == 2 })
	waitFor(t, "heartbeats", func() bool { return seen.count(2) >= 3 })

	// A peer that keeps talking stays.
	for range 20 {
		peer.publish(2, nil)
		time.Sleep(40 * time.Millisecond)
		if n := nd.ServerCount(ctx); n != 2 {
			t.Fatalf("ServerCount %d while the peer talks", n)
		}
	}

	// Requests waiting for a peer that falls silent complete when it is
	// dropped, long before RequestTimeout.
	cl, _ := nd.connect(t, "/", "", nil)
	cl.OnAck(func(string, []json.RawMessage) ([]any, bool) { return []any{"ok"}, true })
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		socks, err := nd.FetchSockets(ctx)
		if err != nil || len(socks) != 1 {
			t.Errorf("FetchSockets: %d sockets, %v", len(socks), err)
		}
	}()
	go func() {
		defer wg.Done()
		replies, err := nd.ServerSideEmitWithAck(ctx, "x")
		if err != nil || len(replies) != 0 {
			t.Errorf("ServerSideEmitWithAck: %d replies, %v", len(replies), err)
		}
	}()
	go func() {
		defer wg.Done()
		replies, err := nd.Except().EmitWithAck(ctx, "x")
		if err != nil || len(replies) != 1 {
			t.Errorf("EmitWithAck: %d replies, %v", len(replies), err)
		}
	}()
	wg.Wait()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("requests took %v", d)
	}
	if n := nd.ServerCount(ctx); n != 1 {
		t.Errorf("ServerCount %d after the peer left", n)
	}
	if !strings.Contains(nd.logs.String(), "peer timed out") {
		t.Errorf("no log line for the dropped peer")
	}
}

// TestRequestTimeout checks that FetchSockets gives up on a live peer that
// does not answer after RequestTimeout, with the sockets it has.
func TestRequestTimeout(t *testing.T) {
	c := newCluster(t, 1, clusterConfig{queue: queue.Options{RequestTimeout: 200 * time.Millisecond}})
	nd := c.nodes[0]
	nd.connect(t, "/", "", nil)
	peer := fakePeer{t, c.bus, "fedcba9876543210"}
	peer.publish(1, nil)
	waitFor(t, "the peer to be counted", func() bool { return nd.ServerCount(context.Background()) == 2 })
	start := time.Now()
	socks, err := nd.FetchSockets(context.Background())
	if !errors.Is(err, queue.ErrRequestTimeout) || len(socks) != 1 {
		t.Errorf("FetchSockets: %d sockets, %v", len(socks), err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("gave up after %v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := nd.FetchSockets(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("FetchSockets with a short context: %v", err)
	}
}

// TestGarbage checks that undecodable and invalid messages (MessagePack
// and JSON) are logged and ignored.
func TestGarbage(t *testing.T) {
	c := newCluster(t, 2, clusterConfig{})
	nd := c.nodes[1]
	cl, _ := nd.connect(t, "/", "", nil)
	peer := fakePeer{t, c.bus, "emitter"}
	own := "socket.io#/#" + nd.Of("/").Adapter().(*queue.Adapter).UID() + "#"
	for _, b := range [][]byte{
		[]byte("garbage"),
		{0xc1},
		[]byte(`{"uid":"x","nsp":"/","type":3`),
		[]byte(`{"uid":"emitter","nsp":"/","type":3}`), // JSON, but no data
		{},
	} {
		peer.raw("socket.io#/#", b)
		peer.raw(own, b)
	}
	peer.publish(3, "not a map")
	peer.publish(3, map[string]any{"packet": map[string]any{"type": 0, "data": []any{"x"}}, "opts": map[string]any{}})
	peer.publish(3, map[string]any{"packet": map[string]any{"type": 2, "data": "x"}, "opts": map[string]any{}})
	peer.publish(3, map[string]any{"packet": map[string]any{"type": 2, "data": []any{"x"}}, "opts": map[string]any{"rooms": []any{true}}})
	peer.publish(9, map[string]any{"packet": 12})
	peer.publish(7, "x")
	fakePeer{t, c.bus, "abcdefabcdefabcd"}.publish(99, nil)

	_ = c.nodes[0].Emit("after")
	if name, _ := cl.NextEvent(t, "/").Event(); name != "after" {
		t.Errorf("got %s, want after", name)
	}
	// The reply channel has its own goroutine: wait for its log lines.
	waitFor(t, "the log lines", func() bool {
		logs := nd.logs.String()
		return strings.Count(logs, "dropping undecodable message") == 8 && strings.Count(logs, "dropping invalid message") == 9
	})
	if n := nd.ServerCount(context.Background()); n != 2 {
		t.Errorf("ServerCount %d", n)
	}
}

// TestEmitterMessages checks messages as a Node.js emitter (uid
// "emitter") publishes them: a broadcast packet without nsp, numeric
// rooms, SOCKETS_JOIN and SERVER_SIDE_EMIT; the emitter is not counted as
// a server.
func TestEmitterMessages(t *testing.T) {
	c := newCluster(t, 2, clusterConfig{})
	got := make(chan string, 4)
	var clients, others []*client
	var sids []string
	for _, nd := range c.nodes {
		joinHandler(nd)
		nd.OnServerSideEmit("ping", func(args core.Args) []any {
			var s string
			_ = args.Decode(0, &s)
			got <- s
			return nil
		})
		cl, sid := nd.connect(t, "/", "", nil)
		cl.Call(t, "/", "join", "7")
		clients, sids = append(clients, cl), append(sids, sid)
		other, _ := nd.connect(t, "/", "", nil)
		others = append(others, other)
	}
	emitter := fakePeer{t, c.bus, "emitter"}
	emitter.publish(3, map[string]any{
		"packet": map[string]any{"type": 2, "data": []any{"news", "hello", 7}},
		"opts":   map[string]any{"rooms": []any{7}, "except": []any{}, "flags": map[string]any{}},
	})
	emitter.publish(3, map[string]any{
		"packet": map[string]any{"type": 2, "data": []any{"all"}, "nsp": "/"},
		"opts":   map[string]any{"rooms": []any{}, "except": []any{}},
	})
	for i := range 2 {
		if p := clients[i].NextEvent(t, "/"); p.ArgsText() != `["hello",7]` {
			t.Errorf("client %d got %v", i, p)
		}
		if name, _ := others[i].NextEvent(t, "/").Event(); name != "all" {
			t.Errorf("other client %d got %s first, want all", i, name)
		}
	}
	emitter.publish(4, map[string]any{"opts": map[string]any{"rooms": []any{"7"}}, "rooms": []any{"joined"}})
	waitFor(t, "sockets join", func() bool {
		return slices.Contains(c.nodes[0].Rooms(sids[0]), "joined") && slices.Contains(c.nodes[1].Rooms(sids[1]), "joined")
	})
	emitter.publish(9, map[string]any{"packet": []any{"ping", "from emitter"}})
	for range 2 {
		select {
		case s := <-got:
			if s != "from emitter" {
				t.Errorf("server-side event arg %q", s)
			}
		case <-time.After(wait):
			t.Fatal("no server-side event")
		}
	}
	for i, nd := range c.nodes {
		if n := nd.ServerCount(context.Background()); n != 2 {
			t.Errorf("server %d counts %d", i, n)
		}
	}
}

// countingBus counts the BROADCAST and SOCKETS_JOIN messages published.
type countingBus struct {
	queue.Bus
	mu     sync.Mutex
	counts map[int]int
}

func (b *countingBus) Publish(ctx context.Context, channel string, msg []byte) error {
	var m struct {
		Type int `msgpack:"type"`
	}
	if msgpack.Unmarshal(msg, &m) == nil {
		b.mu.Lock()
		b.counts[m.Type]++
		b.mu.Unlock()
	}
	return b.Bus.Publish(ctx, channel, msg)
}

func (b *countingBus) count(typ int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counts[typ]
}

// TestLocalOperationsNotPublished checks that what concerns local sockets
// only (a socket's own emits, which go through the adapter with recovery
// on; the operations of a RemoteSocket of this server; Local) is not
// published.
func TestLocalOperationsNotPublished(t *testing.T) {
	var cb *countingBus
	c := newCluster(t, 2, clusterConfig{
		bus:    func(b queue.Bus) queue.Bus { cb = &countingBus{Bus: b, counts: map[int]int{}}; return cb },
		server: func(_ int, o *core.Options) { o.Recovery = &core.RecoveryOptions{} },
	})
	nd := c.nodes[0]
	cl, sid := nd.connect(t, "/", "", nil)
	s := nd.Of("/").Socket(sid)
	if err := s.Emit("own", 1); err != nil {
		t.Fatal(err)
	}
	socks, err := nd.To(sid).FetchSockets(context.Background())
	if err != nil || len(socks) != 1 || socks[0].Local() == nil {
		t.Fatalf("FetchSockets: %v, %v", socks, err)
	}
	_ = socks[0].Emit("remote-api", 2)
	socks[0].Join("r")
	_ = nd.Except().Local().Emit("local")
	if cb.count(3) != 0 || cb.count(4) != 0 || cb.count(7) != 0 {
		t.Errorf("published: %v", cb.counts)
	}
	_ = nd.Emit("all")
	for _, want := range []string{"own", "remote-api", "local", "all"} {
		if name, _ := cl.NextEvent(t, "/").Event(); name != want {
			t.Errorf("got %s, want %s", name, want)
		}
	}
	if cb.count(3) != 1 {
		t.Errorf("published: %v", cb.counts)
	}
}

// TestRecovery checks connection state recovery with a cluster: a client
// that reconnects to its server gets the broadcasts another server sent
// meanwhile.
func TestRecovery(t *testing.T) {
	c := newCluster(t, 2, clusterConfig{server: func(_ int, o *core.Options) { o.Recovery = &core.RecoveryOptions{} }})
	nd := c.nodes[1]
	cl := nd.dial(t, "")
	cl.Send(siotest.EncodePacket('0', "/", -1, nil))
	p := cl.Expect(t, "connect", func(p packet) bool { return p.Type == '0' })
	var hello struct{ SID, PID string }
	if err := json.Unmarshal([]byte(p.Data), &hello); err != nil || hello.PID == "" {
		t.Fatalf("connect packet %v", p)
	}
	_ = c.nodes[0].Emit("e1", "a")
	_, args := cl.ExpectEvent(t, "/", "e1").Event()
	var offset string
	if len(args) != 2 || json.Unmarshal(args[1], &offset) != nil {
		t.Fatalf("e1 args %s", args)
	}
	cl.Close()
	waitFor(t, "the socket to leave", func() bool { return nd.Of("/").Len() == 0 })
	_ = c.nodes[0].Emit("e2", "b")
	// A server-side event published after e2: once handled, e2 is logged.
	done := make(chan struct{})
	nd.OnServerSideEmit("sync", func(core.Args) []any { close(done); return nil })
	_ = c.nodes[0].ServerSideEmit("sync")
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("no sync")
	}

	again := nd.dial(t, "")
	again.Send(siotest.EncodePacket('0', "/", -1, map[string]any{"pid": hello.PID, "offset": offset}))
	p = again.Expect(t, "connect", func(p packet) bool { return p.Type == '0' })
	var back struct{ SID string }
	if err := json.Unmarshal([]byte(p.Data), &back); err != nil || back.SID != hello.SID {
		t.Errorf("reconnect: %v, want sid %s", p, hello.SID)
	}
	if name, args := again.NextEvent(t, "/").Event(); name != "e2" || len(args) != 2 {
		t.Errorf("missed event %s %s", name, args)
	}
}

// failingBus fails the publications while fail is set.
type failingBus struct {
	queue.Bus
	fail atomic.Bool
}

func (b *failingBus) Publish(ctx context.Context, channel string, msg []byte) error {
	if b.fail.Load() {
		return errors.New("broker unreachable")
	}
	return b.Bus.Publish(ctx, channel, msg)
}

// TestPublishFailure checks that when the bus cannot publish, the failure
// is logged and the operations still serve the local sockets without
// waiting for the other servers.
func TestPublishFailure(t *testing.T) {
	var fb *failingBus
	c := newCluster(t, 2, clusterConfig{
		bus:   func(b queue.Bus) queue.Bus { fb = &failingBus{Bus: b}; return fb },
		queue: queue.Options{HeartbeatTimeout: time.Hour},
	})
	nd := c.nodes[0]
	cl, _ := nd.connect(t, "/", "", nil)
	cl.OnAck(func(string, []json.RawMessage) ([]any, bool) { return []any{"ok"}, true })
	c.nodes[1].connect(t, "/", "", nil)
	fb.fail.Store(true)
	ctx := context.Background()
	replies, err := nd.Except().EmitWithAck(ctx, "ask")
	if err != nil || len(replies) != 1 {
		t.Errorf("EmitWithAck: %d replies, %v", len(replies), err)
	}
	if socks, err := nd.FetchSockets(ctx); err == nil || len(socks) != 1 {
		t.Errorf("FetchSockets: %d sockets, %v", len(socks), err)
	}
	if err := nd.ServerSideEmit("x"); err == nil {
		t.Errorf("ServerSideEmit: no error")
	}
	if _, err := nd.ServerSideEmitWithAck(ctx, "x"); err == nil {
		t.Errorf("ServerSideEmitWithAck: no error")
	}
	_ = nd.Emit("local still")
	cl.ExpectEvent(t, "/", "local still")
	if !strings.Contains(nd.logs.String(), "cannot publish") {
		t.Errorf("no log line")
	}
	fb.fail.Store(false)
}
