package queue_test

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/queuetest"
)

// TestMemoryLogBusConformance runs the Bus contract and every cluster
// operation on MemoryLogBus: no heartbeats (it counts the subscribers),
// the durable operations through its log, and per-room channels.
func TestMemoryLogBusConformance(t *testing.T) {
	queuetest.RunBus(t, func(*testing.T) queue.Bus { return queue.NewMemoryLogBus(0) })
	for _, mode := range []queue.SubscriptionMode{queue.SubscriptionStatic, queue.SubscriptionDynamic} {
		t.Run(mode.String(), func(t *testing.T) {
			queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
				bus := queue.NewMemoryLogBus(0)
				t.Cleanup(func() { _ = bus.Close() })
				return func() core.ClientManager {
					return queue.NewManager(bus, queue.Options{SubscriptionMode: mode})
				}
			})
		})
	}
}

// TestDynamicConformance runs every cluster operation with per-room
// channels on a MemoryBus (heartbeats).
func TestDynamicConformance(t *testing.T) {
	queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
		bus := queue.NewMemoryBus()
		t.Cleanup(func() { _ = bus.Close() })
		return func() core.ClientManager {
			return queue.NewManager(bus, queue.Options{SubscriptionMode: queue.SubscriptionDynamicPrivate})
		}
	})
}
