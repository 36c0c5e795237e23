package natsq

import (
	"testing"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/controltest"
)

// TestEmitter: an emitter's broadcasts, room changes, disconnections and
// server-side events reach a server on the shared NATS server, on a Bus
// and on a JetStreamBus (there with the log's offsets).
func TestEmitter(t *testing.T) {
	url := natsURL(t)
	t.Run("core", func(t *testing.T) {
		prefix := testPrefix(t)
		em, err := NewEmitter(url, Options{}, queue.EmitterOptions{ChannelPrefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = em.Close() })
		controltest.RunEmitter(t, em.Emitter, queue.NewManager(newBus(t, url, Options{}), queue.Options{ChannelPrefix: prefix}), false)
	})
	t.Run("jetstream", func(t *testing.T) {
		prefix, jopts := testPrefix(t), testJetStream(t, url)
		em, err := NewJetStreamEmitter(url, Options{}, jopts, queue.EmitterOptions{ChannelPrefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = em.Close() })
		controltest.RunEmitter(t, em.Emitter, queue.NewManager(newJetStreamBus(t, url, Options{}, jopts), queue.Options{ChannelPrefix: prefix}), true)
	})
}
