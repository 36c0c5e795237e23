package amqpq_test

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/queuetest"
)

// TestBusConformance runs the Bus contract against RabbitMQ.
func TestBusConformance(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	queuetest.RunBus(t, func(t *testing.T) queue.Bus {
		b, err := amqpq.New(broker, amqpq.Options{})
		if err != nil {
			t.Fatalf("amqpq.New: %v", err)
		}
		return tracked{Bus: b, ex: ex}
	})
}

// TestClusterConformance runs every cluster operation on servers with a
// RabbitMQ connection each, in both encodings.
func TestClusterConformance(t *testing.T) {
	broker := brokerURL(t)
	for _, enc := range []queue.Encoding{queue.EncodingMsgpack, queue.EncodingJSON} {
		t.Run(enc.String(), func(t *testing.T) {
			ex := trackExchanges(t, broker)
			queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
				opts := queue.Options{ChannelPrefix: uniq("sio-test"), Encoding: enc}
				return func() core.ClientManager {
					return queue.NewManager(newBus(t, broker, ex, amqpq.Options{}), opts)
				}
			})
		})
	}
}
