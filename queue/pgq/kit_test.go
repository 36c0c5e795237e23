package pgq

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/queuetest"
)

// TestBusConformance runs the Bus contract against a Bus on the shared
// PostgreSQL.
func TestBusConformance(t *testing.T) {
	dbURL := pgURL(t)
	queuetest.RunBus(t, func(t *testing.T) queue.Bus {
		b, err := New(t.Context(), dbURL, testOptions(t, dbURL))
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

// TestClusterConformance runs every cluster operation on servers that
// each have their own bus (JSON messages, as Node.js's adapter).
func TestClusterConformance(t *testing.T) {
	dbURL := pgURL(t)
	queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
		prefix, opts := testName(t), testOptions(t, dbURL)
		return func() core.ClientManager {
			return NewManager(newBus(t, dbURL, opts), queue.Options{ChannelPrefix: prefix})
		}
	})
}

// TestDynamicConformance runs every cluster operation with per-room
// channels (a PostgreSQL channel per room: sio servers only), whose order
// with the namespace's channel the delivery groups keep.
func TestDynamicConformance(t *testing.T) {
	dbURL := pgURL(t)
	queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
		prefix, opts := testName(t), testOptions(t, dbURL)
		return func() core.ClientManager {
			return NewManager(newBus(t, dbURL, opts), queue.Options{ChannelPrefix: prefix, SubscriptionMode: queue.SubscriptionDynamicPrivate})
		}
	})
}
