package queuetest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/queuetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The suites pass on MemoryBus (as queue's tests also check, in both
// encodings).
func TestMemoryBus(t *testing.T) {
	queuetest.RunBus(t, func(*testing.T) queue.Bus { return queue.NewMemoryBus() })
}

func TestMemoryCluster(t *testing.T) {
	queuetest.RunCluster(t, memoryCluster(nil))
}

// RunRecovery passes on MemoryLogBus (sessions and log shared by the
// servers) and fails on MemoryBus (sessions kept by the server a client
// left).
func TestMemoryLogRecovery(t *testing.T) {
	queuetest.RunRecovery(t, func(t *testing.T) func() core.ClientManager {
		bus := queue.NewMemoryLogBus(0)
		t.Cleanup(func() { _ = bus.Close() })
		return func() core.ClientManager { return queue.NewManager(bus, queue.Options{}) }
	})
}

func memoryCluster(wrap func(queue.Bus) queue.Bus) func(t *testing.T) func() core.ClientManager {
	opts := queue.Options{}
	if wrap != nil {
		opts.RequestTimeout = time.Second // a broken cluster fails sooner
	}
	return func(t *testing.T) func() core.ClientManager {
		mem := queue.NewMemoryBus()
		t.Cleanup(func() { _ = mem.Close() })
		var bus queue.Bus = mem
		if wrap != nil {
			bus = wrap(mem)
		}
		return func() core.ClientManager { return queue.NewManager(bus, opts) }
	}
}

// Buses that break one rule each.
type (
	// noSelf does not deliver to the publisher's own subscriptions.
	noSelf struct{ queue.Bus }
	// reorder swaps each pair of messages.
	reorder struct {
		queue.Bus
		mu   sync.Mutex
		held map[string][]byte
	}
	// openAfterClose keeps accepting messages after Close.
	openAfterClose struct {
		queue.Bus
		closed atomic.Bool
	}
	// noReplies drops the messages of the reply channels ("...#<uid>#").
	noReplies struct{ queue.Bus }
)

func (noSelf) Publish(context.Context, string, []byte) error { return nil }

func (r *reorder) Publish(ctx context.Context, ch string, msg []byte) error {
	r.mu.Lock()
	prev, ok := r.held[ch]
	if !ok {
		r.held[ch] = msg
		r.mu.Unlock()
		return nil
	}
	delete(r.held, ch)
	r.mu.Unlock()
	if err := r.Bus.Publish(ctx, ch, msg); err != nil {
		return err
	}
	return r.Bus.Publish(ctx, ch, prev)
}

func (b *openAfterClose) Publish(ctx context.Context, ch string, msg []byte) error {
	if b.closed.Load() {
		return nil
	}
	return b.Bus.Publish(ctx, ch, msg)
}

func (b *openAfterClose) Close() error {
	b.closed.Store(true)
	return b.Bus.Close()
}

func (b noReplies) Publish(ctx context.Context, ch string, msg []byte) error {
	if strings.Count(ch, "#") > 2 {
		return nil
	}
	return b.Bus.Publish(ctx, ch, msg)
}

// brokenBuses are run by TestBroken in a child process: each must fail
// the kit.
var brokenBuses = map[string]func(t *testing.T){
	"noSelf": func(t *testing.T) {
		queuetest.RunBus(t, func(*testing.T) queue.Bus { return noSelf{queue.NewMemoryBus()} })
	},
	"reorder": func(t *testing.T) {
		queuetest.RunBus(t, func(*testing.T) queue.Bus {
			return &reorder{Bus: queue.NewMemoryBus(), held: map[string][]byte{}}
		})
	},
	"openAfterClose": func(t *testing.T) {
		queuetest.RunBus(t, func(*testing.T) queue.Bus { return &openAfterClose{Bus: queue.NewMemoryBus()} })
	},
	"noReplies": func(t *testing.T) {
		queuetest.RunCluster(t, memoryCluster(func(b queue.Bus) queue.Bus { return noReplies{b} }))
	},
	// Sessions and missed packets stay on the server a client left.
	"localSessions": func(t *testing.T) { queuetest.RunRecovery(t, memoryCluster(nil)) },
}

// TestBrokenChild runs one broken bus when the environment names it.
func TestBrokenChild(t *testing.T) {
	name := os.Getenv("QUEUETEST_BROKEN")
	if name == "" {
		t.Skip("run by TestBroken")
	}
	brokenBuses[name](t)
}

// TestBroken checks that the kit fails a bus (or cluster) that breaks the
// contract, in the subtest that checks the broken rule.
func TestBroken(t *testing.T) {
	for name, subtest := range map[string]string{
		"noSelf":         "TestBrokenChild/SelfDelivery",
		"reorder":        "TestBrokenChild/Order",
		"openAfterClose": "TestBrokenChild/Close",
		"noReplies":      "TestBrokenChild/FetchSockets",
		"localSessions":  "TestBrokenChild",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Only the subtest that must fail: the others would wait for
			// what never comes.
			cmd := exec.Command(os.Args[0], "-test.run=^"+strings.ReplaceAll(subtest, "/", "$/^")+"$", "-test.count=1")
			cmd.Env = append(os.Environ(), "QUEUETEST_BROKEN="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the kit passed a broken bus:\n%s", out)
			}
			if !strings.Contains(string(out), "--- FAIL: "+subtest+" ") {
				t.Errorf("%s did not fail:\n%s", subtest, out)
			}
		})
	}
}
