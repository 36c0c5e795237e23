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
// Kafka client each, in both encodings.
func TestClusterConformance(t *testing.T) {
	_, url := newKafka(t)
	for _, enc := range []queue.Encoding{queue.EncodingMsgpack, queue.EncodingJSON} {
		t.Run(enc.String(), func(t *testing.T) {
			queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
				opts := queue.Options{ChannelPrefix: uniq("sio-test"), Encoding: enc}
				return func() core.ClientManager {
					return queue.NewManager(newBus(t, url, kafkaq.Options{}), opts)
				}
			})
		})
	}
}
