package queuetest_test

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/queuetest"
)

// A Bus runs the Bus contract from a test of its package: one new bus per
// subtest, which the kit closes.
func ExampleRunBus() {
	test := func(t *testing.T) {
		queuetest.RunBus(t, func(*testing.T) queue.Bus { return queue.NewMemoryBus() })
	}
	_ = test // func TestBus(t *testing.T) { ... } in the Bus's package
}

// A cluster manager runs every cluster operation across servers: each call
// of the function given to RunCluster makes one cluster (here, a bus
// shared by its servers), and the function it returns one server's
// manager. A broker Bus would also use a channel prefix unique to the call
// (queue.Options.ChannelPrefix), and the Encoding its Node.js counterpart
// writes.
func ExampleRunCluster() {
	test := func(t *testing.T) {
		queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
			bus := queue.NewMemoryBus()
			t.Cleanup(func() { _ = bus.Close() }) // after the servers' shutdown
			return func() core.ClientManager {
				return queue.NewManager(bus, queue.Options{Encoding: queue.EncodingJSON})
			}
		})
	}
	_ = test // func TestCluster(t *testing.T) { ... } in the manager's package
}
