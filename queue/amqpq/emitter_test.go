package amqpq_test

import (
	"testing"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/internal/controltest"
)

// TestEmitter runs the emitter check on a server over RabbitMQ, with the
// emitter on its own write-only connection, in JSON.
func TestEmitter(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	prefix := uniq("sio-test")
	ex.add(prefix)
	em, err := amqpq.NewEmitter(broker, amqpq.Options{}, queue.EmitterOptions{ChannelPrefix: prefix, Encoding: queue.EncodingJSON})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Close() })
	if em.Bus().QueueName() != "" {
		t.Error("the emitter's bus has a queue")
	}
	m := queue.NewManager(newBus(t, broker, ex, amqpq.Options{}), queue.Options{ChannelPrefix: prefix, Encoding: queue.EncodingJSON})
	controltest.RunEmitter(t, em.Emitter, m, false)
}
