package kafkaq_test

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/kafkaq"
	"github.com/socketio-go/sio/queue/queuetest"
)

// TestBusConformance runs the Bus contract on an in-process Kafka
// cluster, reading partitions directly and with a per-node group.
func TestBusConformance(t *testing.T) {
	for _, mode := range []string{"direct", "group"} {
		t.Run(mode, func(t *testing.T) {
			_, url := newKafka(t)
			queuetest.RunBus(t, func(t *testing.T) queue.Bus {
				opts := kafkaq.Options{}
				if mode == "group" {
					opts.Group = uniq("sio-node")
				}
				b, err := kafkaq.New(url, opts)
				if err != nil {
					t.Fatalf("kafkaq.New: %v", err)
				}
				return b
			})
		})
	}
}

// TestClusterConformance runs every cluster operation on servers with a
// Kafka client each, in both encodings, and with per-room channels.
func TestClusterConformance(t *testing.T) {
	_, url := newKafka(t)
	for _, tc := range []struct {
		enc  queue.Encoding
		mode queue.SubscriptionMode
	}{{queue.EncodingMsgpack, queue.SubscriptionStatic}, {queue.EncodingJSON, queue.SubscriptionStatic}, {queue.EncodingMsgpack, queue.SubscriptionDynamic}} {
		t.Run(tc.enc.String()+"/"+tc.mode.String(), func(t *testing.T) {
			queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
				opts := queue.Options{ChannelPrefix: uniq("sio-test"), Encoding: tc.enc, SubscriptionMode: tc.mode}
				return func() core.ClientManager {
					return queue.NewManager(newBus(t, url, kafkaq.Options{}), opts)
				}
			})
		})
	}
}

// TestLogBusConformance runs the Bus contract, every cluster operation and
// connection state recovery across servers on LogBuses.
func TestLogBusConformance(t *testing.T) {
	_, url := newKafka(t)
	newLogBus := func(t *testing.T, topic string) *kafkaq.LogBus {
		b, err := kafkaq.NewLogBus(url, kafkaq.Options{}, kafkaq.LogOptions{SessionTopic: topic})
		if err != nil {
			t.Fatalf("kafkaq.NewLogBus: %v", err)
		}
		return b
	}
	t.Run("Bus", func(t *testing.T) {
		queuetest.RunBus(t, func(t *testing.T) queue.Bus { return newLogBus(t, uniq("sessions")) })
	})
	cluster := func(t *testing.T) func() core.ClientManager {
		opts := queue.Options{ChannelPrefix: uniq("sio-test")}
		sessions := uniq("sessions")
		return func() core.ClientManager {
			b := newLogBus(t, sessions)
			t.Cleanup(func() { _ = b.Close() })
			return queue.NewManager(b, opts)
		}
	}
	t.Run("Cluster", func(t *testing.T) { queuetest.RunCluster(t, cluster) })
	t.Run("Recovery", func(t *testing.T) { queuetest.RunRecovery(t, cluster) })
}
