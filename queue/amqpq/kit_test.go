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
// RabbitMQ connection each, in both encodings, and with per-room channels.
func TestClusterConformance(t *testing.T) {
	broker := brokerURL(t)
	for _, tc := range []struct {
		enc  queue.Encoding
		mode queue.SubscriptionMode
	}{{queue.EncodingMsgpack, queue.SubscriptionStatic}, {queue.EncodingJSON, queue.SubscriptionStatic}, {queue.EncodingMsgpack, queue.SubscriptionDynamic}} {
		t.Run(tc.enc.String()+"/"+tc.mode.String(), func(t *testing.T) {
			ex := trackExchanges(t, broker)
			queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
				opts := queue.Options{ChannelPrefix: uniq("sio-test"), Encoding: tc.enc, SubscriptionMode: tc.mode}
				return func() core.ClientManager {
					return queue.NewManager(newBus(t, broker, ex, amqpq.Options{}), opts)
				}
			})
		})
	}
}
