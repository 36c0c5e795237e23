package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Bus is a publish/subscribe transport: what a message broker has to
// provide for NewManager. Channel names are opaque strings (see the
// package documentation for the ones the manager uses); an implementation
// may map them to its own naming (subjects, topics, routing keys).
//
// Implementations must be safe for concurrent use.
type Bus interface {
	// Publish sends msg to every current subscriber of channel, the
	// publisher's own subscriptions included. It may return before the
	// message is delivered. The caller does not modify msg afterwards, so
	// the bus may keep it without copying.
	Publish(ctx context.Context, channel string, msg []byte) error
	// Subscribe calls fn with each message published on channel after
	// Subscribe returns, one call at a time and in publishing order for
	// each publisher. fn may keep msg but does not modify it (a bus may
	// hand one slice to every subscriber). Delivery is asynchronous: fn
	// is not called on the publisher's goroutine. unsubscribe stops the delivery;
	// it may be called from fn and does not wait for a running call.
	Subscribe(ctx context.Context, channel string, fn func(msg []byte)) (unsubscribe func(), err error)
	// Close ends every subscription and releases the bus's resources; once
	// it returns no callback runs, and Publish and Subscribe fail.
	Close() error
}

// ErrClosed is returned by the operations of a closed Bus, and by a
// FetchSockets cut short by the adapter's Close.
var ErrClosed = errors.New("sio/queue: closed")

// ErrQueueFull is returned by MemoryBus.Publish when a subscriber's queue
// was full: the message was dropped for that subscriber (like a broker that
// drops messages for slow consumers).
var ErrQueueFull = errors.New("sio/queue: subscriber queue full, message dropped")

// DefaultQueueSize is the default bound of a MemoryBus subscriber's queue.
const DefaultQueueSize = 4096

// MemoryBus is an in-process Bus: it connects several servers of one
// process (tests, examples, one process with several listeners). Each
// subscription has its own goroutine and a bounded queue; a message
// published while a subscriber's queue is full is dropped for that
// subscriber.
type MemoryBus struct {
	size    int
	wg      sync.WaitGroup // subscriber goroutines
	dropped atomic.Uint64

	mu     sync.Mutex // guards subs and closed
	subs   map[string]map[*memSub]struct{}
	closed bool
}

// MemoryBusOption configures a MemoryBus.
type MemoryBusOption func(*MemoryBus)

// WithQueueSize bounds each subscriber's queue to n messages (default
// DefaultQueueSize).
func WithQueueSize(n int) MemoryBusOption {
	return func(b *MemoryBus) {
		if n > 0 {
			b.size = n
		}
	}
}

// NewMemoryBus returns an empty in-process bus.
func NewMemoryBus(opts ...MemoryBusOption) *MemoryBus {
	b := &MemoryBus{size: DefaultQueueSize, subs: make(map[string]map[*memSub]struct{})}
	for _, o := range opts {
		o(b)
	}
	return b
}

// memSub is one subscription of a MemoryBus.
type memSub struct {
	ch   chan []byte
	quit chan struct{}
	once sync.Once
}

func (s *memSub) stop() { s.once.Do(func() { close(s.quit) }) }

// Publish implements Bus. It never blocks: a subscriber whose queue is full
// misses the message, and Publish then returns an error wrapping
// ErrQueueFull (the other subscribers got it).
func (b *MemoryBus) Publish(_ context.Context, channel string, msg []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	dropped := 0
	for s := range b.subs[channel] {
		select {
		case s.ch <- msg:
		default:
			dropped++
		}
	}
	if dropped > 0 {
		b.dropped.Add(uint64(dropped))
		return fmt.Errorf("%w (channel %q, %d subscribers)", ErrQueueFull, channel, dropped)
	}
	return nil
}

// Subscribe implements Bus. Subscribers share the published slice.
func (b *MemoryBus) Subscribe(_ context.Context, channel string, fn func(msg []byte)) (func(), error) {
	s := &memSub{ch: make(chan []byte, b.size), quit: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	set := b.subs[channel]
	if set == nil {
		set = make(map[*memSub]struct{})
		b.subs[channel] = set
	}
	set[s] = struct{}{}
	b.wg.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.wg.Done()
		for {
			select {
			case <-s.quit:
				return
			case msg := <-s.ch:
				select {
				case <-s.quit:
					return
				default:
				}
				fn(msg)
			}
		}
	}()
	unsubscribe := func() {
		b.mu.Lock()
		if set := b.subs[channel]; set != nil {
			delete(set, s)
			if len(set) == 0 {
				delete(b.subs, channel)
			}
		}
		b.mu.Unlock()
		s.stop()
	}
	return unsubscribe, nil
}

// Dropped returns the number of messages dropped because a subscriber's
// queue was full.
func (b *MemoryBus) Dropped() uint64 { return b.dropped.Load() }

// Close implements Bus: it ends every subscription and waits for the
// subscriber goroutines to return, so it must not be called from a
// subscriber's callback.
func (b *MemoryBus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	subs := b.subs
	b.subs = nil
	b.mu.Unlock()
	for _, set := range subs {
		for s := range set {
			s.stop()
		}
	}
	b.wg.Wait()
	return nil
}

var _ Bus = (*MemoryBus)(nil)
