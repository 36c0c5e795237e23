package queuetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// testBroadcast: broadcasts from one server reach the clients of every
// server, honouring rooms, except, a socket id as a room, Local, the
// flags and the namespace, with every argument type.
func testBroadcast(t *testing.T, c *cluster) {
	// Two clients per server on "/", the first of each in "red"; one per
	// server on "/chat".
	var clients []*siotest.Client
	var sids []string
	var chats []*siotest.Client
	for _, nd := range c.nodes {
		for j := range 2 {
			cl, sid := nd.Connect(t, "/", "", nil)
			if j == 0 {
				cl.Call(t, "/", "join", "red")
			}
			clients, sids = append(clients, cl), append(sids, sid)
		}
		cl, _ := nd.Connect(t, chat, "", nil)
		chats = append(chats, cl)
	}
	everyone := func(name string) []string {
		out := make([]string, len(clients))
		for i := range out {
			out[i] = name
		}
		return out
	}
	red := func(i int) bool { return i%2 == 0 }
	a, b := c.nodes[0], c.nodes[1]

	// Every argument type, binary included, to everyone.
	if err := a.Emit("hello", "world", 42, 1.5, true, nil, []byte{1, 2, 3}, map[string]any{"k": []int{1}}); err != nil {
		t.Fatal(err)
	}
	for i, cl := range clients {
		p := cl.ExpectEvent(t, "/", "hello")
		if p.ArgsText() != `["world",42,1.5,true,null,{"_placeholder":true,"num":0},{"k":[1]}]` ||
			len(p.Att) != 1 || string(p.Att[0]) != "\x01\x02\x03" {
			t.Errorf("client %d got %v", i, p)
		}
	}

	step := func(what string, from *node, emit func() error, reached func(i int) bool) {
		t.Helper()
		if err := emit(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		expectDelivery(t, what, from, clients, reached)
	}
	step("to-red", b, func() error { return b.To("red").Emit("to-red", 1) }, red)
	step("except-red", b, func() error { return b.Except("red").Emit("except-red") }, func(i int) bool { return !red(i) })
	// A socket id is a room: the id of a socket of another server.
	step("to-id", a, func() error { return a.To(sids[3]).Emit("to-id") }, func(i int) bool { return i == 3 })
	step("red-except-id", a, func() error { return a.To("red").Except(sids[4]).Emit("red-except-id") },
		func(i int) bool { return red(i) && i != 4 })
	step("two-rooms", c.nodes[2], func() error { return c.nodes[2].To("red", sids[1]).Emit("two-rooms") },
		func(i int) bool { return red(i) || i == 1 })
	step("local", a, func() error { return a.Except().Local().Emit("local") }, func(i int) bool { return i < 2 })
	// A volatile packet may be dropped by any server (a connection that is
	// not ready to write): each client gets it before the sync, or not.
	if err := a.Except().Volatile().Emit("volatile"); err != nil {
		t.Fatalf("volatile: %v", err)
	}
	if err := a.Emit("sync"); err != nil {
		t.Fatal(err)
	}
	for i, cl := range clients {
		if got := nextEventName(t, cl, "/"); got == "volatile" {
			cl.ExpectEvent(t, "/", "sync")
		} else if got != "sync" {
			t.Errorf("volatile: client %d got %q", i, got)
		}
	}
	step("uncompressed", a, func() error { return a.Except().Compress(false).Emit("uncompressed") }, func(int) bool { return true })

	// Another namespace: its clients only.
	if err := c.nodes[2].Of(chat).Emit("chat", "x"); err != nil {
		t.Fatal(err)
	}
	if err := c.nodes[2].Emit("sync"); err != nil {
		t.Fatal(err)
	}
	expectNext(t, "chat", "/", clients, everyone("sync"))
	for i, cl := range chats {
		if p := cl.NextEvent(t, chat); p.ArgsText() != `["x"]` {
			t.Errorf("chat client %d got %v", i, p)
		}
	}
}

// testBroadcastWithAck: EmitWithAck gathers the replies of the clients of
// every server; one that does not answer leaves it to its timeout with
// the replies that came.
func testBroadcastWithAck(t *testing.T, c *cluster) {
	var clients []*siotest.Client
	for i, nd := range c.nodes {
		cl, _ := nd.Connect(t, "/", "", nil)
		reply := fmt.Sprintf("from %d", i)
		cl.OnAck(func(event string, args []json.RawMessage) ([]any, bool) {
			return []any{reply, event, len(args)}, true
		})
		if i > 0 {
			cl.Call(t, "/", "join", "blue")
		}
		clients = append(clients, cl)
	}
	a := c.nodes[0]
	replies, err := a.Except().Timeout(Wait).EmitWithAck(ctxWait(t), "ask", 1, []byte{7})
	if err != nil {
		t.Fatalf("EmitWithAck: %v", err)
	}
	if got := replyTexts(t, replies); !slices.Equal(got, []string{`["from 0","ask",2]`, `["from 1","ask",2]`, `["from 2","ask",2]`}) {
		t.Errorf("replies %v", got)
	}
	replies, err = c.nodes[1].To("blue").Timeout(Wait).EmitWithAck(ctxWait(t), "ask")
	if err != nil {
		t.Fatalf("EmitWithAck to a room: %v", err)
	}
	if got := replyTexts(t, replies); !slices.Equal(got, []string{`["from 1","ask",0]`, `["from 2","ask",0]`}) {
		t.Errorf("replies of the room %v", got)
	}

	// A client that does not answer.
	clients[2].OnAck(func(string, []json.RawMessage) ([]any, bool) { return nil, false })
	replies, err = a.Except().Timeout(time.Second).EmitWithAck(ctxWait(t), "ask")
	if !errors.Is(err, core.ErrAckTimeout) {
		t.Errorf("EmitWithAck with a silent client: %v, want ErrAckTimeout", err)
	}
	if got := replyTexts(t, replies); !slices.Equal(got, []string{`["from 0","ask",0]`, `["from 1","ask",0]`}) {
		t.Errorf("replies with a silent client %v", got)
	}
}

// testFetchSockets: FetchSockets reports the sockets of every server with
// their handshake, rooms and data, filtered by rooms and except.
func testFetchSockets(t *testing.T, c *cluster) {
	sids := map[string]int{}
	for i, nd := range c.nodes {
		cl, sid := nd.Connect(t, "/", fmt.Sprintf("n=%d", i), map[string]any{"token": fmt.Sprintf("t%d", i)})
		cl.Call(t, "/", "data", map[string]any{"i": i, "name": fmt.Sprintf("user%d", i)})
		if i != 1 {
			cl.Call(t, "/", "join", "red")
		}
		sids[sid] = i
	}
	// A socket of another namespace is not reported.
	c.nodes[0].Connect(t, chat, "", nil)

	for from, nd := range c.nodes {
		socks, err := nd.FetchSockets(ctxWait(t))
		if err != nil {
			t.Fatalf("FetchSockets from %d: %v", from, err)
		}
		if len(socks) != 3 {
			t.Fatalf("FetchSockets from %d: %d sockets, want 3", from, len(socks))
		}
		for _, rs := range socks {
			i, ok := sids[rs.ID]
			if !ok {
				t.Errorf("unknown socket %q", rs.ID)
				continue
			}
			hs := rs.Handshake
			auth, err := hs.Auth.Value(0)
			authText, _ := json.Marshal(auth)
			if hs.Query.Get("n") != fmt.Sprint(i) || err != nil || string(authText) != fmt.Sprintf(`{"token":"t%d"}`, i) ||
				hs.Headers.Get(siotest.TestHeader) != "siotest" || hs.Address == "" || !strings.Contains(hs.URL, "n=") ||
				hs.Time.IsZero() || time.Since(hs.Time) > time.Hour {
				t.Errorf("from %d: handshake of socket %d: %+v (auth %s, %v)", from, i, hs, authText, err)
			}
			wantRooms := []string{rs.ID}
			if i != 1 {
				wantRooms = append(wantRooms, "red")
			}
			rooms := slices.Clone(rs.Rooms)
			slices.Sort(rooms)
			slices.Sort(wantRooms)
			if !slices.Equal(rooms, wantRooms) {
				t.Errorf("from %d: rooms of socket %d: %v, want %v", from, i, rooms, wantRooms)
			}
			data, _ := json.Marshal(rs.Data)
			if string(data) != fmt.Sprintf(`{"i":%d,"name":"user%d"}`, i, i) {
				t.Errorf("from %d: data of socket %d: %s", from, i, data)
			}
		}
	}
	count := func(op core.BroadcastOperator) int {
		t.Helper()
		socks, err := op.FetchSockets(ctxWait(t))
		if err != nil {
			t.Fatalf("FetchSockets: %v", err)
		}
		return len(socks)
	}
	if n := count(c.nodes[1].To("red")); n != 2 {
		t.Errorf("In(red): %d sockets, want 2", n)
	}
	if n := count(c.nodes[1].Except("red")); n != 1 {
		t.Errorf("Except(red): %d sockets, want 1", n)
	}
	if n := count(c.nodes[0].To("red").Except("red")); n != 0 {
		t.Errorf("In(red).Except(red): %d sockets, want 0", n)
	}
	if n := count(c.nodes[2].Except().Local()); n != 1 {
		t.Errorf("Local: %d sockets, want 1", n)
	}
}

// testRemoteSocket: the RemoteSocket of a socket of another server emits
// to it, makes it join and leave rooms, and disconnects it.
func testRemoteSocket(t *testing.T, c *cluster) {
	cl, sid := c.nodes[1].Connect(t, "/", "", nil)
	socks, err := c.nodes[0].FetchSockets(ctxWait(t))
	if err != nil || len(socks) != 1 || socks[0].ID != sid {
		t.Fatalf("FetchSockets: %v %v", socks, err)
	}
	rs := socks[0]
	if err := rs.Emit("direct", "x", []byte{9}); err != nil {
		t.Fatal(err)
	}
	if p := cl.ExpectEvent(t, "/", "direct"); p.ArgsText() != `["x",{"_placeholder":true,"num":0}]` || len(p.Att) != 1 || p.Att[0][0] != 9 {
		t.Errorf("direct: %v", p)
	}
	rs.Join("green")
	waitFor(t, "the socket to join green", func() bool { return slices.Contains(c.nodes[1].Rooms(sid), "green") })
	if err := c.nodes[0].To("green").Emit("green"); err != nil {
		t.Fatal(err)
	}
	cl.ExpectEvent(t, "/", "green")
	rs.Leave("green")
	waitFor(t, "the socket to leave green", func() bool { return !slices.Contains(c.nodes[1].Rooms(sid), "green") })
	rs.Disconnect(true)
	cl.WaitClosed(t)
}

// testSocketsJoinLeave: SocketsJoin and SocketsLeave act on the sockets of
// every server.
func testSocketsJoinLeave(t *testing.T, c *cluster) {
	var clients []*siotest.Client
	var sids []string
	for _, nd := range c.nodes {
		cl, sid := nd.Connect(t, "/", "", nil)
		clients, sids = append(clients, cl), append(sids, sid)
	}
	inRoom := func(room string) []int {
		t.Helper()
		var out []int
		for i, nd := range c.nodes {
			if slices.Contains(nd.Rooms(sids[i]), room) {
				out = append(out, i)
			}
		}
		return out
	}
	waitRoom := func(room string, want ...int) {
		t.Helper()
		waitFor(t, fmt.Sprintf("room %s to hold sockets %v", room, want), func() bool { return slices.Equal(inRoom(room), want) })
	}
	c.nodes[0].SocketsJoin("green")
	waitRoom("green", 0, 1, 2)
	c.nodes[1].To(sids[2]).SocketsJoin("pink")
	waitRoom("pink", 2)
	c.nodes[2].Except("pink").SocketsLeave("green")
	waitRoom("green", 2)
	c.nodes[0].To("pink").SocketsLeave("pink")
	waitRoom("pink")

	// The rooms are the ones broadcasts see.
	if err := c.nodes[1].To("green").Emit("green"); err != nil {
		t.Fatal(err)
	}
	expectDelivery(t, "green", c.nodes[1], clients, func(i int) bool { return i == 2 })
}

// testDisconnectSockets: DisconnectSockets disconnects the matching
// sockets of every server, closing their connections or only leaving the
// namespace.
func testDisconnectSockets(t *testing.T, c *cluster) {
	var clients []*siotest.Client
	var sids []string
	for _, nd := range c.nodes {
		for j := range 2 {
			cl, sid := nd.Connect(t, "/", "", nil)
			if j == 0 {
				cl.Call(t, "/", "join", "red")
			}
			clients, sids = append(clients, cl), append(sids, sid)
		}
	}
	c.nodes[1].To("red").DisconnectSockets(true)
	for i := 0; i < len(clients); i += 2 {
		clients[i].WaitClosed(t)
	}
	// The others stay, on every server.
	if err := c.nodes[0].Emit("alive"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(clients); i += 2 {
		clients[i].ExpectEvent(t, "/", "alive")
	}
	// Without close: the socket leaves "/", its connection stays.
	c.nodes[2].To(sids[1]).DisconnectSockets(false)
	clients[1].Expect(t, "a DISCONNECT packet", func(p siotest.Packet) bool { return p.Type == '1' && p.Nsp == "/" })
	waitFor(t, "the socket to leave", func() bool { return c.nodes[0].Of("/").Socket(sids[1]) == nil })
	if sid := clients[1].Join(t, "/", nil); sid == sids[1] {
		t.Errorf("joined again with the old socket id %s", sid)
	}
}

// testServerSideEmit: ServerSideEmit reaches the other servers (not the
// sender), with and without acknowledgements; a server without a handler
// does not answer.
func testServerSideEmit(t *testing.T, c *cluster) {
	var mu sync.Mutex
	got := map[int][]string{}
	for i, nd := range c.nodes {
		nd.OnServerSideEmit("hello", func(args core.Args) []any {
			vals, err := args.Values()
			b, _ := json.Marshal(vals)
			mu.Lock()
			got[i] = append(got[i], fmt.Sprintf("%s %v", b, err))
			mu.Unlock()
			return []any{fmt.Sprintf("from %d", i)}
		})
	}
	c.nodes[1].OnServerSideEmit("only1", func(core.Args) []any { return []any{"one"} })

	if err := c.nodes[0].ServerSideEmit("hello", "x", 2, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	want := `["x",2,"AQI="] <nil>` // []byte as encoding/json writes it
	waitFor(t, "the other servers' handlers", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got[1]) == 1 && len(got[2]) == 1
	})
	replies, err := c.nodes[0].ServerSideEmitWithAck(ctxWait(t), "hello", "y")
	if err != nil {
		t.Fatalf("ServerSideEmitWithAck: %v", err)
	}
	if texts := replyTexts(t, replies); !slices.Equal(texts, []string{`["from 1"]`, `["from 2"]`}) {
		t.Errorf("replies %v", texts)
	}
	mu.Lock()
	for i := 1; i < 3; i++ {
		if len(got[i]) != 2 || got[i][0] != want || got[i][1] != `["y"] <nil>` {
			t.Errorf("server %d received %q", i, got[i])
		}
	}
	if len(got[0]) != 0 {
		t.Errorf("the sender received its own server-side events: %q", got[0])
	}
	mu.Unlock()

	// Only server 1 handles "only1": server 2 does not answer, and the
	// call ends with the reply that came.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	replies, _ = c.nodes[0].ServerSideEmitWithAck(ctx, "only1")
	if texts := replyTexts(t, replies); !slices.Equal(texts, []string{`["one"]`}) {
		t.Errorf("replies to only1 %v", texts)
	}
}

// testServerLeaves: a server that shuts down leaves the cluster: the
// others count one server less, and their requests no longer wait for it.
func testServerLeaves(t *testing.T, c *cluster) {
	for _, nd := range c.nodes {
		cl, _ := nd.Connect(t, "/", "", nil)
		cl.OnAck(func(string, []json.RawMessage) ([]any, bool) { return []any{"ok"}, true })
		nd.OnServerSideEmit("ping", func(core.Args) []any { return []any{"pong"} })
	}
	c.nodes[2].Shutdown(t)
	c.waitCount(2)
	start := time.Now()
	socks, err := c.nodes[0].FetchSockets(ctxWait(t))
	if err != nil || len(socks) != 2 {
		t.Errorf("FetchSockets after a server left: %d sockets, %v", len(socks), err)
	}
	replies, err := c.nodes[0].ServerSideEmitWithAck(ctxWait(t), "ping")
	if err != nil || len(replies) != 1 {
		t.Errorf("ServerSideEmitWithAck after a server left: %d replies, %v", len(replies), err)
	}
	replies, err = c.nodes[1].Except().Timeout(Wait).EmitWithAck(ctxWait(t), "ask")
	if err != nil || len(replies) != 2 {
		t.Errorf("EmitWithAck after a server left: %d replies, %v", len(replies), err)
	}
	if d := time.Since(start); d >= Wait {
		t.Errorf("the requests after a server left took %v", d)
	}
}
