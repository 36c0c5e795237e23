package busutil

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultQueueSize is the default bound of a subscription's queue.
const DefaultQueueSize = 4096

// Fanout delivers the messages (of type T) a Bus receives to its local
// subscriptions by channel name. Each subscription runs on a lane: its
// own, or the lane of its delivery group (queue.WithDeliveryGroup), shared
// by the group's subscriptions, which are then called one at a time in
// the order their messages arrived. A lane has one goroutine and a queue
// of at most size messages: a message that arrives while a lane's queue is
// full is dropped for that subscription (and logged), so a slow callback
// never blocks the broker connection nor the other lanes.
type Fanout[T any] struct {
	size int
	log  *RateLog
	wg   sync.WaitGroup

	dropped atomic.Uint64

	mu     sync.RWMutex
	subs   map[string]map[*sub[T]]struct{}
	lanes  map[any]*lane[T] // the lanes of delivery groups
	closed bool
}

type sub[T any] struct {
	fn      func(T)
	lane    *lane[T]
	stopped atomic.Bool
}

type item[T any] struct {
	s   *sub[T]
	msg T
}

type lane[T any] struct {
	key  any // the delivery group; nil for a lone subscription
	ch   chan item[T]
	quit chan struct{}
	refs int // subscriptions on the lane (guarded by Fanout.mu)
}

// NewFanout returns a Fanout whose lanes queue at most size messages
// (DefaultQueueSize when size ≤ 0), logging drops to log.
func NewFanout[T any](size int, log *slog.Logger) *Fanout[T] {
	if size <= 0 {
		size = DefaultQueueSize
	}
	return &Fanout[T]{size: size, log: NewRateLog(log, time.Second),
		subs: make(map[string]map[*sub[T]]struct{}), lanes: make(map[any]*lane[T])}
}

// Add subscribes fn to channel on a lane of its own. It reports first when
// this is the channel's first subscription, and false when the Fanout is
// closed. The returned function removes the subscription; it may be
// called from fn and does not wait for a running call.
func (f *Fanout[T]) Add(channel string, fn func(T)) (unsubscribe func(), first, ok bool) {
	return f.AddGroup(channel, nil, fn)
}

// AddGroup is Add on the lane of the delivery group (nil: a lane of its
// own), the value of queue.DeliveryGroup of the Subscribe context.
func (f *Fanout[T]) AddGroup(channel string, group any, fn func(T)) (unsubscribe func(), first, ok bool) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, false, false
	}
	l := f.lanes[group]
	if group == nil || l == nil {
		l = &lane[T]{key: group, ch: make(chan item[T], f.size), quit: make(chan struct{})}
		if group != nil {
			f.lanes[group] = l
		}
		f.wg.Add(1)
		go f.run(l)
	}
	l.refs++
	s := &sub[T]{fn: fn, lane: l}
	set := f.subs[channel]
	if set == nil {
		set = make(map[*sub[T]]struct{})
		f.subs[channel] = set
		first = true
	}
	set[s] = struct{}{}
	f.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { f.remove(channel, s) }) }, first, true
}

// run calls the callbacks of the lane's messages until the lane stops.
func (f *Fanout[T]) run(l *lane[T]) {
	defer f.wg.Done()
	for {
		select {
		case <-l.quit:
			return
		case it := <-l.ch:
			select {
			case <-l.quit:
				return
			default:
			}
			if !it.s.stopped.Load() {
				it.s.fn(it.msg)
			}
		}
	}
}

func (f *Fanout[T]) remove(channel string, s *sub[T]) {
	s.stopped.Store(true)
	f.mu.Lock()
	defer f.mu.Unlock()
	if set := f.subs[channel]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(f.subs, channel)
		}
	}
	if f.closed {
		return
	}
	l := s.lane
	if l.refs--; l.refs == 0 {
		if l.key != nil {
			delete(f.lanes, l.key)
		}
		close(l.quit)
	}
}

// Has reports whether channel has a subscription.
func (f *Fanout[T]) Has(channel string) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.subs[channel]) > 0
}

// Deliver queues msg for every subscription of channel; it never blocks.
// The subscriptions share msg.
func (f *Fanout[T]) Deliver(channel string, msg T) {
	f.mu.RLock()
	dropped := 0
	for s := range f.subs[channel] {
		select {
		case s.lane.ch <- item[T]{s: s, msg: msg}:
		default:
			dropped++
		}
	}
	f.mu.RUnlock()
	if dropped > 0 {
		total := f.dropped.Add(uint64(dropped))
		f.log.Warn("sio/queue: subscription queue full, message dropped",
			"channel", channel, "subscriptions", dropped, "dropped_total", total)
	}
}

// Dropped returns the number of messages dropped for full subscription
// queues.
func (f *Fanout[T]) Dropped() uint64 { return f.dropped.Load() }

// Close ends every subscription and waits for the lanes' goroutines: no
// callback runs after it returns (it must not be called from one).
func (f *Fanout[T]) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		f.wg.Wait()
		return
	}
	f.closed = true
	stopped := make(map[*lane[T]]bool)
	for _, set := range f.subs {
		for s := range set {
			s.stopped.Store(true)
			if !stopped[s.lane] {
				stopped[s.lane] = true
				close(s.lane.quit)
			}
		}
	}
	f.subs = nil
	f.mu.Unlock()
	f.wg.Wait()
}
