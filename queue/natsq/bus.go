package natsq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/busutil"
)

// ErrDropped is wrapped by the error of a Publish the bus did not send:
// the connection is down and the reconnect buffer (Options.MaxPending) is
// full.
var ErrDropped = errors.New("sio/natsq: reconnect buffer full, message dropped")

// Bus is a queue.Bus over core NATS: each channel is a subject (see
// Subject), each Subscribe one NATS subscription. Messages are delivered
// at most once, in order for each publisher; a server that is not
// subscribed when a message is published never gets it.
type Bus struct {
	nc   *nats.Conn
	own  bool // the bus closes nc
	opts Options
	log  *slog.Logger
	rlog *busutil.RateLog

	dropped atomic.Uint64  // publishes dropped for a full reconnect buffer
	server  atomic.Value   // string: the server last connected to, redacted
	running sync.WaitGroup // the callbacks running
	laneWG  sync.WaitGroup // the lanes' goroutines

	mu     sync.RWMutex // guards the fields below
	closed bool
	subs   map[*subscription]struct{}
	lanes  map[any]*lane // the delivery groups' lanes
}

// subscription is one Subscribe.
type subscription struct {
	sub     *nats.Subscription
	fn      func([]byte)
	lane    *lane // or nil: the subscription's own goroutine (nats.go's)
	stopped atomic.Bool
}

// lane delivers the messages of one delivery group's subscriptions
// (queue.WithDeliveryGroup), in the order the connection received them,
// on one goroutine: its subscriptions all push into ch (nats.go's channel
// subscriptions, from the connection's reader).
type lane struct {
	key  any
	ch   chan *nats.Msg
	quit chan struct{}
	refs int // guarded by Bus.mu

	mu   sync.Mutex // guards subs
	subs map[*nats.Subscription]*subscription
}

// New connects to the NATS servers of url (nats:// or tls://, with the
// credentials in the URL: nats://user:password@host:4222 or
// nats://token@host:4222; several URLs separated by commas) and returns
// the bus. It fails when no server answers; after that the client
// reconnects by itself whenever the connection is lost, resubscribes, and
// the bus logs the disconnection and the reconnection.
func New(url string, opts Options) (*Bus, error) {
	opts = opts.withDefaults()
	b := makeBus(opts)
	b.own = true
	nopts := []nats.Option{
		nats.Name(opts.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(opts.ReconnectWait),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		nats.ReconnectBufSize(opts.MaxPending),
		nats.PingInterval(opts.PingInterval),
		nats.MaxPingsOutstanding(2),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if nc.IsClosed() {
				return // Close
			}
			b.log.Warn("sio/natsq: disconnected from the server, reconnecting", "server", b.server.Load(), "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.server.Store(nc.ConnectedUrlRedacted())
			b.log.Info("sio/natsq: reconnected and resubscribed", "server", nc.ConnectedUrlRedacted(), "reconnects", nc.Reconnects)
			if b.opts.OnReconnect != nil {
				b.opts.OnReconnect()
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, s *nats.Subscription, err error) {
			subject := ""
			if s != nil {
				subject = s.Subject
			}
			b.rlog.Warn("sio/natsq: "+err.Error(), "subject", subject)
		}),
	}
	if opts.TLS != nil {
		nopts = append(nopts, nats.Secure(opts.TLS))
	}
	nopts = append(nopts, opts.NATS...)
	nc, err := nats.Connect(url, nopts...)
	if err != nil {
		return nil, fmt.Errorf("sio/natsq: connecting to %s: %w", redactList(url), err)
	}
	b.nc = nc
	b.server.Store(nc.ConnectedUrlRedacted())
	return b, nil
}

// NewWithConn returns a bus on a connection the caller made and still
// owns: Close leaves it open. Its reconnection settings and handlers are
// the caller's (opts.OnReconnect is not called); opts.Logger,
// opts.SubscriptionQueue and opts.OnPublishError are used.
func NewWithConn(nc *nats.Conn, opts Options) *Bus {
	b := makeBus(opts.withDefaults())
	b.nc = nc
	return b
}

func makeBus(opts Options) *Bus {
	return &Bus{
		opts: opts, log: opts.Logger, rlog: busutil.NewRateLog(opts.Logger, time.Second),
		subs: make(map[*subscription]struct{}), lanes: make(map[any]*lane),
	}
}

// Conn returns the bus's NATS connection.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// Connected reports whether the bus is connected to a server now.
func (b *Bus) Connected() bool { return b.nc.IsConnected() }

// Dropped returns the number of publishes dropped because the connection
// was down and the reconnect buffer full.
func (b *Bus) Dropped() uint64 { return b.dropped.Load() }

// Publish implements queue.Bus. It does not wait for the server: while
// the connection is down the message waits in the reconnect buffer, and is
// dropped (ErrDropped) when that is full. A message larger than the
// server's max_payload (1 MiB by default) fails.
func (b *Bus) Publish(_ context.Context, channel string, msg []byte) error {
	subject, err := Subject(channel)
	if err != nil {
		return err
	}
	if b.isClosed() {
		return queue.ErrClosed
	}
	switch err := b.nc.Publish(subject, msg); {
	case err == nil:
		return nil
	case errors.Is(err, nats.ErrReconnectBufExceeded):
		n := b.dropped.Add(1)
		b.rlog.Warn("sio/natsq: reconnect buffer full, message dropped", "subject", subject, "dropped_total", n)
		return b.publishError(fmt.Errorf("%w (subject %s)", ErrDropped, subject))
	case errors.Is(err, nats.ErrConnectionClosed):
		return queue.ErrClosed
	default:
		return b.publishError(fmt.Errorf("sio/natsq: publishing on %s: %w", subject, err))
	}
}

// publishError calls Options.OnPublishError with err and returns it.
func (b *Bus) publishError(err error) error {
	if b.opts.OnPublishError != nil {
		b.opts.OnPublishError(err)
	}
	return err
}

// Subscribe implements queue.Bus with one NATS subscription. It returns
// once the server has the subscription (or, while the connection is down,
// once the client holds it: it is sent on reconnection). The subscriptions
// of one delivery group (queue.WithDeliveryGroup) share one goroutine and
// one queue of Options.SubscriptionQueue messages, in the order the
// connection received them.
func (b *Bus) Subscribe(ctx context.Context, channel string, fn func(msg []byte)) (func(), error) {
	subject, err := Subject(channel)
	if err != nil {
		return nil, err
	}
	s := &subscription{fn: fn}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, queue.ErrClosed
	}
	var ns *nats.Subscription
	if key := queue.DeliveryGroup(ctx); key != nil {
		s.lane = b.lane(key)
		s.lane.mu.Lock() // before a message can arrive for ns
		ns, err = b.nc.ChanSubscribe(subject, s.lane.ch)
		if err == nil {
			s.lane.subs[ns] = s
		}
		s.lane.mu.Unlock()
		if err != nil {
			b.dropLane(s.lane)
		}
	} else {
		ns, err = b.nc.Subscribe(subject, func(m *nats.Msg) { b.deliver(s, fn, m.Data) })
		if err == nil {
			_ = ns.SetPendingLimits(b.opts.SubscriptionQueue, -1)
		}
	}
	if err != nil {
		b.mu.Unlock()
		if errors.Is(err, nats.ErrConnectionClosed) {
			return nil, queue.ErrClosed
		}
		return nil, fmt.Errorf("sio/natsq: subscribing to %s: %w", subject, err)
	}
	s.sub = ns
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	unsubscribe := func() { b.unsubscribe(s) }
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	if err := b.nc.FlushWithContext(ctx); err != nil && b.nc.IsConnected() {
		unsubscribe()
		return nil, fmt.Errorf("sio/natsq: subscribing to %s: %w", subject, err)
	}
	return unsubscribe, nil
}

// lane returns the lane of a delivery group, started when it is new; b.mu
// is held.
func (b *Bus) lane(key any) *lane {
	l := b.lanes[key]
	if l == nil {
		l = &lane{key: key, ch: make(chan *nats.Msg, b.opts.SubscriptionQueue), quit: make(chan struct{}), subs: make(map[*nats.Subscription]*subscription)}
		b.lanes[key] = l
		b.laneWG.Add(1)
		go b.runLane(l)
	}
	l.refs++
	return l
}

// dropLane releases a reference to l, stopping it with the last; b.mu is
// held.
func (b *Bus) dropLane(l *lane) {
	if l.refs--; l.refs == 0 {
		delete(b.lanes, l.key)
		close(l.quit)
	}
}

// runLane delivers a lane's messages until it stops.
func (b *Bus) runLane(l *lane) {
	defer b.laneWG.Done()
	for {
		select {
		case <-l.quit:
			return
		case m := <-l.ch:
			l.mu.Lock()
			s := l.subs[m.Sub]
			l.mu.Unlock()
			if s != nil {
				b.deliver(s, s.fn, m.Data)
			}
		}
	}
}

// deliver runs fn for a message of s, unless s or the bus has stopped.
func (b *Bus) deliver(s *subscription, fn func([]byte), msg []byte) {
	if !b.enter(&s.stopped) {
		return
	}
	defer b.running.Done()
	fn(msg)
}

// deliverFunc runs fn unless stopped is set or the bus has closed.
func (b *Bus) deliverFunc(stopped *atomic.Bool, fn func()) {
	if !b.enter(stopped) {
		return
	}
	defer b.running.Done()
	fn()
}

// enter counts a callback about to run (Close waits for it), unless
// stopped is set or the bus has closed.
func (b *Bus) enter(stopped *atomic.Bool) bool {
	if stopped.Load() {
		return false
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return false
	}
	b.running.Add(1)
	return true
}

// isClosed reports whether Close was called.
func (b *Bus) isClosed() bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.closed
}

func (b *Bus) unsubscribe(s *subscription) {
	if s.stopped.Swap(true) {
		return
	}
	_ = s.sub.Unsubscribe()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	delete(b.subs, s)
	if s.lane != nil {
		s.lane.mu.Lock()
		delete(s.lane.subs, s.sub)
		s.lane.mu.Unlock()
		b.dropLane(s.lane)
	}
}

// Close implements queue.Bus: it ends the subscriptions, sends what was
// published (for a second at most) and closes the connection (unless the
// caller owns it, NewWithConn), and waits for the running callbacks, so
// it must not be called from one.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	subs, lanes := b.subs, b.lanes
	b.subs, b.lanes = nil, nil
	for _, l := range lanes {
		close(l.quit)
	}
	b.mu.Unlock()
	for s := range subs {
		s.stopped.Store(true)
		if !b.own {
			_ = s.sub.Unsubscribe()
		}
	}
	if b.own {
		if b.nc.IsConnected() {
			_ = b.nc.FlushTimeout(time.Second) // what was published reaches the server
		}
		b.nc.Close()
	}
	b.running.Wait()
	b.laneWG.Wait()
	return nil
}

// redactList removes the passwords and tokens of a comma-separated list
// of URLs.
func redactList(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		parts[i] = redact(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

// redact removes the password or token of a URL.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	} else {
		u.User = url.User("xxxxx") // a token
	}
	return u.String()
}

var _ queue.Bus = (*Bus)(nil)
