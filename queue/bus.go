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
// subscription (each delivery group, see WithDeliveryGroup) has its own
// goroutine and a bounded queue; a message published while a subscriber's
// queue is full is dropped for that subscriber.
type MemoryBus struct {
	size    int
	wg      sync.WaitGroup // lane goroutines
	dropped atomic.Uint64

	mu     sync.Mutex // guards subs, lanes and closed
	subs   map[string]map[*memSub]struct{}
	lanes  map[any]*memLane // the lanes of delivery groups
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
	b := &MemoryBus{size: DefaultQueueSize, subs: make(map[string]map[*memSub]struct{}), lanes: make(map[any]*memLane)}
	for _, o := range opts {
		o(b)
	}
	return b
}

// memLane is the queue and goroutine of a subscription, or of a delivery
// group's subscriptions.
type memLane struct {
	key  any // the group; nil for a lone subscription
	ch   chan laneMsg
	quit chan struct{}
	refs int // subscriptions; guarded by the bus's mu
}

type laneMsg struct {
	s   *memSub
	msg []byte
}

// memSub is one subscription of a MemoryBus.
type memSub struct {
	lane    *memLane
	fn      func([]byte)
	stopped atomic.Bool
}

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
		case s.lane.ch <- laneMsg{s, msg}:
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

// Subscribe implements Bus. Subscribers share the published slice; the
// subscriptions of one delivery group (WithDeliveryGroup) share one queue.
func (b *MemoryBus) Subscribe(ctx context.Context, channel string, fn func(msg []byte)) (func(), error) {
	key := DeliveryGroup(ctx)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	lane := b.lanes[key]
	if key == nil || lane == nil {
		lane = &memLane{key: key, ch: make(chan laneMsg, b.size), quit: make(chan struct{})}
		if key != nil {
			b.lanes[key] = lane
		}
		b.wg.Add(1)
		go b.run(lane)
	}
	lane.refs++
	s := &memSub{lane: lane, fn: fn}
	set := b.subs[channel]
	if set == nil {
		set = make(map[*memSub]struct{})
		b.subs[channel] = set
	}
	set[s] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	unsubscribe := func() {
		once.Do(func() {
			s.stopped.Store(true)
			b.mu.Lock()
			defer b.mu.Unlock()
			if set := b.subs[channel]; set != nil {
				delete(set, s)
				if len(set) == 0 {
					delete(b.subs, channel)
				}
			}
			if lane.refs--; lane.refs == 0 && !b.closed {
				if lane.key != nil {
					delete(b.lanes, lane.key)
				}
				close(lane.quit)
			}
		})
	}
	return unsubscribe, nil
}

// run delivers the messages of lane until it is closed.
func (b *MemoryBus) run(lane *memLane) {
	defer b.wg.Done()
	for {
		select {
		case <-lane.quit:
			return
		case m := <-lane.ch:
			select {
			case <-lane.quit:
				return
			default:
			}
			if !m.s.stopped.Load() {
				m.s.fn(m.msg)
			}
		}
	}
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
	lanes := make(map[*memLane]struct{})
	for _, set := range b.subs {
		for s := range set {
			s.stopped.Store(true)
			lanes[s.lane] = struct{}{}
		}
	}
	b.subs, b.lanes = nil, nil
	for lane := range lanes {
		close(lane.quit)
	}
	b.mu.Unlock()
	b.wg.Wait()
	return nil
}

var _ Bus = (*MemoryBus)(nil)
