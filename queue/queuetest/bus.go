package queuetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
)

// Wait bounds every wait of the suites.
const Wait = siotest.Wait

// LargeMessage is the size of the large message RunBus publishes: what a
// FETCH_SOCKETS_RESPONSE of a few hundred sockets weighs, and within the
// default payload limits of the usual brokers (NATS allows 1 MiB).
const LargeMessage = 256 << 10

// RunBus runs the Bus contract (queue.Bus's documentation) against the
// buses newBus returns: one new bus for each subtest, which RunBus closes
// (newBus must not close it). The optional interfaces (SubscriberCounter,
// LogBus, ...) are not checked here: RunCluster exercises them.
// Channel names are unique to each subtest and contain the characters the
// manager's names contain ('#', '/').
func RunBus(t *testing.T, newBus func(t *testing.T) queue.Bus) {
	t.Run("SelfDelivery", func(t *testing.T) { testSelfDelivery(t, newBus) })
	t.Run("Channels", func(t *testing.T) { testChannels(t, newBus) })
	t.Run("Order", func(t *testing.T) { testOrder(t, newBus) })
	t.Run("ConcurrentPublishers", func(t *testing.T) { testConcurrentPublishers(t, newBus) })
	t.Run("OneCallAtATime", func(t *testing.T) { testOneCallAtATime(t, newBus) })
	t.Run("BlockedSubscriber", func(t *testing.T) { testBlockedSubscriber(t, newBus) })
	t.Run("Unsubscribe", func(t *testing.T) { testUnsubscribe(t, newBus) })
	t.Run("LargeAndBinary", func(t *testing.T) { testLargeAndBinary(t, newBus) })
	t.Run("Close", func(t *testing.T) { testClose(t, newBus) })
}

// openBus returns a bus from newBus, closed when the test ends.
func openBus(t *testing.T, newBus func(t *testing.T) queue.Bus) queue.Bus {
	t.Helper()
	b := newBus(t)
	if b == nil {
		t.Fatal("newBus returned nil")
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

// channel returns a channel name unique to this run.
func channel(name string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "queuetest-" + hex.EncodeToString(b[:]) + "#/" + name + "#"
}

// inbox collects the messages of one subscription.
type inbox struct {
	mu     sync.Mutex
	msgs   [][]byte
	notify chan struct{}
}

func newInbox() *inbox { return &inbox{notify: make(chan struct{}, 1)} }

func (in *inbox) add(msg []byte) {
	in.mu.Lock()
	in.msgs = append(in.msgs, bytes.Clone(msg))
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

// waitN waits until the inbox holds n messages and returns them.
func (in *inbox) waitN(t *testing.T, what string, n int) [][]byte {
	t.Helper()
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	for {
		if msgs := in.all(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-in.notify:
		case <-timer.C:
			t.Fatalf("%s: %d messages after %v, want %d", what, len(in.all()), Wait, n)
		}
	}
}

func subscribe(t *testing.T, b queue.Bus, ch string, fn func([]byte)) func() {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	unsub, err := b.Subscribe(ctx, ch, fn)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", ch, err)
	}
	return unsub
}

func publish(t *testing.T, b queue.Bus, ch string, msg []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	if err := b.Publish(ctx, ch, msg); err != nil {
		t.Fatalf("Publish(%q): %v", ch, err)
	}
}

// testSelfDelivery: a message published after Subscribe returns reaches
// the publisher's own subscription, once.
func testSelfDelivery(t *testing.T, newBus func(t *testing.T) queue.Bus) {
	b := openBus(t, newBus)
	ch := channel("self")
	in := newInbox()
	subscribe(t, b, ch, in.add)
	publish(t, b, ch, []byte("hello"))
	publish(t, b, ch, []byte("sentinel"))
	msgs := in.waitN(t, "self delivery", 2)
	if len(msgs) != 2 || string(msgs[0]) != "hello" || string(msgs[1]) != "sentinel" {
		t.Errorf("received %q, want [hello sentinel]", msgs)
	}
}

// testChannels: every subscription of a channel gets each of its
// messages, and only those.
func testChannels(t *testing.T, newBus func(t *testing.T) queue.Bus) {
	b := openBus(t, newBus)
	chA, chB := channel("a"), channel("b")
	a1, a2, bb := newInbox(), newInbox(), newInbox()
	subscribe(t, b, chA, a1.add)
	subscribe(t, b, chA, a2.add)
	subscribe(t, b, chB, bb.add)
	publish(t, b, channel("nobody"), []byte("lost")) // no subscriber: not an error
	publish(t, b, chA, []byte("to a"))
	publish(t, b, chB, []byte("to b"))
	publish(t, b, chA, []byte("a again"))
	for name, in := range map[string]*inbox{"first of a": a1, "second of a": a2} {
		if msgs := in.waitN(t, name, 2); len(msgs) != 2 || string(msgs[0]) != "to a" || string(msgs[1]) != "a again" {
			t.Errorf("%s received %q", name, msgs)
		}
	}
	if msgs := bb.waitN(t, "b", 1); len(msgs) != 1 || string(msgs[0]) != "to b" {
		t.Errorf("b received %q", msgs)
	}
}

// testOrder: the messages of one publisher arrive in publishing order.
func testOrder(t *testing.T, newBus func(t *testing.T) queue.Bus) {
	b := openBus(t, newBus)
	ch := channel("order")
	in := newInbox()
	subscribe(t, b, ch, in.add)
	const n = 500
	for i := range n {
		publish(t, b, ch, fmt.Appendf(nil, "%d", i))
	}
	for i, m := range in.waitN(t, "ordered messages", n) {
		if string(m) != fmt.Sprint(i) {
			t.Fatalf("message %d is %q", i, m)
		}
	}
}

// testConcurrentPublishers: publishers on several goroutines; every
// message arrives, each publisher's in order.
func testConcurrentPublishers(t *testing.T, newBus func(t *testing.T) queue.Bus) {
	b := openBus(t, newBus)
	ch := channel("concurrent")
	in := newInbox()
	subscribe(t, b, ch, in.add)
	const publishers, each = 4, 100
	var wg sync.WaitGroup
	errs := make(chan error, publishers*each)
	for p := range publishers {
		wg.Go(func() {
			for i := range each {
				ctx, cancel := context.WithTimeout(context.Background(), Wait)
				if err := b.Publish(ctx, ch, fmt.Appendf(nil, "%d:%d", p, i)); err != nil {
					errs <- err
				}
				cancel()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Publish: %v", err)
	}
	next := make([]int, publishers)
	for _, m := range in.waitN(t, "concurrent messages", publishers*each) {
		var p, i int
		if _, err := fmt.Sscanf(string(m), "%d:%d", &p, &i); err != nil || p < 0 || p >= publishers {
			t.Fatalf("unexpected message %q", m)
		}
		if i != next[p] {
			t.Fatalf("publisher %d: message %d after %d", p, i, next[p]-1)
		}
		next[p]++
	}
}

// testOneCallAtATime: the callback of a subscription is never run
// concurrently with itself.
func testOneCallAtATime(t *testing.T, newBus func(t *testing.T) queue.Bus) {
	b := openBus(t, newBus)
	ch := channel("serial")
	var running, overlaps atomic.Int32
	in := newInbox()
	subscribe(t, b, ch, func(msg []byte) {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		time.Sleep(100 * time.Microsecond) // widen the window an overlap would need
		running.Add(-1)
		in.add(msg)
	})
	const n = 200
	var wg sync.WaitGroup
	for p := range 2 {
		wg.Go(func() {
			for i := range n / 2 {
				_ = b.Publish(context.Background(), ch, fmt.Appendf(nil, "%d:%d", p, i))
			}
		})
	}
	wg.Wait()
	in.waitN(t, "messages", n)
	if o := overlaps.Load(); o > 0 {
		t.Errorf("the callback ran concurrently with itself %d times", o)
	}
}

// testBlockedSubscriber: a callback that does not return does not block
// Publish (delivery is asynchronous), nor the other subscriptions.
func testBlockedSubscriber(t *testing.T, newBus func(t *testing.T) queue.Bus) {
	b := openBus(t, newBus)
	ch := channel("blocked")
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	subscribe(t, b, ch, func([]byte) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
	})
	t.Cleanup(func() { close(release) }) // before the bus closes
	other := newInbox()
	subscribe(t, b, ch, other.add)
	done := make(chan error, 1)
	go func() {
		for i := range 10 {
			ctx, cancel := context.WithTimeout(context.Background(), Wait)
			err := b.Publish(ctx, ch, fmt.Appendf(nil, "%d", i))
			cancel()
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Publish while a subscriber blocks: %v", err)
		}
	case <-time.After(Wait):
		t.Fatal("Publish blocked by a subscriber that does not return")
	}
	select {
	case <-entered:
	case <-time.After(Wait):
		t.Fatal("the blocking subscriber was never called")
	}
	other.waitN(t, "the other subscription", 10)
}

// testUnsubscribe: after unsubscribe no more messages are delivered to
// that subscription (the others keep theirs); unsubscribing from the
// callback does not deadlock.
func testUnsubscribe(t *testing.T, newBus func(t *testing.T) queue.Bus) {
	b := openBus(t, newBus)
	ch := channel("unsub")
	gone, kept := newInbox(), newInbox()
	unsub := subscribe(t, b, ch, gone.add)
	subscribe(t, b, ch, kept.add)
	publish(t, b, ch, []byte("1"))
	gone.waitN(t, "before unsubscribing", 1)
	unsub()
	publish(t, b, ch, []byte("2"))
	publish(t, b, ch, []byte("3"))
	kept.waitN(t, "the other subscription", 3)

	// A subscription that unsubscribes itself from its callback.
	self := newInbox()
	var mu sync.Mutex
	var selfUnsub func()
	mu.Lock()
	selfUnsub = subscribe(t, b, ch, func(msg []byte) {
		self.add(msg)
		mu.Lock()
		u := selfUnsub
		mu.Unlock()
		u()
	})
	mu.Unlock()
	publish(t, b, ch, []byte("4"))
	publish(t, b, ch, []byte("5"))
	kept.waitN(t, "after the self-unsubscribe", 5)
	self.waitN(t, "the self-unsubscribing callback", 1)

	// The sentinel has reached kept: give the unsubscribed ones the same
	// chance to misbehave with one more round trip.
	publish(t, b, ch, []byte("6"))
	kept.waitN(t, "one more message", 6)
	if msgs := gone.all(); len(msgs) != 1 {
		t.Errorf("unsubscribed subscription received %q", msgs)
	}
	if msgs := self.all(); len(msgs) != 1 {
		t.Errorf("self-unsubscribed subscription received %q", msgs)
	}
}

// testLargeAndBinary: a large message and every byte value arrive intact.
func testLargeAndBinary(t *testing.T, newBus func(t *testing.T) queue.Bus) {
	b := openBus(t, newBus)
	ch := channel("large")
	in := newInbox()
	subscribe(t, b, ch, in.add)
	large := make([]byte, LargeMessage)
	_, _ = rand.Read(large)
	all := make([]byte, 0, 512)
	for i := range 512 {
		all = append(all, byte(i))
	}
	notUTF8 := []byte{'{', 0xff, 0xfe, 0x00, '}'}
	publish(t, b, ch, large)
	publish(t, b, ch, all)
	publish(t, b, ch, notUTF8)
	msgs := in.waitN(t, "large and binary messages", 3)
	if !bytes.Equal(msgs[0], large) {
		t.Errorf("large message: %d bytes received, %d sent, equal %v", len(msgs[0]), len(large), bytes.Equal(msgs[0], large))
	}
	if !bytes.Equal(msgs[1], all) {
		t.Errorf("every byte value: received %x", msgs[1])
	}
	if !bytes.Equal(msgs[2], notUTF8) {
		t.Errorf("invalid UTF-8: received %x", msgs[2])
	}
}

// testClose: Close ends every subscription; then Publish and Subscribe
// fail, and no callback runs after Close returns.
func testClose(t *testing.T, newBus func(t *testing.T) queue.Bus) {
	b := newBus(t)
	ch := channel("close")
	var afterClose atomic.Bool
	var late atomic.Int32
	in := newInbox()
	subscribe(t, b, ch, func(msg []byte) {
		if afterClose.Load() {
			late.Add(1)
		}
		in.add(msg)
	})
	publish(t, b, ch, []byte("before"))
	in.waitN(t, "before Close", 1)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	afterClose.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	if err := b.Publish(ctx, ch, []byte("after")); err == nil {
		t.Error("Publish after Close succeeded")
	}
	if unsub, err := b.Subscribe(ctx, ch, func([]byte) {}); err == nil {
		unsub()
		t.Error("Subscribe after Close succeeded")
	}
	if n := late.Load(); n > 0 {
		t.Errorf("%d callbacks after Close returned", n)
	}
}
