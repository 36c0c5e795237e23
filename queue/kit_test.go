package queue_test

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/queuetest"
)

// TestMemoryBusConformance runs the Bus contract against MemoryBus.
func TestMemoryBusConformance(t *testing.T) {
	queuetest.RunBus(t, func(*testing.T) queue.Bus { return queue.NewMemoryBus() })
}

// TestClusterConformance runs every cluster operation on managers linked
// by a MemoryBus, in both encodings.
func TestClusterConformance(t *testing.T) {
	for _, enc := range []queue.Encoding{queue.EncodingMsgpack, queue.EncodingJSON} {
		t.Run(enc.String(), func(t *testing.T) {
			queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
				bus := queue.NewMemoryBus()
				t.Cleanup(func() { _ = bus.Close() })
				return func() core.ClientManager { return queue.NewManager(bus, queue.Options{Encoding: enc}) }
			})
		})
	}
}
