package amqpq_test

import (
	"context"
	"errors"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/amqpq"
)

// TestEmitter: an emitter with its own write-only connection reaches the
// servers through RabbitMQ (a server-side event arrives, in JSON), is not
// counted as a server, and refuses acknowledgements.
func TestEmitter(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	qopts := queue.Options{ChannelPrefix: uniq("sio-test"), Encoding: queue.EncodingJSON}
	srv := startServer(t, newBus(t, broker, ex, amqpq.Options{}), qopts, nil)
	got := make(chan string, 1)
	srv.OnServerSideEmit("job", func(args core.Args) []any {
		var s string
		_ = args.Decode(0, &s)
		got <- s
		return nil
	})
	em, err := amqpq.NewEmitter(broker, amqpq.Options{}, queue.EmitterOptions{ChannelPrefix: qopts.ChannelPrefix, Encoding: queue.EncodingJSON})
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
	if em.Bus().QueueName() != "" {
		t.Error("the emitter's bus has a queue")
	}
}
