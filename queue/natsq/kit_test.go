package natsq

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/queuetest"
)

// TestBusConformance runs the Bus contract against a Bus on the shared
// NATS server.
func TestBusConformance(t *testing.T) {
	url := natsURL(t)
	queuetest.RunBus(t, func(t *testing.T) queue.Bus {
		b, err := New(url, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

// TestClusterConformance runs every cluster operation on servers that
// each have their own connection to the shared NATS server, in both
// encodings.
func TestClusterConformance(t *testing.T) {
	url := natsURL(t)
	for _, enc := range []queue.Encoding{queue.EncodingMsgpack, queue.EncodingJSON} {
		t.Run(enc.String(), func(t *testing.T) {
			queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
				prefix := testPrefix(t)
				return func() core.ClientManager {
					return queue.NewManager(newBus(t, url, Options{}), queue.Options{ChannelPrefix: prefix, Encoding: enc})
				}
			})
		})
	}
}
