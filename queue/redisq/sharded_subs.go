package redisq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/queue"
)

// Defaults of the subscriptions of the sharded and streams buses.
const (
	// busHealthInterval is the silence after which a subscription connection
	// is pinged; a ping unanswered for another interval means a dead
	// connection, which is replaced.
	busHealthInterval = 2 * time.Second
	// busQueueSize bounds the messages waiting for one subscription's
	// callback; past it, messages are dropped (and logged).
	busQueueSize = 4096
)

// busSubscriber holds the pub/sub subscriptions of a bus: classic
// (SUBSCRIBE) or sharded (SSUBSCRIBE), one connection per Redis node (one
// in all for a single server; a Redis Cluster routes a sharded channel to
// its slot's node), opened with the first subscription and closed with
// the last. Each connection has a reader goroutine that pings it when
// idle, replaces it when it dies and resubscribes, logging both. The
// callbacks of each subscription, or of each delivery group
// (queue.WithDeliveryGroup), run one at a time on a goroutine that exists
// while messages wait (none when idle).
type busSubscriber struct {
	client      redis.UniversalClient
	sharded     bool
	log         *slog.Logger
	onReconnect func() // the options' OnReconnect, or nil

	opMu sync.Mutex // serialises subscribe and unsubscribe (network round trips)

	mu      sync.Mutex // guards the fields below
	closed  bool
	conns   map[string]*busConn // by node address
	chans   map[string]*busChannel
	waiting map[string]chan struct{} // subscriptions awaiting Redis's confirmation
	lanes   map[any]*busLane         // the lanes of delivery groups

	wg sync.WaitGroup // reader and callback goroutines
}

// busChannel is one subscribed channel.
type busChannel struct {
	conn *busConn
	subs map[*busSub]struct{}
}

// busConn is one pub/sub connection and its reader.
type busConn struct {
	addr  string
	ps    *redis.PubSub
	chans map[string]struct{}
	stop  chan struct{}
	down  atomic.Bool // lost, not restored yet
}

func newBusSubscriber(client redis.UniversalClient, sharded bool, log *slog.Logger, onReconnect func()) *busSubscriber {
	return &busSubscriber{
		client:      client,
		sharded:     sharded,
		log:         log,
		onReconnect: onReconnect,
		conns:       make(map[string]*busConn),
		chans:       make(map[string]*busChannel),
		waiting:     make(map[string]chan struct{}),
		lanes:       make(map[any]*busLane),
	}
}

// newPubSub returns a PubSub with no subscription (connected on first use).
func (s *busSubscriber) newPubSub(ctx context.Context) *redis.PubSub {
	if s.sharded {
		return s.client.SSubscribe(ctx)
	}
	return s.client.Subscribe(ctx)
}

func (s *busSubscriber) sub(ctx context.Context, ps *redis.PubSub, channels ...string) error {
	if s.sharded {
		return ps.SSubscribe(ctx, channels...)
	}
	return ps.Subscribe(ctx, channels...)
}

func (s *busSubscriber) unsub(ctx context.Context, ps *redis.PubSub, channels ...string) error {
	if s.sharded {
		return ps.SUnsubscribe(ctx, channels...)
	}
	return ps.Unsubscribe(ctx, channels...)
}

// nodeOf returns the address of the node that serves channel: its slot's
// master in a Redis Cluster with sharded pub/sub, else "" (one
// connection).
func (s *busSubscriber) nodeOf(ctx context.Context, channel string) (string, error) {
	cc, ok := s.client.(*redis.ClusterClient)
	if !ok || !s.sharded {
		return "", nil
	}
	node, err := cc.MasterForKey(ctx, channel)
	if err != nil {
		return "", err
	}
	return node.Options().Addr, nil
}

// Connected reports whether every subscription connection is up (true
// with none).
func (s *busSubscriber) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		if c.down.Load() {
			return false
		}
	}
	return true
}

// isClosed reports whether close was called.
func (s *busSubscriber) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Subscribe implements queue.Bus: it returns once Redis has confirmed the
// subscription.
func (s *busSubscriber) Subscribe(ctx context.Context, channel string, fn func([]byte)) (func(), error) {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, queue.ErrClosed
	}
	sub := &busSub{lane: s.lane(queue.DeliveryGroup(ctx)), fn: fn}
	if ch := s.chans[channel]; ch != nil {
		ch.subs[sub] = struct{}{}
		s.mu.Unlock()
		return s.unsubscribeFunc(channel, sub), nil
	}
	s.mu.Unlock()

	addr, err := s.nodeOf(ctx, channel)
	if err != nil {
		return nil, fmt.Errorf("sio/redisq: subscribe %q: %w", channel, err)
	}
	confirmed := make(chan struct{})
	s.mu.Lock()
	c := s.conns[addr]
	fresh := c == nil
	if fresh {
		c = &busConn{addr: addr, ps: s.newPubSub(ctx), chans: make(map[string]struct{}), stop: make(chan struct{})}
		s.conns[addr] = c
	}
	c.chans[channel] = struct{}{}
	s.chans[channel] = &busChannel{conn: c, subs: map[*busSub]struct{}{sub: {}}}
	s.waiting[channel] = confirmed
	ps := c.ps
	if fresh {
		s.wg.Add(1) // the reader starts after the first subscription
	}
	s.mu.Unlock()
	// A fresh PubSub connects on this first command, to the node of
	// channel (go-redis picks a Redis Cluster node by the first channel;
	// a receive before it would pick one at random).
	err = s.sub(ctx, ps, channel)
	if fresh {
		go s.read(c)
	}
	if err == nil {
		select {
		case <-confirmed:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		s.mu.Lock()
		delete(s.waiting, channel)
		s.mu.Unlock()
		s.drop(channel, sub)
		return nil, fmt.Errorf("sio/redisq: subscribe %q: %w", channel, err)
	}
	return s.unsubscribeFunc(channel, sub), nil
}

// unsubscribeFunc returns the unsubscribe function of sub; it does not wait
// for Redis (it may run from a callback).
func (s *busSubscriber) unsubscribeFunc(channel string, sub *busSub) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			sub.stop()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.opMu.Lock()
				defer s.opMu.Unlock()
				s.drop(channel, sub)
			}()
		})
	}
}

// drop removes sub from channel; with the channel's last subscription it
// unsubscribes from Redis, and with its connection's last channel it closes
// the connection. s.opMu is held.
func (s *busSubscriber) drop(channel string, sub *busSub) {
	s.mu.Lock()
	ch := s.chans[channel]
	if ch == nil {
		s.mu.Unlock()
		return
	}
	delete(ch.subs, sub)
	s.release(sub.lane)
	if len(ch.subs) > 0 {
		s.mu.Unlock()
		return
	}
	delete(s.chans, channel)
	c := ch.conn
	delete(c.chans, channel)
	last := len(c.chans) == 0
	if last && s.conns[c.addr] == c {
		delete(s.conns, c.addr)
	}
	closed := s.closed
	ps := c.ps
	if last && !closed {
		close(c.stop)
	}
	s.mu.Unlock()
	if closed {
		return
	}
	if last {
		_ = ps.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.unsub(ctx, ps, channel); err != nil {
		s.log.Warn("sio/redisq: cannot unsubscribe", "channel", channel, "err", err)
	}
}

// read receives the messages of c until it is stopped, pinging it when
// idle and replacing it when it dies.
func (s *busSubscriber) read(c *busConn) {
	defer s.wg.Done()
	ctx := context.Background()
	ps := c.ps
	pingSent := false // a ping awaits its answer
	backoff := 50 * time.Millisecond
	restored := func() {
		if c.down.Swap(false) {
			s.log.Info("sio/redisq: subscriptions restored", "node", c.addr)
			backoff = 50 * time.Millisecond
			if s.onReconnect != nil {
				s.onReconnect()
			}
		}
	}
	for {
		msg, err := ps.ReceiveTimeout(ctx, busHealthInterval)
		select {
		case <-c.stop:
			return
		default:
		}
		if err != nil {
			var nerr net.Error
			if errors.As(err, &nerr) && nerr.Timeout() && !c.down.Load() {
				if pingSent {
					// The ping went unanswered: the connection is dead
					// even if the socket is open. Replace it.
					s.log.Warn("sio/redisq: subscription connection is not answering, reconnecting", "node", c.addr)
					c.down.Store(true)
					ps = s.replace(c)
					pingSent = false
					continue
				}
				pingSent = ps.Ping(ctx) == nil
				continue
			}
			if !c.down.Swap(true) {
				s.log.Warn("sio/redisq: subscription connection lost, reconnecting", "node", c.addr, "err", err)
			}
			pingSent = false
			select {
			case <-c.stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		pingSent = false
		switch m := msg.(type) {
		case *redis.Subscription:
			restored()
			if m.Kind == "subscribe" || m.Kind == "ssubscribe" {
				s.confirm(m.Channel)
			}
		case *redis.Message:
			restored()
			s.dispatch(m.Channel, []byte(m.Payload))
		case *redis.Pong:
			restored()
		}
	}
}

// replace closes c's PubSub and opens another with c's channels.
func (s *busSubscriber) replace(c *busConn) *redis.PubSub {
	ctx := context.Background()
	s.mu.Lock()
	select {
	case <-c.stop: // closed meanwhile: read returns
		s.mu.Unlock()
		return c.ps
	default:
	}
	_ = c.ps.Close()
	channels := make([]string, 0, len(c.chans))
	for ch := range c.chans {
		channels = append(channels, ch)
	}
	ps := s.newPubSub(ctx)
	c.ps = ps
	s.mu.Unlock()
	if len(channels) > 0 {
		_ = s.sub(ctx, ps, channels...) // on failure the next receive reconnects
	}
	return ps
}

// confirm wakes the Subscribe waiting for channel.
func (s *busSubscriber) confirm(channel string) {
	s.mu.Lock()
	ch := s.waiting[channel]
	delete(s.waiting, channel)
	s.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

// dispatch queues msg on the subscriptions of channel.
func (s *busSubscriber) dispatch(channel string, msg []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chans[channel]
	if ch == nil {
		return
	}
	for sub := range ch.subs {
		sub.lane.push(sub, msg)
	}
}

// close ends every subscription and waits for the goroutines.
func (s *busSubscriber) close() {
	s.opMu.Lock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.opMu.Unlock()
		return
	}
	s.closed = true
	conns := s.conns
	s.conns = nil
	for _, ch := range s.chans {
		for sub := range ch.subs {
			sub.stop()
		}
	}
	s.chans = nil
	var pss []*redis.PubSub
	for _, c := range conns {
		close(c.stop)
		pss = append(pss, c.ps)
	}
	s.mu.Unlock()
	s.opMu.Unlock()
	for _, ps := range pss {
		_ = ps.Close()
	}
	s.wg.Wait()
}

// busSub is one Subscribe call. Its callback runs on its lane: its
// own, or its delivery group's (queue.WithDeliveryGroup).
type busSub struct {
	lane    *busLane
	fn      func([]byte)
	stopped atomic.Bool
}

func (sub *busSub) stop() { sub.stopped.Store(true) }

// busLane runs callbacks one at a time, in the order their messages came,
// on a goroutine started when a message arrives and ending when none is
// left.
type busLane struct {
	s    *busSubscriber
	key  any // the delivery group; nil for a lone subscription
	refs int // subscriptions; guarded by s.mu

	mu      sync.Mutex // guards the fields below
	queue   []busItem
	running bool
	dropped int
}

type busItem struct {
	sub *busSub
	msg []byte
}

// lane returns the lane of a new subscription in the group key; s.mu is
// held.
func (s *busSubscriber) lane(key any) *busLane {
	if key != nil {
		if l := s.lanes[key]; l != nil {
			l.refs++
			return l
		}
	}
	l := &busLane{s: s, key: key, refs: 1}
	if key != nil {
		s.lanes[key] = l
	}
	return l
}

// release drops a subscription of l; s.mu is held.
func (s *busSubscriber) release(l *busLane) {
	if l.refs--; l.refs == 0 && l.key != nil && s.lanes[l.key] == l {
		delete(s.lanes, l.key)
	}
}

// push queues msg for sub.
func (l *busLane) push(sub *busSub, msg []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) >= busQueueSize {
		if l.dropped++; l.dropped == 1 {
			l.s.log.Warn("sio/redisq: a busSubscriber is too slow, dropping messages")
		}
		return
	}
	l.queue = append(l.queue, busItem{sub, msg})
	if !l.running {
		l.running = true
		l.s.wg.Add(1)
		go l.drain()
	}
}

func (l *busLane) drain() {
	defer l.s.wg.Done()
	for {
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.running = false
			l.queue = nil
			l.dropped = 0
			l.mu.Unlock()
			return
		}
		it := l.queue[0]
		l.queue[0] = busItem{}
		l.queue = l.queue[1:]
		l.mu.Unlock()
		if !it.sub.stopped.Load() {
			it.sub.fn(it.msg)
		}
	}
}
