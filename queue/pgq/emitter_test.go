package pgq

import (
	"context"
	"errors"
	"testing"

	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/controltest"
)

// TestEmitter: an emitter's broadcasts (binary ones through the
// attachment table), room changes, disconnections and server-side events
// reach a server on the shared PostgreSQL; its bus is write-only.
func TestEmitter(t *testing.T) {
	dbURL := pgURL(t)
	prefix, opts := testName(t), testOptions(t, dbURL)
	ctx, cancel := context.WithTimeout(context.Background(), siotest.Wait)
	defer cancel()
	em, err := NewEmitter(ctx, dbURL, opts, queue.EmitterOptions{ChannelPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Close() })
	if _, err := em.Bus().Subscribe(ctx, prefix+"#/#", func([]byte) {}); !errors.Is(err, ErrWriteOnly) {
		t.Errorf("Subscribe on the emitter's bus: %v", err)
	}
	controltest.RunEmitter(t, em.Emitter, NewManager(newBus(t, dbURL, opts), queue.Options{ChannelPrefix: prefix}), false)
}
