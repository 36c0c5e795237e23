package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
)

// joinHandler lets clients join a room with a "join" event.
func joinHandler(nd *node) {
	nd.On("join", func(s *core.Socket, room string) { s.Join(room) })
	nd.Of("/chat").On("join", func(s *core.Socket, room string) { s.Join(room) })
}

// TestBroadcast checks that a broadcast reaches the clients of every
// server, honouring rooms and except, on "/" and another namespace, with
// every payload type (binary included).
func TestBroadcast(t *testing.T) { eachEncoding(t, testBroadcast) }

func testBroadcast(t *testing.T, enc queue.Encoding) {
	c := newCluster(t, 3, clusterConfig{queue: queue.Options{Encoding: enc}})
	var clients [3][2]*client
	for i, nd := range c.nodes {
		joinHandler(nd)
		for j := range 2 {
			clients[i][j], _ = nd.connect(t, "/", "", nil)
		}
		clients[i][0].Call(t, "/", "join", "red")
	}
	a := c.nodes[0]
	if err := a.Emit("hello", "world", 42, 1.5, true, nil, []byte{1, 2, 3}, map[string]any{"k": []int{1}}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		for j := range 2 {
			p := clients[i][j].ExpectEvent(t, "/", "hello")
			if p.ArgsText() != `["world",42,1.5,true,null,{"_placeholder":true,"num":0},{"k":[1]}]` ||
				len(p.Att) != 1 || string(p.Att[0]) != "\x01\x02\x03" {
				t.Errorf("client %d/%d got %v", i, j, p)
			}
		}
	}

	// To a room, then except a room; a broadcast to all follows each, so
	// the next event a client gets shows what it got.
	from := c.nodes[1]
	if err := from.To("red").Emit("red", 1); err != nil {
		t.Fatal(err)
	}
	_ = from.Emit("sync1")
	if err := from.Except("red").Emit("notred", 2); err != nil {
		t.Fatal(err)
	}
	_ = from.Emit("sync2")
	for i := range 3 {
		for j, want := range [][]string{{"red", "sync1", "sync2"}, {"sync1", "notred", "sync2"}} {
			var got []string
			for range want {
				name, _ := clients[i][j].NextEvent(t, "/").Event()
				got = append(got, name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("client %d/%d got %v, want %v", i, j, got, want)
			}
		}
	}

	// Another namespace, and several rooms at once (no duplicates).
	chat := make([]*client, 3)
	for i, nd := range c.nodes {
		chat[i], _ = nd.connect(t, "/chat", "", nil)
		chat[i].Call(t, "/chat", "join", "x")
		chat[i].Call(t, "/chat", "join", "y")
	}
	_ = c.nodes[2].Of("/chat").To("x", "y").Emit("msg", "hi")
	_ = c.nodes[2].Of("/chat").Emit("end")
	for i := range 3 {
		if p := chat[i].NextEvent(t, "/chat"); p.ArgsText() != `["hi"]` {
			t.Errorf("chat client %d got %v", i, p)
		}
		if name, _ := chat[i].NextEvent(t, "/chat").Event(); name != "end" {
			t.Errorf("chat client %d got %s, want end", i, name)
		}
	}
}

// TestLocalBroadcast checks that a Local broadcast stays on its server.
func TestLocalBroadcast(t *testing.T) {
	c := newCluster(t, 2, clusterConfig{})
	here, _ := c.nodes[0].connect(t, "/", "", nil)
	there, _ := c.nodes[1].connect(t, "/", "", nil)
	_ = c.nodes[0].Except().Local().Emit("local")
	_ = c.nodes[0].Emit("all")
	if name, _ := here.NextEvent(t, "/").Event(); name != "local" {
		t.Errorf("local client got %s first", name)
	}
	if name, _ := there.NextEvent(t, "/").Event(); name != "all" {
		t.Errorf("remote client got %s first, want all", name)
	}
}

// TestBroadcastWithAck checks that EmitWithAck gathers the replies of the
// clients of every server, returns what came with ErrAckTimeout when a
// client does not answer, and stops waiting for a client that leaves.
func TestBroadcastWithAck(t *testing.T) { eachEncoding(t, testBroadcastWithAck) }

func testBroadcastWithAck(t *testing.T, enc queue.Encoding) {
	c := newCluster(t, 3, clusterConfig{queue: queue.Options{Encoding: enc}})
	var clients []*client
	for i, nd := range c.nodes {
		for j := range 2 {
			cl, _ := nd.connect(t, "/", "", nil)
			name := fmt.Sprintf("c%d%d", i, j)
			cl.OnAck(func(event string, args []json.RawMessage) ([]any, bool) {
				if i == 2 && j == 1 {
					return []any{name, len(args)}, true // two values
				}
				return []any{name + "-" + event}, true
			})
			clients = append(clients, cl)
		}
	}
	ctx := context.Background()
	replies, err := c.nodes[0].Except().EmitWithAck(ctx, "ask", "q")
	if err != nil {
		t.Fatalf("EmitWithAck: %v", err)
	}
	want := []string{`["c00-ask"]`, `["c01-ask"]`, `["c10-ask"]`, `["c11-ask"]`, `["c20-ask"]`, `["c21",1]`}
	if got := argTexts(t, replies); !slices.Equal(got, want) {
		t.Errorf("replies %v, want %v", got, want)
	}

	// To a room spread over two servers.
	c.nodes[1].Except().SocketsJoin("room") // every socket
	waitFor(t, "room joined", func() bool {
		return len(localIDs(c.nodes[0].To("room"))) == 2 && len(localIDs(c.nodes[2].To("room"))) == 2
	})
	replies, err = c.nodes[0].To("room").EmitWithAck(ctx, "r")
	if err != nil || len(replies) != 6 {
		t.Errorf("to a room: %d replies, %v", len(replies), err)
	}

	// A client that does not answer: partial replies and ErrAckTimeout.
	clients[3].OnAck(func(string, []json.RawMessage) ([]any, bool) { return nil, false })
	start := time.Now()
	replies, err = c.nodes[0].Except().Timeout(500*time.Millisecond).EmitWithAck(ctx, "ask")
	if !errors.Is(err, core.ErrAckTimeout) || len(replies) != 5 {
		t.Errorf("silent client: %d replies, %v", len(replies), err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("returned after %v, before the timeout", d)
	}

	// A client that leaves instead of answering is no longer waited for.
	leaving := clients[3]
	leaving.OnAck(func(string, []json.RawMessage) ([]any, bool) {
		go leaving.Close()
		return nil, false
	})
	replies, err = c.nodes[0].Except().Timeout(wait).EmitWithAck(ctx, "ask")
	if err != nil || len(replies) != 5 {
		t.Errorf("leaving client: %d replies, %v", len(replies), err)
	}
}

// localIDs lists the local sockets op selects.
func localIDs(op core.BroadcastOperator) []string {
	socks, _ := op.Local().FetchSockets(context.Background())
	ids := make([]string, 0, len(socks))
	for _, s := range socks {
		ids = append(ids, s.ID)
	}
	return ids
}

// TestFetchSockets checks that FetchSockets returns the sockets of every
// server with their handshake, rooms and data, and that the operations of
// a remote socket act on the server that holds it.
func TestFetchSockets(t *testing.T) { eachEncoding(t, testFetchSockets) }

func testFetchSockets(t *testing.T, enc queue.Encoding) {
	c := newCluster(t, 3, clusterConfig{queue: queue.Options{Encoding: enc}})
	sids := make([]string, 3)
	clients := make([]*client, 3)
	for i, nd := range c.nodes {
		joinHandler(nd)
		nd.OnConnect(func(s *core.Socket, auth map[string]any) {
			s.SetData(map[string]any{"server": i, "name": auth["name"], "bin": []byte{byte(i)}})
		})
		clients[i], sids[i] = nd.connect(t, "/", fmt.Sprintf("foo=bar&i=%d&i=x", i), map[string]any{"name": fmt.Sprint("n", i)})
		clients[i].Call(t, "/", "join", fmt.Sprint("room", i))
	}
	ctx := context.Background()
	all, err := c.nodes[0].FetchSockets(ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("FetchSockets: %d sockets, %v", len(all), err)
	}
	byID := map[string]*core.RemoteSocket{}
	for _, rs := range all {
		byID[rs.ID] = rs
	}
	for i, sid := range sids {
		rs := byID[sid]
		if rs == nil {
			t.Fatalf("socket %d missing", i)
		}
		if (i == 0) != (rs.Local() != nil) {
			t.Errorf("socket %d: Local() = %v", i, rs.Local())
		}
		rooms := slices.Sorted(slices.Values(rs.Rooms))
		if want := slices.Sorted(slices.Values([]string{sid, fmt.Sprint("room", i)})); !slices.Equal(rooms, want) {
			t.Errorf("socket %d rooms %v, want %v", i, rooms, want)
		}
		type data struct {
			Server int    `json:"server"`
			Name   string `json:"name"`
			Bin    []byte `json:"bin"`
		}
		d, err := core.DataAs[data](rs)
		if i > 0 && (err != nil || d.Server != i || d.Name != fmt.Sprint("n", i) || len(d.Bin) != 1 || d.Bin[0] != byte(i)) {
			t.Errorf("socket %d data %#v (%#v), %v", i, d, rs.Data, err)
		}
		hs := rs.Handshake
		if hs.Query.Get("foo") != "bar" || !slices.Equal(hs.Query["i"], []string{fmt.Sprint(i), "x"}) ||
			hs.Headers.Get(siotest.TestHeader) != "siotest" || hs.Address == "" || hs.URL == "" ||
			time.Since(hs.Time) > time.Minute || time.Since(hs.Time) < 0 {
			t.Errorf("socket %d handshake %+v", i, hs)
		}
		var auth struct {
			Name string `json:"name"`
		}
		if err := hs.Auth.Decode(0, &auth); err != nil || auth.Name != fmt.Sprint("n", i) {
			t.Errorf("socket %d auth %+v, %v", i, auth, err)
		}
	}

	// Selection by room, on every server.
	some, err := c.nodes[1].To("room0", "room2").FetchSockets(ctx)
	if err != nil || len(some) != 2 {
		t.Errorf("In(room0, room2): %d sockets, %v", len(some), err)
	}
	some, err = c.nodes[1].Except("room0").FetchSockets(ctx)
	if err != nil || len(some) != 2 {
		t.Errorf("Except(room0): %d sockets, %v", len(some), err)
	}

	// Operations on remote sockets.
	r1, r2 := byID[sids[1]], byID[sids[2]]
	if err := r1.Emit("direct", "to you"); err != nil {
		t.Fatal(err)
	}
	if p := clients[1].ExpectEvent(t, "/", "direct"); p.ArgsText() != `["to you"]` {
		t.Errorf("direct: %v", p)
	}
	r2.Join("joined", "also")
	waitFor(t, "remote join", func() bool {
		return slices.Contains(c.nodes[2].Rooms(sids[2]), "joined") && slices.Contains(c.nodes[2].Rooms(sids[2]), "also")
	})
	r2.Leave("room2")
	waitFor(t, "remote leave", func() bool { return !slices.Contains(c.nodes[2].Rooms(sids[2]), "room2") })
	r1.Disconnect(false)
	p := clients[1].Expect(t, "disconnect", func(p packet) bool { return p.Type == '1' })
	if p.Nsp != "/" {
		t.Errorf("disconnect packet %v", p)
	}
	r2.Disconnect(true)
	clients[2].WaitClosed(t)
	waitFor(t, "sockets gone", func() bool {
		all, err := c.nodes[0].FetchSockets(ctx)
		return err == nil && len(all) == 1
	})
}

// TestSocketsJoinLeaveDisconnect checks the cluster-wide SocketsJoin,
// SocketsLeave and DisconnectSockets.
func TestSocketsJoinLeaveDisconnect(t *testing.T) { eachEncoding(t, testSocketsJoinLeaveDisconnect) }

func testSocketsJoinLeaveDisconnect(t *testing.T, enc queue.Encoding) {
	c := newCluster(t, 2, clusterConfig{queue: queue.Options{Encoding: enc}})
	var clients [2][2]*client
	var sids [2][2]string
	for i, nd := range c.nodes {
		joinHandler(nd)
		for j := range 2 {
			clients[i][j], sids[i][j] = nd.connect(t, "/", "", nil)
		}
		clients[i][0].Call(t, "/", "join", "red")
	}
	rooms := func(i, j int) []string { return c.nodes[i].Rooms(sids[i][j]) }
	a := c.nodes[0]
	a.To("red").SocketsJoin("blue", "green")
	waitFor(t, "join", func() bool {
		return slices.Contains(rooms(1, 0), "blue") && slices.Contains(rooms(1, 0), "green") && slices.Contains(rooms(0, 0), "blue")
	})
	if slices.Contains(rooms(1, 1), "blue") || slices.Contains(rooms(0, 1), "blue") {
		t.Errorf("a socket outside red joined blue")
	}
	a.SocketsLeave("red", "green")
	waitFor(t, "leave", func() bool {
		return !slices.Contains(rooms(1, 0), "red") && !slices.Contains(rooms(1, 0), "green") && !slices.Contains(rooms(0, 0), "red")
	})
	if !slices.Contains(rooms(1, 0), "blue") {
		t.Errorf("blue left too: %v", rooms(1, 0))
	}

	a.To("blue").DisconnectSockets(false)
	for i := range 2 {
		clients[i][0].Expect(t, "disconnect", func(p packet) bool { return p.Type == '1' && p.Nsp == "/" })
	}
	// The others are still there.
	waitFor(t, "two sockets left", func() bool {
		all, err := c.nodes[1].FetchSockets(context.Background())
		return err == nil && len(all) == 2
	})
	a.DisconnectSockets(true)
	for i := range 2 {
		clients[i][1].WaitClosed(t)
	}
}

// TestServerSideEmit checks server-side events between servers, with and
// without acknowledgements.
func TestServerSideEmit(t *testing.T) { eachEncoding(t, testServerSideEmit) }

func testServerSideEmit(t *testing.T, enc queue.Encoding) {
	c := newCluster(t, 3, clusterConfig{queue: queue.Options{Encoding: enc}})
	var mu sync.Mutex
	got := map[int][]string{}
	for i, nd := range c.nodes {
		nd.OnServerSideEmit("hello", func(args core.Args) []any {
			vals, _ := args.Values()
			b, _ := json.Marshal(vals)
			mu.Lock()
			got[i] = append(got[i], string(b))
			mu.Unlock()
			return []any{fmt.Sprint("hi from ", i)}
		})
		nd.OnServerSideEmit("many", func(core.Args) []any { return []any{i, "x"} })
		nd.OnServerSideEmit("none", func(core.Args) []any { return nil })
		nd.Of("/chat").OnServerSideEmit("ns", func(args core.Args) []any {
			var s string
			_ = args.Decode(0, &s)
			return []any{s + fmt.Sprint(i)}
		})
	}
	c.waitCountOf("/chat", 3) // made after the cluster formed on "/"
	if err := c.nodes[0].ServerSideEmit("hello", "a", 1, []byte{7}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "server-side event", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got[1]) == 1 && len(got[2]) == 1
	})
	mu.Lock()
	if got[1][0] != `["a",1,"Bw=="]` || got[2][0] != got[1][0] || len(got[0]) != 0 {
		t.Errorf("handlers got %v", got)
	}
	mu.Unlock()

	ctx := context.Background()
	replies, err := c.nodes[0].ServerSideEmitWithAck(ctx, "hello", "b")
	if want := []string{`["hi from 1"]`, `["hi from 2"]`}; err != nil || !slices.Equal(argTexts(t, replies), want) {
		t.Errorf("ServerSideEmitWithAck: %v, %v", argTexts(t, replies), err)
	}
	replies, err = c.nodes[1].ServerSideEmitWithAck(ctx, "many")
	if want := []string{`[0,"x"]`, `[2,"x"]`}; err != nil || !slices.Equal(argTexts(t, replies), want) {
		t.Errorf("two values: %v, %v", argTexts(t, replies), err)
	}
	replies, err = c.nodes[2].ServerSideEmitWithAck(ctx, "none")
	if want := []string{`[]`, `[]`}; err != nil || !slices.Equal(argTexts(t, replies), want) {
		t.Errorf("no value: %v, %v", argTexts(t, replies), err)
	}
	replies, err = c.nodes[2].Of("/chat").ServerSideEmitWithAck(ctx, "ns", "s")
	if want := []string{`["s0"]`, `["s1"]`}; err != nil || !slices.Equal(argTexts(t, replies), want) {
		t.Errorf("namespace /chat: %v, %v", argTexts(t, replies), err)
	}

	// A server without a handler does not answer, as in Node.js: the
	// others' replies come with ErrAckTimeout.
	c.nodes[2].OnServerSideEmit("hello", nil)
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	replies, err = c.nodes[0].ServerSideEmitWithAck(tctx, "hello", "c")
	if !errors.Is(err, core.ErrAckTimeout) || len(replies) != 1 {
		t.Errorf("missing handler: %d replies, %v", len(replies), err)
	}
}

// TestServerSideEmitAlone checks that a server without peers gets no
// reply at once.
func TestServerSideEmitAlone(t *testing.T) {
	c := newCluster(t, 1, clusterConfig{})
	replies, err := c.nodes[0].ServerSideEmitWithAck(context.Background(), "x")
	if err != nil || len(replies) != 0 {
		t.Errorf("alone: %v, %v", replies, err)
	}
	if n := c.nodes[0].ServerCount(context.Background()); n != 1 {
		t.Errorf("ServerCount %d", n)
	}
}

// TestServerCount checks that servers count each other, and that a server
// that shuts down is dropped at once (ADAPTER_CLOSE), well before the
// heartbeat timeout, and a new one is counted.
func TestServerCount(t *testing.T) {
	cfg := clusterConfig{queue: queue.Options{HeartbeatTimeout: time.Hour}}
	c := newCluster(t, 3, cfg)
	for i, nd := range c.nodes {
		if n := nd.ServerCount(context.Background()); n != 3 {
			t.Errorf("server %d counts %d", i, n)
		}
	}
	c.nodes[2].Shutdown(t)
	c.waitCount(2)
	c.add(3, cfg)
	c.waitCount(3)
}
