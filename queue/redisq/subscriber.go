package redisq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/queue/internal/busutil"
)

// subKind is how a subscriber listens to a name.
type subKind int

const (
	subChannel subKind = iota // SUBSCRIBE
	subPattern                // PSUBSCRIBE
	subShard                  // SSUBSCRIBE (sharded pub/sub, Redis 7)
)

// confirmation is the kind of the Subscription reply confirming k.
func (k subKind) confirmation() string {
	return [...]string{"subscribe", "psubscribe", "ssubscribe"}[k]
}

// subKey names one subscription.
type subKey struct {
	kind subKind
	name string
}

// handler receives the messages of one subscription: the channel they
// were published on and their payload. An inline handler runs on the
// reader goroutine (it must not block: answers to this server's requests
// are handled there); the others run one at a time, in order, on the
// subscriber's worker goroutine.
type handler struct {
	fn     func(channel string, msg []byte)
	inline bool
}

// workQueue bounds the messages waiting for the worker; when it is full
// the reader waits, and Redis buffers what follows (up to its pub/sub
// output limit, after which it drops the connection, which the
// subscriber then restores).
const workQueue = 4096

// subscriber owns one pub/sub connection of a client: it subscribes to
// the names its handlers were registered for, restores them after the
// connection is lost (go-redis reconnects, the subscriber resubscribes
// and logs both), and detects a connection that went silent without
// closing: after healthCheck without any message it sends a PING, and
// when no answer comes within healthCheck more it drops the connection
// and opens another. It runs while it has subscriptions (a reader, a
// worker and a watchdog goroutine) and stops when the last is removed.
type subscriber struct {
	client      redis.UniversalClient
	log         *slog.Logger
	healthCheck time.Duration
	onReconnect func() // the options' OnReconnect, or nil

	mu      sync.Mutex // guards the fields below
	subs    map[subKey]handler
	waiters map[subKey][]chan struct{} // confirmations awaited by subscribe
	ps      *redis.PubSub
	run     *subRun // nil when stopped
}

// subRun is one period during which a subscriber runs.
type subRun struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	work   chan func()
	last   atomic.Int64 // unix nanoseconds of the last reply read
	down   atomic.Bool  // the connection is lost, not restored yet
}

func (r *subRun) touch() { r.last.Store(time.Now().UnixNano()) }

func newSubscriber(client redis.UniversalClient, log *slog.Logger, healthCheck time.Duration, onReconnect func()) *subscriber {
	return &subscriber{
		client:      client,
		log:         log,
		healthCheck: healthCheck,
		onReconnect: onReconnect,
		subs:        make(map[subKey]handler),
		waiters:     make(map[subKey][]chan struct{}),
	}
}

// subscription is one subscription of a subscriber.
type subscription struct {
	kind subKind
	name string
	h    handler
}

// subscribe adds subscriptions and waits until Redis confirms them or ctx
// ends; in the latter case the subscriptions stay and are made when the
// connection comes back, and the error says so.
func (s *subscriber) subscribe(ctx context.Context, subs ...subscription) error {
	confirmed := make([]chan struct{}, len(subs))
	s.mu.Lock()
	if s.run == nil {
		s.start()
	}
	byKind := map[subKind][]string{}
	for i, sub := range subs {
		key := subKey{sub.kind, sub.name}
		confirmed[i] = make(chan struct{})
		s.subs[key] = sub.h
		s.waiters[key] = append(s.waiters[key], confirmed[i])
		byKind[sub.kind] = append(byKind[sub.kind], sub.name)
	}
	ps := s.ps
	s.mu.Unlock()
	for _, kind := range slices.Sorted(maps.Keys(byKind)) {
		if err := subscribeOn(ctx, ps, kind, byKind[kind]...); err != nil {
			s.log.Warn("sio/redisq: cannot subscribe yet (kept for when Redis answers)", "channels", byKind[kind], "err", err)
			break
		}
	}
	for i, c := range confirmed {
		select {
		case <-c:
		case <-ctx.Done():
			return fmt.Errorf("sio/redisq: subscribing to %q: %w", subs[i].name, context.Cause(ctx))
		}
	}
	return nil
}

// unsubscribe removes a subscription; the subscriber stops with its last
// one. It must not be called from a handler.
func (s *subscriber) unsubscribe(kind subKind, name string) {
	key := subKey{kind, name}
	s.mu.Lock()
	if _, ok := s.subs[key]; !ok {
		s.mu.Unlock()
		return
	}
	delete(s.subs, key)
	delete(s.waiters, key)
	ps, run := s.ps, s.run
	last := len(s.subs) == 0
	if last {
		s.ps, s.run = nil, nil
	}
	s.mu.Unlock()
	if last {
		run.cancel()
		_ = ps.Close()
		run.wg.Wait()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.healthCheck)
	defer cancel()
	var err error
	switch kind {
	case subChannel:
		err = ps.Unsubscribe(ctx, name)
	case subPattern:
		err = ps.PUnsubscribe(ctx, name)
	case subShard:
		err = ps.SUnsubscribe(ctx, name)
	}
	if err != nil {
		s.log.Debug("sio/redisq: cannot unsubscribe", "channel", name, "err", err)
	}
}

// count returns the number of subscriptions of kind.
func (s *subscriber) count(kind subKind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k := range s.subs {
		if k.kind == kind {
			n++
		}
	}
	return n
}

// start starts the goroutines of a new run; s.mu is held.
func (s *subscriber) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r := &subRun{ctx: ctx, cancel: cancel, work: make(chan func(), workQueue)}
	r.touch()
	s.run = r
	s.ps = s.client.Subscribe(ctx)
	r.wg.Add(3)
	go s.read(r)
	go s.worker(r)
	go s.watch(r)
}

func subscribeOn(ctx context.Context, ps *redis.PubSub, kind subKind, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	switch kind {
	case subPattern:
		return ps.PSubscribe(ctx, names...)
	case subShard:
		return ps.SSubscribe(ctx, names...)
	}
	return ps.Subscribe(ctx, names...)
}

// current returns the connection of the run r, nil once r has stopped.
func (s *subscriber) current(r *subRun) *redis.PubSub {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run != r {
		return nil
	}
	return s.ps
}

// replace drops the connection of r and opens another, subscribed to
// everything: go-redis cannot tell a connection that went silent from
// an idle one.
func (s *subscriber) replace(r *subRun) {
	s.mu.Lock()
	if s.run != r {
		s.mu.Unlock()
		return
	}
	old := s.ps
	s.ps = s.client.Subscribe(r.ctx)
	ps := s.ps
	byKind := map[subKind][]string{}
	for k := range s.subs {
		byKind[k.kind] = append(byKind[k.kind], k.name)
	}
	s.mu.Unlock()
	_ = old.Close()
	ctx, cancel := context.WithTimeout(r.ctx, s.healthCheck)
	defer cancel()
	for _, kind := range slices.Sorted(maps.Keys(byKind)) {
		if err := subscribeOn(ctx, ps, kind, byKind[kind]...); err != nil {
			s.log.Debug("sio/redisq: cannot resubscribe yet", "err", err)
		}
	}
}

// read receives the replies of the connection and dispatches them.
func (s *subscriber) read(r *subRun) {
	defer r.wg.Done()
	retry := busutil.Backoff{Min: 50 * time.Millisecond, Max: time.Second}
	for {
		ps := s.current(r)
		if ps == nil {
			return
		}
		msg, err := ps.Receive(r.ctx)
		if r.ctx.Err() != nil {
			return
		}
		if err != nil {
			if s.current(r) != ps {
				continue // replaced by the watchdog
			}
			if !r.down.Swap(true) {
				s.log.Warn("sio/redisq: pub/sub connection lost, reconnecting", "err", err)
			}
			if !sleep(r.ctx, retry.Next()) {
				return
			}
			continue
		}
		r.touch()
		switch m := msg.(type) {
		case *redis.Subscription:
			s.confirmed(r, m)
			if r.down.Load() && s.allConfirmed(m) {
				r.down.Store(false)
				retry.Reset()
				s.log.Info("sio/redisq: pub/sub connection restored, resubscribed", "subscriptions", m.Count)
				if s.onReconnect != nil {
					s.onReconnect()
				}
			}
		case *redis.Message:
			s.dispatch(r, m)
		}
	}
}

// confirmed wakes the subscribe calls waiting for m's subscription.
func (s *subscriber) confirmed(r *subRun, m *redis.Subscription) {
	for kind := subChannel; kind <= subShard; kind++ {
		if m.Kind != kind.confirmation() {
			continue
		}
		key := subKey{kind, m.Channel}
		s.mu.Lock()
		ws := s.waiters[key]
		delete(s.waiters, key)
		s.mu.Unlock()
		for _, w := range ws {
			close(w)
		}
	}
}

// allConfirmed reports whether the Subscription m shows every
// subscription of its kind restored (Redis counts channels and patterns
// together, shard channels apart).
func (s *subscriber) allConfirmed(m *redis.Subscription) bool {
	switch m.Kind {
	case "subscribe", "psubscribe":
		return m.Count >= s.count(subChannel)+s.count(subPattern)
	case "ssubscribe":
		return m.Count >= s.count(subShard)
	}
	return false
}

// dispatch hands m to its handler.
func (s *subscriber) dispatch(r *subRun, m *redis.Message) {
	key := subKey{subChannel, m.Channel}
	if m.Pattern != "" {
		key = subKey{subPattern, m.Pattern}
	}
	s.mu.Lock()
	h, ok := s.subs[key]
	if !ok && m.Pattern == "" {
		key.kind = subShard
		h, ok = s.subs[key]
	}
	s.mu.Unlock()
	if !ok {
		return // unsubscribed meanwhile
	}
	channel, payload := m.Channel, []byte(m.Payload)
	if h.inline {
		h.fn(channel, payload)
		return
	}
	select {
	case r.work <- func() { h.fn(channel, payload) }:
	case <-r.ctx.Done():
	}
}

// worker runs the handlers that are not inline, in order.
func (s *subscriber) worker(r *subRun) {
	defer r.wg.Done()
	for {
		select {
		case <-r.ctx.Done():
			return
		case fn := <-r.work:
			fn()
		}
	}
}

// watch pings the connection when it has been silent for healthCheck,
// and replaces it when the PING gets no answer within healthCheck.
func (s *subscriber) watch(r *subRun) {
	defer r.wg.Done()
	t := time.NewTicker(max(s.healthCheck/4, time.Millisecond))
	defer t.Stop()
	var pinged time.Time // zero: no PING outstanding
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		if r.down.Load() {
			pinged = time.Time{} // the reader is reconnecting
			continue
		}
		last := time.Unix(0, r.last.Load())
		if !pinged.IsZero() {
			switch {
			case last.After(pinged):
				pinged = time.Time{}
			case time.Since(pinged) >= s.healthCheck:
				s.log.Warn("sio/redisq: no answer to PING on the pub/sub connection, reconnecting", "waited", time.Since(pinged).Round(time.Millisecond))
				r.down.Store(true)
				pinged = time.Time{}
				s.replace(r)
			}
			continue
		}
		if time.Since(last) < s.healthCheck {
			continue
		}
		ps := s.current(r)
		if ps == nil {
			return
		}
		pinged = time.Now()
		ctx, cancel := context.WithTimeout(r.ctx, s.healthCheck)
		err := ps.Ping(ctx)
		cancel()
		if err != nil && r.ctx.Err() == nil && !errors.Is(err, redis.ErrClosed) {
			s.log.Warn("sio/redisq: cannot PING the pub/sub connection, reconnecting", "err", err)
			r.down.Store(true)
			pinged = time.Time{}
			s.replace(r)
		}
	}
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
