package kafkaq_test

import (
	"testing"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/controltest"
	"github.com/socketio-go/sio/queue/kafkaq"
)

// TestEmitter runs the emitter check on a server over Kafka: the write-only
// emitter on a Bus, and the log emitter on a LogBus (its broadcasts carry
// the log's offsets).
func TestEmitter(t *testing.T) {
	_, url := newKafka(t)
	t.Run("Bus", func(t *testing.T) {
		prefix := uniq("sio-test")
		em, err := kafkaq.NewEmitter(url, kafkaq.Options{}, queue.EmitterOptions{ChannelPrefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = em.Close() })
		controltest.RunEmitter(t, em.Emitter, queue.NewManager(newBus(t, url, kafkaq.Options{}), queue.Options{ChannelPrefix: prefix}), false)
	})
	t.Run("LogBus", func(t *testing.T) {
		prefix := uniq("sio-test")
		em, err := kafkaq.NewLogEmitter(url, kafkaq.Options{}, queue.EmitterOptions{ChannelPrefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = em.Close() })
		controltest.RunEmitter(t, em.Emitter, queue.NewManager(newLogBus(t, url, uniq("sessions")), queue.Options{ChannelPrefix: prefix}), true)
	})
}
