package kafkaq_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/goleak"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/kafkaq"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait of these tests.
const wait = 10 * time.Second

// newKafka starts an in-process Kafka cluster (kfake), closed when the
// test ends, and returns it with its URL.
func newKafka(t testing.TB, opts ...kfake.Opt) (*kfake.Cluster, string) {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(3)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, "kafka://" + strings.Join(c.ListenAddrs(), ",")
}

// newBus returns a bus to url, closed when the test ends.
func newBus(t testing.TB, url string, opts kafkaq.Options) *kafkaq.Bus {
	t.Helper()
	b, err := kafkaq.New(url, opts)
	if err != nil {
		t.Fatalf("kafkaq.New: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

// uniq returns a name unique to this run.
func uniq(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// logBuf is a concurrency-safe log sink.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// inbox collects the messages of one subscription.
type inbox struct {
	mu     sync.Mutex
	msgs   [][]byte
	notify chan struct{}
}

func newInbox() *inbox { return &inbox{notify: make(chan struct{}, 1)} }

func (in *inbox) add(m []byte) {
	in.mu.Lock()
	in.msgs = append(in.msgs, bytes.Clone(m))
	in.mu.Unlock()
	select {
	case in.notify <- struct{}{}:
	default:
	}
}

func (in *inbox) all() [][]byte {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([][]byte(nil), in.msgs...)
}

func (in *inbox) waitN(t testing.TB, what string, n int) [][]byte {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		if m := in.all(); len(m) >= n {
			return m
		}
		select {
		case <-in.notify:
		case <-timer.C:
			t.Fatalf("%s: %d messages after %v, want %d", what, len(in.all()), wait, n)
		}
	}
}

func subscribe(t testing.TB, b queue.Bus, ch string, fn func([]byte)) func() {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	u, err := b.Subscribe(ctx, ch, fn)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", ch, err)
	}
	return u
}

func publish(t testing.TB, b queue.Bus, ch string, msg []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := b.Publish(ctx, ch, msg); err != nil {
		t.Fatalf("Publish(%q): %v", ch, err)
	}
}

func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) time.Duration {
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

// startServer returns a server on a queue manager over bus, shut down when
// the test ends.
func startServer(t *testing.T, bus queue.Bus, opts queue.Options, logs *logBuf) *core.Server {
	t.Helper()
	o := core.Options{ClientManager: queue.NewManager(bus, opts), AckTimeout: wait}
	if logs != nil {
		o.Logger = logs.logger()
	}
	srv := core.NewServer(o)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}
