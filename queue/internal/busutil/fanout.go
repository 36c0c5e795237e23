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
// subscriptions by channel name. Each subscription has its own goroutine and a queue of
// at most size messages: a message that arrives while a subscription's
// queue is full is dropped for that subscription (and logged), so a slow
// callback never blocks the broker connection nor the other
// subscriptions.
type Fanout[T any] struct {
	size int
	log  *RateLog
	wg   sync.WaitGroup

	dropped atomic.Uint64

	mu     sync.RWMutex
	subs   map[string]map[*sub[T]]struct{}
	closed bool
}

type sub[T any] struct {
	ch   chan T
	quit chan struct{}
	once sync.Once
}

func (s *sub[T]) stop() { s.once.Do(func() { close(s.quit) }) }

// NewFanout returns a Fanout whose subscriptions queue at most size
// messages (DefaultQueueSize when size ≤ 0), logging drops to log.
func NewFanout[T any](size int, log *slog.Logger) *Fanout[T] {
	if size <= 0 {
		size = DefaultQueueSize
	}
	return &Fanout[T]{size: size, log: NewRateLog(log, time.Second), subs: make(map[string]map[*sub[T]]struct{})}
}

// Add subscribes fn to channel. It reports first when this is the
// channel's first subscription, and false when the Fanout is closed.
// The returned function removes the subscription; it may be called from
// fn and does not wait for a running call.
func (f *Fanout[T]) Add(channel string, fn func(T)) (unsubscribe func(), first, ok bool) {
	s := &sub[T]{ch: make(chan T, f.size), quit: make(chan struct{})}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, false, false
	}
	set := f.subs[channel]
	if set == nil {
		set = make(map[*sub[T]]struct{})
		f.subs[channel] = set
		first = true
	}
	set[s] = struct{}{}
	f.wg.Add(1)
	f.mu.Unlock()
	go func() {
		defer f.wg.Done()
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
	return func() {
		f.mu.Lock()
		if set := f.subs[channel]; set != nil {
			delete(set, s)
			if len(set) == 0 {
				delete(f.subs, channel)
			}
		}
		f.mu.Unlock()
		s.stop()
	}, first, true
}

// Has reports whether channel has a subscription.
func (f *Fanout[T]) Has(channel string) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.subs[channel]) > 0
}

// Channels returns the channels that have subscriptions.
func (f *Fanout[T]) Channels() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]string, 0, len(f.subs))
	for ch := range f.subs {
		out = append(out, ch)
	}
	return out
}

// Deliver queues msg for every subscription of channel; it never blocks.
// The subscriptions share msg.
func (f *Fanout[T]) Deliver(channel string, msg T) {
	f.mu.RLock()
	dropped := 0
	for s := range f.subs[channel] {
		select {
		case s.ch <- msg:
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

// Close ends every subscription and waits for their goroutines: no
// callback runs after it returns (it must not be called from one).
func (f *Fanout[T]) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		f.wg.Wait()
		return
	}
	f.closed = true
	subs := f.subs
	f.subs = nil
	f.mu.Unlock()
	for _, set := range subs {
		for s := range set {
			s.stop()
		}
	}
	f.wg.Wait()
}
