package kafkaq_test

import (
	"context"
	"errors"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/kafkaq"
)

// TestEmitter: an emitter with its own write-only client reaches the
// servers through Kafka (a server-side event arrives), is not counted as
// a server, and refuses acknowledgements.
func TestEmitter(t *testing.T) {
	_, url := newKafka(t)
	qopts := queue.Options{ChannelPrefix: uniq("sio-test")}
	srv := startServer(t, newBus(t, url, kafkaq.Options{}), qopts, nil)
	got := make(chan string, 1)
	srv.OnServerSideEmit("job", func(args core.Args) []any {
		var s string
		_ = args.Decode(0, &s)
		got <- s
		return nil
	})
	em, err := kafkaq.NewEmitter(url, kafkaq.Options{}, queue.EmitterOptions{ChannelPrefix: qopts.ChannelPrefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Close() })
	ctx := context.Background()
	if err := em.ServerSideEmit(ctx, "job", "done"); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "done" {
		t.Errorf("server-side event argument %q", s)
	}
	if err := em.Emit(ctx, "x", func() {}); !errors.Is(err, queue.ErrEmitterAck) {
		t.Errorf("Emit with a function: %v", err)
	}
	if n := srv.ServerCount(ctx); n != 1 {
		t.Errorf("ServerCount %d, want 1", n)
	}
	if _, err := em.Bus().Subscribe(ctx, "x", func([]byte) {}); !errors.Is(err, kafkaq.ErrWriteOnly) {
		t.Errorf("Subscribe on the emitter's bus: %v", err)
	}
}
