package controltest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
)

// RunEmitter checks a broker's emitter against one server on m (with
// connection state recovery when offsets is set: the emitter's broadcasts
// must then carry the log's offsets): broadcasts to a room with binary
// arguments and to everyone, another namespace, SocketsJoin, a
// server-side event, refused acknowledgements, the emitter not counted as
// a server, and DisconnectSockets.
func RunEmitter(t *testing.T, em *queue.Emitter, m core.ClientManager, offsets bool) {
	t.Helper()
	opts := core.Options{ClientManager: m}
	if offsets {
		opts.Recovery = &core.RecoveryOptions{}
	}
	srv := core.NewServer(opts)
	h := siotest.Serve(srv)
	defer h.Shutdown(t)
	srv.On("join", func(s *core.Socket, room string) { s.Join(room) })
	srv.Of("/chat")
	got := make(chan string, 1)
	srv.OnServerSideEmit("tick", func(args core.Args) []any {
		var s string
		_ = args.Decode(0, &s)
		got <- s
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), siotest.Wait)
	defer cancel()
	a, sidA := h.Connect(t, "/", "", nil)
	b, _ := h.Connect(t, "/", "", nil)
	chat, _ := h.Connect(t, "/chat", "", nil)
	a.Call(t, "/", "join", "red")

	if err := em.To("red").Emit(ctx, "red", 1, []byte{9}); err != nil {
		t.Fatal(err)
	}
	if err := em.Emit(ctx, "all"); err != nil {
		t.Fatal(err)
	}
	want := `[1,{"_placeholder":true,"num":0}]`
	p := a.NextEvent(t, "/")
	text := p.ArgsText()
	if offsets {
		if i := strings.LastIndex(text, `,"`); i < 0 || !strings.HasSuffix(text, `"]`) {
			t.Errorf("a got %v, without an offset", p)
		} else {
			text = text[:i] + "]"
		}
	}
	if name, _ := p.Event(); name != "red" || text != want || len(p.Att) != 1 || p.Att[0][0] != 9 {
		t.Errorf("a got %v", p)
	}
	a.ExpectEvent(t, "/", "all")
	if name, _ := b.NextEvent(t, "/").Event(); name != "all" {
		t.Errorf("b got %s first, want all", name)
	}
	if err := em.Of("chat").Emit(ctx, "chat"); err != nil {
		t.Fatal(err)
	}
	chat.ExpectEvent(t, "/chat", "chat")
	if err := em.In(sidA).SocketsJoin(ctx, "blue"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(siotest.Wait)
	for len(srv.Rooms(sidA)) != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("a is in %v, not in blue", srv.Rooms(sidA))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := em.ServerSideEmit(ctx, "tick", "tock"); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-got:
		if v != "tock" {
			t.Errorf("server-side event argument %q", v)
		}
	case <-ctx.Done():
		t.Fatal("no server-side event")
	}
	if err := em.Emit(ctx, "ack", func() {}); !errors.Is(err, queue.ErrEmitterAck) {
		t.Errorf("Emit with a function: %v, want ErrEmitterAck", err)
	}
	if n := srv.ServerCount(ctx); n != 1 {
		t.Errorf("ServerCount %d with an emitter, want 1", n)
	}
	if err := em.In("blue").DisconnectSockets(ctx, true); err != nil {
		t.Fatal(err)
	}
	a.WaitClosed(t)
}
