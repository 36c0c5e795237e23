package amqpq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/busutil"
)

// Errors of a Bus. Publish wraps them with details; test with errors.Is.
var (
	// ErrNotConnected: the bus is reconnecting to the broker; the message
	// was not sent.
	ErrNotConnected = errors.New("sio/amqpq: not connected to the broker, message dropped")
	// ErrBlocked: the broker has blocked publishing (a resource alarm);
	// the message was not sent.
	ErrBlocked = errors.New("sio/amqpq: the broker blocks publishing, message dropped")
	// ErrInFlight: Options.MaxInFlight publishes await the broker's
	// confirmation; the message was not sent.
	ErrInFlight = errors.New("sio/amqpq: too many unconfirmed publishes, message dropped")
	// ErrNotConfirmed is what Options.OnPublishError gets for a publish
	// the broker refused (a nack) or did not confirm before the
	// connection was lost: it may not have reached the other nodes.
	ErrNotConfirmed = errors.New("sio/amqpq: a publish was not confirmed by the broker")
	// ErrWriteOnly is returned by Subscribe on a write-only bus.
	ErrWriteOnly = errors.New("sio/amqpq: the bus is write-only")
)

// Bus is a queue.Bus over a RabbitMQ (AMQP 0-9-1) broker. See the package
// documentation for the exchanges, queue and messages it uses.
type Bus struct {
	url   string
	cfg   amqp.Config
	opts  Options
	log   *slog.Logger
	rlog  *busutil.RateLog
	fan   *busutil.Fanout[[]byte]
	name  string        // the node's queue
	slots chan struct{} // one per unconfirmed publish

	refusedEx sync.Map // exchange → the broker's refusal of its declaration

	stop    chan struct{} // closed by Close
	stopped chan struct{} // closed when the supervisor returns

	bindMu    sync.Mutex      // serialises bindings and the session switch
	exchanges map[string]bool // the exchanges the subscriptions need (guarded by bindMu)

	mu     sync.Mutex // guards sess and closed
	sess   *session
	closed bool
}

// New connects to the broker at url (amqp:// or amqps://, with the
// credentials and virtual host in the URL: amqp://user:pass@host:5672/vhost)
// and returns the bus. It fails when the first connection fails; after
// that the bus reconnects by itself whenever the connection is lost.
func New(url string, opts Options) (*Bus, error) {
	opts = opts.withDefaults()
	var id [8]byte
	_, _ = rand.Read(id[:])
	b := &Bus{
		url:       url,
		opts:      opts,
		log:       opts.Logger,
		rlog:      busutil.NewRateLog(opts.Logger, time.Second),
		fan:       busutil.NewFanout[[]byte](opts.SubscriptionQueue, opts.Logger),
		name:      "sio." + hex.EncodeToString(id[:]),
		slots:     make(chan struct{}, opts.MaxInFlight),
		stop:      make(chan struct{}),
		stopped:   make(chan struct{}),
		exchanges: make(map[string]bool),
	}
	name := opts.ConnectionName
	if name == "" {
		name = "sio-" + b.name
	}
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(name)
	b.cfg = amqp.Config{Heartbeat: opts.Heartbeat, TLSClientConfig: opts.TLS, Properties: props, Locale: "en_US"}
	s, err := b.connect()
	if err != nil {
		return nil, fmt.Errorf("sio/amqpq: connecting to %s: %w", redact(url), err)
	}
	go b.supervise(s)
	return b, nil
}

// QueueName returns the name of the node's queue (it changes when the bus
// reconnects: the queue is exclusive to one connection).
func (b *Bus) QueueName() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sess != nil {
		return b.sess.queue
	}
	return ""
}

// Connected reports whether the bus is connected to the broker now.
func (b *Bus) Connected() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sess != nil
}

// InFlight returns the number of publishes awaiting the broker's
// confirmation.
func (b *Bus) InFlight() int { return len(b.slots) }

// Dropped returns the number of received messages dropped because a
// subscription's queue was full.
func (b *Bus) Dropped() uint64 { return b.fan.Dropped() }

// ExchangeOf returns the exchange a channel's messages go through: the
// channel's name up to its first '#' (the manager's channel prefix,
// "socket.io" for "socket.io#/#"), or the whole name when it has none
// (python-socketio's "socketio").
func ExchangeOf(channel string) string {
	if i := strings.IndexByte(channel, '#'); i >= 0 {
		return channel[:i]
	}
	return channel
}

// channelOf returns the channel of a delivery: its routing key when it
// names a channel of the exchange, else the exchange (python-socketio
// publishes with the routing key "" or "*").
func channelOf(exchange, key string) string {
	if len(key) > len(exchange) && key[len(exchange)] == '#' && strings.HasPrefix(key, exchange) {
		return key
	}
	return exchange
}

// Publish implements queue.Bus: it sends msg through the channel's fanout
// exchange, with the channel as routing key, and returns once the message
// is written; the broker's confirmation is awaited in the background
// (Options.MaxInFlight at most). It does not wait for the broker: while
// the bus reconnects it fails at once with ErrNotConnected.
func (b *Bus) Publish(ctx context.Context, channel string, msg []byte) error {
	err := b.publish(ctx, channel, msg)
	if err != nil && !errors.Is(err, queue.ErrClosed) {
		b.publishError(err)
	}
	return err
}

// publishError calls Options.OnPublishError.
func (b *Bus) publishError(err error) {
	if b.opts.OnPublishError != nil {
		b.opts.OnPublishError(err)
	}
}

func (b *Bus) publish(ctx context.Context, channel string, msg []byte) error {
	b.mu.Lock()
	closed, s := b.closed, b.sess
	b.mu.Unlock()
	if closed {
		return queue.ErrClosed
	}
	if s == nil {
		b.rlog.Warn("sio/amqpq: not connected, dropping published messages", "channel", channel)
		return ErrNotConnected
	}
	if err, ok := b.refusedEx.Load(ExchangeOf(channel)); ok {
		return fmt.Errorf("sio/amqpq: exchange %q: %w", ExchangeOf(channel), err.(error))
	}
	if s.blocked.Load() {
		b.rlog.Warn("sio/amqpq: the broker blocks publishing, dropping published messages", "channel", channel)
		return ErrBlocked
	}
	select {
	case b.slots <- struct{}{}:
	default:
		b.rlog.Warn("sio/amqpq: unconfirmed publishes at the bound, dropping published messages",
			"channel", channel, "max_in_flight", b.opts.MaxInFlight)
		return fmt.Errorf("%w (%d)", ErrInFlight, b.opts.MaxInFlight)
	}
	if err := s.publish(ctx, channel, msg); err != nil {
		<-b.slots
		return err
	}
	return nil
}

// Subscribe implements queue.Bus: it binds the node's queue to the
// channel's exchange (declaring it) before returning, and delivers the
// messages of the channel to fn on a goroutine of the subscription. While
// the bus reconnects, the subscription is kept and bound again on the new
// connection.
func (b *Bus) Subscribe(ctx context.Context, channel string, fn func(msg []byte)) (func(), error) {
	if b.opts.WriteOnly {
		return nil, ErrWriteOnly
	}
	ex := ExchangeOf(channel)
	unsub, _, ok := b.fan.AddGroup(channel, queue.DeliveryGroup(ctx), fn)
	if !ok {
		return nil, queue.ErrClosed
	}
	b.bindMu.Lock()
	defer b.bindMu.Unlock()
	if b.exchanges[ex] {
		return unsub, nil
	}
	b.mu.Lock()
	s := b.sess
	b.mu.Unlock()
	if s == nil {
		b.exchanges[ex] = true // bound when the bus reconnects
		b.log.Warn("sio/amqpq: subscribing while disconnected; the subscription starts on reconnection", "channel", channel)
		return unsub, nil
	}
	if err := s.bind(ctx, ex); err != nil {
		if refused(err) {
			// The broker closed the channel: the session reconnects
			// without this exchange.
			unsub()
			return nil, fmt.Errorf("sio/amqpq: binding to exchange %q: %w", ex, err)
		}
		b.exchanges[ex] = true
		b.log.Warn("sio/amqpq: binding failed; retried on reconnection", "exchange", ex, "err", err)
		return unsub, nil
	}
	b.exchanges[ex] = true
	return unsub, nil
}

// closeWait bounds how long Close waits for the broker to confirm the
// publishes in flight.
const closeWait = 2 * time.Second

// Close implements queue.Bus: it waits (up to 2s) for the broker to
// confirm the publishes in flight, closes the connection (the broker
// deletes the node's queue) and ends every subscription; no callback runs
// after it returns.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		<-b.stopped
		return nil
	}
	b.closed = true
	connected := b.sess != nil
	b.mu.Unlock()
	for deadline := time.Now().Add(closeWait); connected && b.InFlight() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	close(b.stop)
	<-b.stopped
	b.fan.Close()
	return nil
}

// supervise waits for the loss of the session s, then reconnects with
// backoff, until Close.
func (b *Bus) supervise(s *session) {
	defer close(b.stopped)
	backoff := busutil.Backoff{Min: b.opts.ReconnectMin, Max: b.opts.ReconnectMax}
	for {
		select {
		case <-b.stop:
			b.drop(s)
			return
		case <-s.lost:
		}
		err := s.err()
		b.drop(s)
		lostAt := time.Now()
		b.log.Warn("sio/amqpq: connection lost, reconnecting", "err", err)
		attempts := 0
		for {
			delay := backoff.Next()
			select {
			case <-b.stop:
				return
			case <-time.After(delay):
			}
			attempts++
			ns, err := b.connect()
			if err != nil {
				b.rlog.Warn("sio/amqpq: reconnection failed", "attempts", attempts, "err", err)
				continue
			}
			b.log.Info("sio/amqpq: reconnected", "after", time.Since(lostAt).Round(time.Millisecond),
				"attempts", attempts, "queue", ns.queue)
			s = ns
			backoff.Reset()
			if b.opts.OnReconnect != nil {
				b.opts.OnReconnect()
			}
			break
		}
	}
}

// drop removes s from the bus and closes it.
func (b *Bus) drop(s *session) {
	b.mu.Lock()
	if b.sess == s {
		b.sess = nil
	}
	b.mu.Unlock()
	if n := s.close(); n > 0 {
		b.log.Warn("sio/amqpq: publishes not confirmed by the broker on this connection", "count", n)
	}
}

// connect opens a connection and its channels, declares the node's queue,
// binds it to every exchange the subscriptions need and makes it the
// bus's session.
func (b *Bus) connect() (*session, error) {
	conn, err := amqp.DialConfig(b.url, b.cfg)
	if err != nil {
		return nil, err
	}
	s, err := b.open(conn)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	b.bindMu.Lock()
	defer b.bindMu.Unlock()
	if !b.opts.WriteOnly {
		for ex := range b.exchanges {
			if err := s.bind(context.Background(), ex); err != nil {
				if refused(err) {
					// Refused for good (another exchange type under
					// that name, access): stop asking.
					delete(b.exchanges, ex)
					b.log.Error("sio/amqpq: the broker refuses the exchange; its subscriptions receive nothing",
						"exchange", ex, "err", err)
				}
				s.close()
				return nil, err
			}
		}
	}
	b.mu.Lock()
	b.sess = s
	b.mu.Unlock()
	return s, nil
}

// refused reports whether err is the broker's refusal of a declaration or
// binding (another exchange type or flags under the name, access), which
// trying again does not change.
func refused(err error) bool {
	var ae *amqp.Error
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Code {
	case amqp.PreconditionFailed, amqp.AccessRefused, amqp.NotAllowed:
		return true
	}
	return false
}

// redact removes the password from an AMQP URL for the logs.
func redact(url string) string {
	u, err := amqp.ParseURI(url)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.Password != "" {
		u.Password = "xxxxx"
	}
	return u.String()
}

var _ queue.Bus = (*Bus)(nil)
