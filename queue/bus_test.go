package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/socketio-go/sio/queue"
)

// TestMemoryBusOrder checks that each subscriber of a channel gets every
// message of that channel only, in order for each publisher, off the
// publishers' goroutines.
func TestMemoryBusOrder(t *testing.T) {
	bus := queue.NewMemoryBus()
	defer bus.Close()
	const publishers, per = 4, 300
	type sub struct {
		mu   sync.Mutex
		got  map[int][]int
		done chan struct{}
		n    int
	}
	newSub := func(channel string) *sub {
		s := &sub{got: map[int][]int{}, done: make(chan struct{})}
		_, err := bus.Subscribe(context.Background(), channel, func(msg []byte) {
			var p, i int
			if _, err := fmt.Sscanf(string(msg), "%d/%d", &p, &i); err != nil {
				t.Errorf("message %q", msg)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			s.got[p] = append(s.got[p], i)
			if s.n++; s.n == publishers*per {
				close(s.done)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b, other := newSub("c"), newSub("c"), newSub("d")
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range per {
				if err := bus.Publish(context.Background(), "c", fmt.Appendf(nil, "%d/%d", p, i)); err != nil {
					t.Errorf("publish: %v", err)
				}
			}
		})
	}
	wg.Wait()
	for _, s := range []*sub{a, b} {
		<-s.done
		s.mu.Lock()
		for p := range publishers {
			for i, v := range s.got[p] {
				if v != i {
					t.Fatalf("publisher %d: message %d arrived at position %d", p, v, i)
				}
			}
		}
		s.mu.Unlock()
	}
	other.mu.Lock()
	if other.n != 0 {
		t.Errorf("channel d got %d messages", other.n)
	}
	other.mu.Unlock()
	if bus.Dropped() != 0 {
		t.Errorf("dropped %d", bus.Dropped())
	}
}

// TestMemoryBusUnsubscribe checks that unsubscribe, also from the
// callback, stops the delivery to that subscriber only.
func TestMemoryBusUnsubscribe(t *testing.T) {
	bus := queue.NewMemoryBus()
	defer bus.Close()
	ctx := context.Background()
	first := make(chan string, 10)
	var unsub func()
	var err error
	unsub, err = bus.Subscribe(ctx, "c", func(msg []byte) {
		first <- string(msg)
		unsub()
	})
	if err != nil {
		t.Fatal(err)
	}
	second := make(chan string, 10)
	if _, err := bus.Subscribe(ctx, "c", func(msg []byte) { second <- string(msg) }); err != nil {
		t.Fatal(err)
	}
	_ = bus.Publish(ctx, "c", []byte("1"))
	if got := <-first; got != "1" {
		t.Errorf("first got %q", got)
	}
	_ = bus.Publish(ctx, "c", []byte("2"))
	if <-second != "1" || <-second != "2" {
		t.Errorf("second subscriber")
	}
	if len(first) != 0 {
		t.Errorf("delivered after unsubscribe: %q", <-first)
	}
}

// TestMemoryBusQueueFull checks that a slow subscriber's overflow is
// dropped and reported, without blocking the publisher or the others.
func TestMemoryBusQueueFull(t *testing.T) {
	bus := queue.NewMemoryBus(queue.WithQueueSize(2))
	defer bus.Close()
	ctx := context.Background()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	got := make(chan string, 10)
	if _, err := bus.Subscribe(ctx, "c", func(msg []byte) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		got <- string(msg)
	}); err != nil {
		t.Fatal(err)
	}
	// The first message is taken by the callback (blocked), the next two
	// fill the queue, the rest are dropped.
	var errs int
	for i := range 6 {
		if err := bus.Publish(ctx, "c", []byte{'0' + byte(i)}); errors.Is(err, queue.ErrQueueFull) {
			errs++
		} else if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			<-started
		}
	}
	if errs != 3 || bus.Dropped() != 3 {
		t.Errorf("%d publish errors, %d dropped", errs, bus.Dropped())
	}
	close(release)
	for i := range 3 {
		if m := <-got; m != fmt.Sprint(i) {
			t.Errorf("message %d is %q", i, m)
		}
	}
}

// TestMemoryBusClose checks that Close ends the subscriptions, waits for
// their goroutines and makes the bus unusable.
func TestMemoryBusClose(t *testing.T) {
	bus := queue.NewMemoryBus()
	ctx := context.Background()
	for range 10 {
		if _, err := bus.Subscribe(ctx, "c", func([]byte) {}); err != nil {
			t.Fatal(err)
		}
	}
	_ = bus.Publish(ctx, "c", []byte("x"))
	if err := bus.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bus.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := bus.Publish(ctx, "c", nil); !errors.Is(err, queue.ErrClosed) {
		t.Errorf("Publish after Close: %v", err)
	}
	if _, err := bus.Subscribe(ctx, "c", func([]byte) {}); !errors.Is(err, queue.ErrClosed) {
		t.Errorf("Subscribe after Close: %v", err)
	}
}
