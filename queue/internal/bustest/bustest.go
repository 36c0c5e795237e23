// Package bustest holds the helpers the tests of sio's broker packages
// share: an inbox for a subscription's messages, Subscribe and Publish
// that fail the test, a log sink, a bounded poll, and a server on a
// manager.
package bustest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
)

// Wait bounds every wait of the helpers.
const Wait = 10 * time.Second

// Inbox collects the messages of one subscription.
type Inbox struct {
	mu     sync.Mutex
	msgs   [][]byte
	notify chan struct{}
}

// NewInbox returns an empty inbox; Add is its subscription callback.
func NewInbox() *Inbox { return &Inbox{notify: make(chan struct{}, 1)} }

// Add records a copy of m.
func (in *Inbox) Add(m []byte) {
	in.mu.Lock()
	in.msgs = append(in.msgs, bytes.Clone(m))
	in.mu.Unlock()
	select {
	case in.notify <- struct{}{}:
	default:
	}
}

// All returns the messages received so far.
func (in *Inbox) All() [][]byte {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([][]byte(nil), in.msgs...)
}

// WaitN waits until the inbox holds n messages and returns them.
func (in *Inbox) WaitN(t testing.TB, what string, n int) [][]byte {
	t.Helper()
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	for {
		if m := in.All(); len(m) >= n {
			return m
		}
		select {
		case <-in.notify:
		case <-timer.C:
			t.Fatalf("%s: %d messages after %v, want %d", what, len(in.All()), Wait, n)
		}
	}
}

// Subscribe subscribes fn to ch on b, or fails the test.
func Subscribe(t testing.TB, b queue.Bus, ch string, fn func([]byte)) func() {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	u, err := b.Subscribe(ctx, ch, fn)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", ch, err)
	}
	return u
}

// Publish publishes msg on ch, or fails the test.
func Publish(t testing.TB, b queue.Bus, ch string, msg []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	if err := b.Publish(ctx, ch, msg); err != nil {
		t.Fatalf("Publish(%q): %v", ch, err)
	}
}

// WaitFor polls cond until it holds, failing the test after limit; it
// returns how long it took.
func WaitFor(t testing.TB, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// Uniq returns prefix and random hex: a name unique to this run.
func Uniq(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// LogBuf is a concurrency-safe log sink.
type LogBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (l *LogBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns what was logged.
func (l *LogBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Logger returns a text logger writing to l at debug level.
func (l *LogBuf) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// StartServer returns a server on a queue manager over bus (logging to
// logs when not nil), shut down when the test ends.
func StartServer(t testing.TB, bus queue.Bus, opts queue.Options, logs *LogBuf) *core.Server {
	t.Helper()
	o := core.Options{ClientManager: queue.NewManager(bus, opts), AckTimeout: Wait}
	if logs != nil {
		o.Logger = logs.Logger()
	}
	srv := core.NewServer(o)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}
