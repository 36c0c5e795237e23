package pymsg_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/pymsg"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// twoServers starts two servers whose pymsg managers share a MemoryBus on
// the channel ch; it returns them and the bus.
func twoServers(t *testing.T, ch string) ([2]*siotest.Host, queue.Bus) {
	t.Helper()
	bus := queue.NewMemoryBus()
	var hosts [2]*siotest.Host
	for i := range hosts {
		srv := core.NewServer(core.Options{ClientManager: pymsg.NewManager(bus, pymsg.Options{Channel: ch}), AckTimeout: siotest.Wait})
		srv.On("join", func(s *core.Socket, room string) { s.Join(room) })
		hosts[i] = siotest.Serve(srv)
	}
	t.Cleanup(func() {
		for _, h := range hosts {
			h.Shutdown(t)
		}
		_ = bus.Close()
	})
	return hosts, bus
}

// wire records the messages of the channel.
type wire struct {
	mu   sync.Mutex
	msgs []pymsg.Message
}

func watch(t *testing.T, bus queue.Bus, ch string) *wire {
	w := &wire{}
	unsub, err := bus.Subscribe(context.Background(), ch, func(b []byte) {
		m, err := pymsg.Decode(b)
		if err != nil {
			t.Errorf("undecodable message on the wire: %q: %v", b, err)
			return
		}
		w.mu.Lock()
		w.msgs = append(w.msgs, m)
		w.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unsub)
	return w
}

func (w *wire) methods() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, m := range w.msgs {
		out = append(out, string(m.Method))
	}
	return out
}

// TestCluster: two sio servers speaking python-socketio's format share
// broadcasts (all, rooms, skip), acknowledgements from a socket of the
// other server, room changes and disconnection of another server's
// socket, and close_room.
func TestCluster(t *testing.T) {
	hosts, bus := twoServers(t, "py-test")
	w := watch(t, bus, "py-test")
	a, b := hosts[0], hosts[1]
	ca, sidA := a.Connect(t, "/", "", nil)
	cb, sidB := b.Connect(t, "/", "", nil)
	cb.Call(t, "/", "join", "red")

	if err := a.Emit("hello", "world", 1, []byte{9}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []*siotest.Client{ca, cb} {
		p := c.ExpectEvent(t, "/", "hello")
		if p.ArgsText() != `["world",1,{"_placeholder":true,"num":0}]` || len(p.Att) != 1 || p.Att[0][0] != 9 {
			t.Errorf("client %d got %v", i, p)
		}
	}
	_ = a.To("red").Emit("red")
	_ = a.Except(sidB).Emit("notb")
	_ = a.Emit("sync")
	if got, _ := cb.NextEvent(t, "/").Event(); got != "red" {
		t.Errorf("b's client got %q, want red", got)
	}
	if got, _ := cb.NextEvent(t, "/").Event(); got != "sync" {
		t.Errorf("b's client got %q after red, want sync (skip_sid)", got)
	}

	// An acknowledgement from the other server's client.
	cb.OnAck(func(event string, args []json.RawMessage) ([]any, bool) { return []any{"ack of " + event}, true })
	ctx, cancel := context.WithTimeout(context.Background(), siotest.Wait)
	defer cancel()
	replies, err := a.To(sidB).EmitWithAck(ctx, "ask")
	if err != nil || len(replies) != 1 {
		t.Fatalf("EmitWithAck to b's socket: %v %v", replies, err)
	}
	if v, _ := replies[0].Value(0); replies[0].Len() != 1 || v != "ack of ask" {
		t.Errorf("reply %v", replies[0])
	}

	// Room changes of b's socket made on a.
	a.To(sidB).SocketsJoin("blue")
	waitFor(t, "b's socket to join blue", func() bool { return len(b.Of("/").Adapter().Sockets([]string{"blue"})) == 1 })
	a.To(sidB).SocketsLeave("blue")
	waitFor(t, "b's socket to leave blue", func() bool { return len(b.Of("/").Adapter().Sockets([]string{"blue"})) == 0 })
	a.To("red").SocketsLeave("red") // close_room
	waitFor(t, "red to close", func() bool { return len(b.Of("/").Adapter().Sockets([]string{"red"})) == 0 })

	if err := a.ServerSideEmit("x"); !errors.Is(err, pymsg.ErrUnsupported) {
		t.Errorf("ServerSideEmit: %v, want ErrUnsupported", err)
	}
	a.To(sidB).DisconnectSockets(false)
	cb.Expect(t, "the disconnect packet", func(p siotest.Packet) bool { return p.Type == '1' })
	_ = sidA

	// The wire is a subscriber of its own: it may see the last message
	// after b's client does.
	waitFor(t, "the disconnect message on the wire", func() bool { return strings.Contains(strings.Join(w.methods(), ","), "disconnect") })
	got := strings.Join(w.methods(), ",")
	for _, m := range []string{"emit", "callback", "enter_room", "leave_room", "close_room", "disconnect"} {
		if !strings.Contains(got, m) {
			t.Errorf("no %s message on the wire: %s", m, got)
		}
	}
}

// TestEmitter: the write-only emitter reaches the servers' clients, joins
// and disconnects a socket by id, and refuses acknowledgements and
// server-side events.
func TestEmitter(t *testing.T) {
	hosts, bus := twoServers(t, "py-emit")
	em := pymsg.NewEmitter(bus, pymsg.Options{Channel: "py-emit"})
	c, sid := hosts[1].Connect(t, "/", "", nil)
	ctx := context.Background()
	if err := em.Emit(ctx, "news", map[string]any{"k": 1}); err != nil {
		t.Fatal(err)
	}
	if p := c.ExpectEvent(t, "/", "news"); p.ArgsText() != `[{"k":1}]` {
		t.Errorf("got %v", p)
	}
	if err := em.To(sid).SocketsJoin(ctx, "vip"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the socket to join vip", func() bool { return len(hosts[1].Of("/").Adapter().Sockets([]string{"vip"})) == 1 })
	_ = em.To("vip").Emit(ctx, "vip")
	c.ExpectEvent(t, "/", "vip")
	if err := em.Emit(ctx, "x", func() {}); !errors.Is(err, queue.ErrEmitterAck) {
		t.Errorf("Emit with a function: %v", err)
	}
	if err := em.ServerSideEmit(ctx, "x"); !errors.Is(err, pymsg.ErrUnsupported) {
		t.Errorf("ServerSideEmit: %v", err)
	}
	if err := em.To(sid).DisconnectSockets(ctx, true); err != nil {
		t.Fatal(err)
	}
	c.Expect(t, "the disconnect packet", func(p siotest.Packet) bool { return p.Type == '1' })
}

// TestBadMessage: an undecodable message (a pickle) is logged and
// ignored; the next one is handled.
func TestBadMessage(t *testing.T) {
	bus := queue.NewMemoryBus()
	t.Cleanup(func() { _ = bus.Close() })
	logs := &strings.Builder{}
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	h := siotest.Serve(core.NewServer(core.Options{ClientManager: pymsg.NewManager(bus, pymsg.Options{Logger: log})}))
	t.Cleanup(func() { h.Shutdown(t) })
	c, _ := h.Connect(t, "/", "", nil)
	ctx := context.Background()
	_ = bus.Publish(ctx, pymsg.DefaultChannel, []byte("\x80\x04\x95pickled"))
	_ = pymsg.NewEmitter(bus, pymsg.Options{}).Emit(ctx, "after")
	c.ExpectEvent(t, "/", "after")
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logs.String(), "dropping undecodable message"); n != 1 {
		t.Errorf("%d log lines for the bad message:\n%s", n, logs)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(siotest.Wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSingleValue: with SingleValue, the data python-socketio before
// 5.15.1 writes is the event's one argument, a list included.
func TestSingleValue(t *testing.T) {
	bus := queue.NewMemoryBus()
	t.Cleanup(func() { _ = bus.Close() })
	h := siotest.Serve(core.NewServer(core.Options{ClientManager: pymsg.NewManager(bus, pymsg.Options{SingleValue: true})}))
	t.Cleanup(func() { h.Shutdown(t) })
	c, _ := h.Connect(t, "/", "", nil)
	ctx := context.Background()
	for _, data := range []string{`[5]`, `[1,2]`, `"x"`, `{"k":1}`} {
		msg := `{"method":"emit","event":"old","data":` + data + `,"namespace":"/","room":null,"skip_sid":null,"callback":null,"host_id":"py"}`
		if err := bus.Publish(ctx, pymsg.DefaultChannel, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if p := c.ExpectEvent(t, "/", "old"); p.ArgsText() != "["+data+"]" {
			t.Errorf("data %s arrived as %s", data, p.ArgsText())
		}
	}
}

// TestServerCount: on a bus that counts its subscribers, ServerCount is
// the number of servers on the channel, following a server that leaves;
// on one that does not, 1.
func TestServerCount(t *testing.T) {
	ctx := context.Background()
	bus := queue.NewMemoryLogBus(0)
	defer bus.Close()
	var hosts []*siotest.Host
	for range 3 {
		srv := core.NewServer(core.Options{ClientManager: pymsg.NewManager(bus, pymsg.Options{Channel: "py-count"})})
		hosts = append(hosts, siotest.Serve(srv))
	}
	defer func() {
		for _, h := range hosts[1:] {
			h.Shutdown(t)
		}
	}()
	for i, h := range hosts {
		if n := h.ServerCount(ctx); n != 3 {
			t.Errorf("server %d: ServerCount = %d, want 3", i, n)
		}
	}
	hosts[0].Shutdown(t)
	if n := hosts[1].ServerCount(ctx); n != 2 {
		t.Errorf("ServerCount after a server shut down = %d, want 2", n)
	}

	hosts2, _ := twoServers(t, "py-count") // a MemoryBus counts nothing
	if n := hosts2[0].ServerCount(ctx); n != 1 {
		t.Errorf("ServerCount on a bus without a subscriber count = %d, want 1", n)
	}
}
