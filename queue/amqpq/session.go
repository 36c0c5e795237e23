package amqpq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	amqp "github.com/rabbitmq/amqp091-go"
)

// session is one connection to the broker: a channel in confirm mode for
// publishing, and (unless write-only) a channel consuming the node's
// exclusive queue.
type session struct {
	b     *Bus
	conn  *amqp.Connection
	queue string

	pubMu    sync.Mutex // serialises publishes (their order) and guards the fields below
	pub      *amqp.Channel
	declared map[string]bool
	pending  chan *amqp.DeferredConfirmation
	dead     bool

	subMu sync.Mutex // serialises bindings
	sub   *amqp.Channel

	blocked atomic.Bool
	lost    chan struct{} // closed when the connection or a channel closes
	lostErr error
	once    sync.Once
	wg      sync.WaitGroup // the session's goroutines
	unconf  atomic.Int64   // publishes nacked or unconfirmed at close
}

// open sets up a session on conn.
func (b *Bus) open(conn *amqp.Connection) (*session, error) {
	s := &session{b: b, conn: conn, declared: make(map[string]bool), lost: make(chan struct{}),
		pending: make(chan *amqp.DeferredConfirmation, b.opts.MaxInFlight)}
	var err error
	if s.pub, err = conn.Channel(); err != nil {
		return nil, err
	}
	if err := s.pub.Confirm(false); err != nil {
		return nil, fmt.Errorf("confirm mode: %w", err)
	}
	s.watch(conn.NotifyClose(make(chan *amqp.Error, 1)))
	s.watch(s.pub.NotifyClose(make(chan *amqp.Error, 1)))
	blocked := conn.NotifyBlocked(make(chan amqp.Blocking, 4))
	s.wg.Go(func() {
		for bl := range blocked {
			s.blocked.Store(bl.Active)
			if bl.Active {
				b.log.Warn("sio/amqpq: the broker blocks publishing", "reason", bl.Reason)
			} else {
				b.log.Info("sio/amqpq: the broker unblocks publishing")
			}
		}
	})
	s.wg.Go(s.confirmLoop)
	if b.opts.WriteOnly {
		return s, nil
	}
	if s.sub, err = conn.Channel(); err != nil {
		return nil, err
	}
	s.watch(s.sub.NotifyClose(make(chan *amqp.Error, 1)))
	if err := s.sub.Qos(b.opts.Prefetch, 0, false); err != nil {
		return nil, fmt.Errorf("qos: %w", err)
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	name := b.name + "." + hex.EncodeToString(id[:4])
	args := amqp.Table{"x-expires": int32(min(b.opts.QueueExpires.Milliseconds(), 1<<31-1))}
	q, err := s.sub.QueueDeclare(name, false, false, true, false, args)
	if err != nil {
		return nil, fmt.Errorf("declaring queue %q: %w", name, err)
	}
	s.queue = q.Name
	deliveries, err := s.sub.Consume(q.Name, "", false, true, false, false, nil)
	if err != nil {
		return nil, fmt.Errorf("consuming %q: %w", q.Name, err)
	}
	s.wg.Go(func() { s.consume(deliveries) })
	return s, nil
}

// watch marks the session lost when c reports a close.
func (s *session) watch(c chan *amqp.Error) {
	s.wg.Go(func() {
		if err, ok := <-c; ok || err != nil {
			s.fail(err)
		} else {
			s.fail(amqp.ErrClosed)
		}
	})
}

func (s *session) fail(err *amqp.Error) {
	s.once.Do(func() {
		if err != nil {
			s.lostErr = err
		} else {
			s.lostErr = amqp.ErrClosed
		}
		close(s.lost)
	})
}

func (s *session) err() error {
	<-s.lost
	return s.lostErr
}

// bind declares the exchange ex and binds the node's queue to it.
func (s *session) bind(ctx context.Context, ex string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.subMu.Lock()
	defer s.subMu.Unlock()
	if err := s.sub.ExchangeDeclare(ex, amqp.ExchangeFanout, false, false, false, false, nil); err != nil {
		return err
	}
	return s.sub.QueueBind(s.queue, "", ex, false, nil)
}

// publish sends msg on the channel's exchange and queues its deferred
// confirmation; the caller holds a slot.
func (s *session) publish(ctx context.Context, channel string, msg []byte) error {
	ex := ExchangeOf(channel)
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if s.dead {
		return ErrNotConnected
	}
	if !s.declared[ex] {
		if err := s.pub.ExchangeDeclare(ex, amqp.ExchangeFanout, false, false, false, false, nil); err != nil {
			if refused(err) {
				s.b.refusedEx.Store(ex, err)
				s.b.log.Error("sio/amqpq: the broker refuses the exchange; publishing to it fails", "exchange", ex, "err", err)
			}
			return fmt.Errorf("sio/amqpq: declaring exchange %q: %w", ex, err)
		}
		s.declared[ex] = true
	}
	ct := "application/octet-stream"
	if len(msg) > 0 && msg[0] == '{' {
		ct = "application/json"
	}
	dc, err := s.pub.PublishWithDeferredConfirmWithContext(ctx, ex, channel, false, false,
		amqp.Publishing{ContentType: ct, DeliveryMode: amqp.Transient, Body: msg})
	if err != nil {
		if errors.Is(err, amqp.ErrClosed) {
			return fmt.Errorf("%w: %v", ErrNotConnected, err)
		}
		return err
	}
	s.pending <- dc // room for it: the caller holds one of MaxInFlight slots
	return nil
}

// confirmLoop releases a slot as each publish is confirmed, in order.
func (s *session) confirmLoop() {
	for dc := range s.pending {
		<-dc.Done()
		if !dc.Acked() {
			s.unconf.Add(1)
			s.b.rlog.Warn("sio/amqpq: a publish was not confirmed by the broker")
			s.b.publishError(ErrNotConfirmed)
		}
		<-s.b.slots
	}
}

// consume hands each delivery to the subscriptions and acknowledges it.
func (s *session) consume(deliveries <-chan amqp.Delivery) {
	n := 0
	for d := range deliveries {
		s.b.fan.Deliver(channelOf(d.Exchange, d.RoutingKey), d.Body)
		n++
		// Acknowledge in batches: when the prefetched deliveries are
		// handed out, or every quarter of the prefetch window.
		if len(deliveries) == 0 || n >= max(1, s.b.opts.Prefetch/4) {
			if err := d.Ack(true); err != nil {
				s.fail(&amqp.Error{Code: amqp.ChannelError, Reason: err.Error()})
			}
			n = 0
		}
	}
	s.fail(nil)
}

// close closes the connection, waits for the session's goroutines and
// returns the number of publishes left unconfirmed.
func (s *session) close() int64 {
	_ = s.conn.Close()
	s.fail(nil)
	s.pubMu.Lock()
	if !s.dead {
		s.dead = true
		close(s.pending)
	}
	s.pubMu.Unlock()
	s.wg.Wait()
	return s.unconf.Load()
}
