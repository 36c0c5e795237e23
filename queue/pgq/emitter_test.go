package pgq

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/livetest"
)

// TestEmitter: an emitter's broadcasts (a room, binary through the
// attachment table, another namespace), room changes, disconnections and
// server-side events reach a server on the shared PostgreSQL; it is not
// counted as a server and refuses acknowledgements.
func TestEmitter(t *testing.T) {
	dbURL := pgURL(t)
	prefix, opts := testName(t), testOptions(t, dbURL)
	ctx, cancel := context.WithTimeout(context.Background(), livetest.Wait)
	defer cancel()
	em, err := NewEmitter(ctx, dbURL, opts, queue.EmitterOptions{ChannelPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Close() })
	if _, err := em.Bus().Subscribe(ctx, prefix+"#/#", func([]byte) {}); !errors.Is(err, ErrWriteOnly) {
		t.Errorf("Subscribe on the emitter's bus: %v", err)
	}
	srv := core.NewServer(core.Options{ClientManager: NewManager(newBus(t, dbURL, opts), queue.Options{ChannelPrefix: prefix})})
	h := livetest.Serve(srv)
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
	if p := a.NextEvent(t, "/"); p.ArgsText() != `[1,{"_placeholder":true,"num":0}]` || len(p.Att) != 1 || p.Att[0][0] != 9 {
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
	waitFor(t, "a to join blue", func() bool { return len(srv.Rooms(sidA)) == 3 })
	if err := em.ServerSideEmit(ctx, "tick", "tock"); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-got:
		if v != "tock" {
			t.Errorf("server-side event argument %q", v)
		}
	case <-time.After(livetest.Wait):
		t.Fatal("no server-side event")
	}
	if err := em.Emit(ctx, "ack", func() {}); !errors.Is(err, queue.ErrEmitterAck) {
		t.Errorf("Emit with a function: %v", err)
	}
	if n := srv.ServerCount(ctx); n != 1 {
		t.Errorf("ServerCount %d with an emitter, want 1", n)
	}
	if err := em.In("blue").DisconnectSockets(ctx, true); err != nil {
		t.Fatal(err)
	}
	a.WaitClosed(t)
}
