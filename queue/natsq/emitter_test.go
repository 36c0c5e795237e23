package natsq

import (
	"context"
	"errors"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/livetest"
)

// TestEmitter: an emitter's broadcasts (rooms, another namespace), room
// changes, disconnections and server-side events reach the servers of a
// cluster on the shared NATS server, on Buses and on JetStreamBuses
// (there with an offset); it is not counted as a server and refuses
// acknowledgements.
func TestEmitter(t *testing.T) {
	url := natsURL(t)
	for _, js := range []bool{false, true} {
		name := map[bool]string{false: "core", true: "jetstream"}[js]
		t.Run(name, func(t *testing.T) {
			prefix := testPrefix(t)
			jopts := testJetStream(t, url)
			eopts := queue.EmitterOptions{ChannelPrefix: prefix}
			var em *Emitter
			var err error
			var bus queue.Bus
			if js {
				em, err = NewJetStreamEmitter(url, Options{}, jopts, eopts)
				bus = newJetStreamBus(t, url, Options{}, jopts)
			} else {
				em, err = NewEmitter(url, Options{}, eopts)
				bus = newBus(t, url, Options{})
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = em.Close() })
			sopts := core.Options{ClientManager: queue.NewManager(bus, queue.Options{ChannelPrefix: prefix})}
			if js {
				sopts.Recovery = &core.RecoveryOptions{} // the emitter's broadcasts carry the log's offsets
			}
			srv := core.NewServer(sopts)
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
			ctx := context.Background()
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
			p := a.NextEvent(t, "/")
			wantArgs := `[1,{"_placeholder":true,"num":0}]`
			if js {
				wantArgs = `[1,{"_placeholder":true,"num":0},"` // then the offset
			}
			if name, _ := p.Event(); name != "red" || len(p.ArgsText()) < len(wantArgs) || p.ArgsText()[:len(wantArgs)] != wantArgs {
				t.Errorf("a got %v", p)
			}
			a.ExpectEvent(t, "/", "all")
			if name, _ := b.NextEvent(t, "/").Event(); name != "all" {
				t.Errorf("b got %s first, want all", name)
			}
			if err := em.Of("/chat").Emit(ctx, "chat"); err != nil {
				t.Fatal(err)
			}
			chat.ExpectEvent(t, "/chat", "chat")

			if err := em.In(sidA).SocketsJoin(ctx, "blue"); err != nil {
				t.Fatal(err)
			}
			livetestWait(t, "a to join blue", func() bool { return len(srv.Rooms(sidA)) == 3 })
			if err := em.ServerSideEmit(ctx, "tick", "tock"); err != nil {
				t.Fatal(err)
			}
			if v := <-got; v != "tock" {
				t.Errorf("server-side event argument %q", v)
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
		})
	}
}

func livetestWait(t *testing.T, what string, cond func() bool) { waitFor(t, livetest.Wait, what, cond) }
