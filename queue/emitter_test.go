package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
)

// TestEmitter checks every operation of the write-only emitter against a
// two-server cluster, in both encodings: broadcasts with rooms, except
// and another namespace, SocketsJoin/SocketsLeave, DisconnectSockets and
// a server-side event; the emitter is not counted as a server.
func TestEmitter(t *testing.T) { eachEncoding(t, testEmitter) }

func testEmitter(t *testing.T, enc queue.Encoding) {
	c := newCluster(t, 2, clusterConfig{queue: queue.Options{Encoding: enc}})
	em := queue.NewEmitter(c.bus, queue.EmitterOptions{Encoding: enc})
	ctx := context.Background()
	var clients, chats [2]*client
	var ids [2]string
	for i, nd := range c.nodes {
		joinHandler(nd)
		clients[i], ids[i] = nd.connect(t, "/", "", nil)
		chats[i], _ = nd.connect(t, "/chat", "", nil)
	}
	clients[0].Call(t, "/", "join", "red")

	if err := em.Emit(ctx, "hello", "world", 1, []byte{7}); err != nil {
		t.Fatal(err)
	}
	for i, cl := range clients {
		p := cl.ExpectEvent(t, "/", "hello")
		if p.ArgsText() != `["world",1,{"_placeholder":true,"num":0}]` || len(p.Att) != 1 || p.Att[0][0] != 7 {
			t.Errorf("client %d got %v", i, p)
		}
	}
	// next checks the events each client gets up to the next "sync".
	next := func(what string, want ...string) {
		t.Helper()
		for i, cl := range clients {
			var got []string
			for len(got) == 0 || got[len(got)-1] != "sync" {
				name, _ := cl.NextEvent(t, "/").Event()
				got = append(got, name)
			}
			if strings.Join(got, ",") != want[i] {
				t.Errorf("%s: client %d got %v, want %s", what, i, got, want[i])
			}
		}
	}
	mustEmit := func(e *queue.Emitter, event string, args ...any) {
		t.Helper()
		if err := e.Emit(ctx, event, args...); err != nil {
			t.Fatal(err)
		}
	}
	mustEmit(em.To("red"), "red")
	mustEmit(em, "sync")
	next("To", "red,sync", "sync")
	mustEmit(em.Except("red"), "notred")
	mustEmit(em, "sync")
	next("Except", "sync", "notred,sync")
	mustEmit(em.In(ids[1]).Compress(false), "direct")
	mustEmit(em, "sync")
	next("a socket id as a room", "sync", "direct,sync")

	mustEmit(em.Of("chat"), "chat", "x")
	for i, cl := range chats {
		if p := cl.ExpectEvent(t, "/chat", "chat"); p.ArgsText() != `["x"]` {
			t.Errorf("chat client %d got %v", i, p)
		}
	}

	if err := em.In(ids[1]).SocketsJoin(ctx, "blue"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the socket to join blue", func() bool {
		return len(c.nodes[1].Of("/").Adapter().Sockets([]string{"blue"})) == 1
	})
	mustEmit(em.To("blue"), "blue")
	mustEmit(em, "sync")
	next("SocketsJoin", "sync", "blue,sync")
	if err := em.In("blue").SocketsLeave(ctx, "blue"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the socket to leave blue", func() bool {
		return len(c.nodes[1].Of("/").Adapter().Sockets([]string{"blue"})) == 0
	})

	got := make(chan string, 2)
	for _, nd := range c.nodes {
		nd.OnServerSideEmit("tick", func(args core.Args) []any {
			var s string
			_ = args.Decode(0, &s)
			got <- s
			return nil
		})
	}
	if err := em.ServerSideEmit(ctx, "tick", "tock"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if v := <-got; v != "tock" {
			t.Errorf("server-side event argument %q", v)
		}
	}

	if err := em.Emit(ctx, "ack", func() {}); !errors.Is(err, queue.ErrEmitterAck) {
		t.Errorf("Emit with a function: %v, want ErrEmitterAck", err)
	}
	for i, nd := range c.nodes {
		if n := nd.ServerCount(ctx); n != 2 {
			t.Errorf("server %d: ServerCount %d after the emitter published, want 2", i, n)
		}
	}

	if err := em.In("red").DisconnectSockets(ctx, true); err != nil {
		t.Fatal(err)
	}
	clients[0].WaitClosed(t)
}

// TestEmitterLog: on a LogBus the emitter's broadcasts go to the log, so
// they carry offsets and a client that recovers its session on another
// server gets those it missed.
func TestEmitterLog(t *testing.T) {
	c, bus := logCluster(t, 2, queue.Options{})
	em := queue.NewEmitter(bus, queue.EmitterOptions{})
	ctx := context.Background()
	cl := c.nodes[0].dial(t, "")
	s := joinSession(t, cl, nil)
	if err := em.Emit(ctx, "first", 1); err != nil {
		t.Fatal(err)
	}
	expectOffset(t, cl, &s, "first", `[1]`)
	cl.Close()
	waitSocketGone(t, c, s.sid)
	if err := em.Emit(ctx, "missed", 2); err != nil {
		t.Fatal(err)
	}
	cl = c.nodes[1].dial(t, "")
	if got := joinSession(t, cl, map[string]string{"pid": s.pid, "offset": s.offset}); got.sid != s.sid {
		t.Fatalf("sid %s, want the recovered %s", got.sid, s.sid)
	}
	expectOffset(t, cl, &s, "missed", `[2]`)
}
