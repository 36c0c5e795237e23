package pgq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/busutil"
)

// Errors of a Bus; Publish and Subscribe wrap them with details.
var (
	// ErrDropped: Options.MaxInFlight messages wait to be sent already;
	// the message was not sent.
	ErrDropped = errors.New("sio/pgq: too many messages waiting to be sent, message dropped")
	// ErrWriteOnly is returned by Subscribe on a write-only bus.
	ErrWriteOnly = errors.New("sio/pgq: the bus is write-only")
)

// Bus is a queue.Bus over PostgreSQL's LISTEN/NOTIFY, in the layout of
// Node.js's @socket.io/postgres-adapter: see the package documentation.
type Bus struct {
	opts  Options
	log   *slog.Logger
	rlog  *busutil.RateLog
	fan   *busutil.Fanout[[]byte]
	pool  *pgxpool.Pool
	lcfg  *pgx.ConnConfig // the listening connection's
	table string

	out     chan outMsg   // the messages waiting to be sent
	slots   chan struct{} // one per message queued or being sent
	stop    chan struct{} // closed by Close
	stopCtx context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the writer, the listener and the cleaner

	dropped   atomic.Uint64
	connected atomic.Bool // the listening connection is up

	mu         sync.Mutex // guards the fields below
	closed     bool
	listens    map[string]int // PostgreSQL channel → subscriptions wanting it
	version    uint64         // bumped when listens changes
	listened   uint64         // the version the listening connection has
	listenedC  chan struct{}  // closed (and replaced) when listened changes
	waitCancel func()         // interrupts the listener's wait
}

// outMsg is a message waiting to be sent.
type outMsg struct {
	channel string // PostgreSQL channel
	msg     []byte
}

// New connects to the PostgreSQL server of url (postgres://user:password@
// host:5432/database?sslmode=require, or any connection string pgx
// takes), creates the attachment table unless Options.SkipCreateTable,
// and returns the bus. It fails when the server cannot be reached; after
// that the bus reconnects by itself whenever a connection is lost.
func New(ctx context.Context, url string, opts Options) (*Bus, error) {
	opts = opts.withDefaults()
	if err := checkTableName(opts.TableName); err != nil {
		return nil, err
	}
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("sio/pgq: %w", err)
	}
	cc := pcfg.ConnConfig
	if opts.ApplicationName != "" {
		cc.RuntimeParams["application_name"] = opts.ApplicationName
	} else if cc.RuntimeParams["application_name"] == "" {
		cc.RuntimeParams["application_name"] = DefaultApplicationName
	}
	if opts.TLS != nil {
		cc.TLSConfig = opts.TLS
		cc.Fallbacks = nil
	}
	if opts.ConnectTimeout > 0 {
		cc.ConnectTimeout = opts.ConnectTimeout
	} else if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.MaxConns > 0 {
		pcfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("sio/pgq: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("sio/pgq: connecting to %s: %w", redact(cc), err)
	}
	b := &Bus{
		opts:      opts,
		log:       opts.Logger,
		rlog:      busutil.NewRateLog(opts.Logger, time.Second),
		fan:       busutil.NewFanout[[]byte](opts.SubscriptionQueue, opts.Logger),
		pool:      pool,
		lcfg:      cc.Copy(),
		table:     opts.TableName,
		out:       make(chan outMsg, opts.MaxInFlight),
		slots:     make(chan struct{}, opts.MaxInFlight),
		stop:      make(chan struct{}),
		listens:   make(map[string]int),
		listenedC: make(chan struct{}),
	}
	b.stopCtx, b.cancel = context.WithCancel(context.Background())
	if !opts.SkipCreateTable {
		if err := b.createTable(ctx); err != nil {
			b.log.Warn("sio/pgq: cannot create the attachment table", "table", b.table, "err", err)
		}
	}
	b.wg.Add(2)
	go b.write()
	go b.clean()
	if !opts.WriteOnly {
		conn, err := pgx.ConnectConfig(ctx, b.lcfg)
		if err != nil {
			b.cancel()
			close(b.stop)
			b.wg.Wait()
			pool.Close()
			return nil, fmt.Errorf("sio/pgq: connecting to %s: %w", redact(cc), err)
		}
		b.connected.Store(true)
		b.wg.Add(1)
		go b.listen(conn)
	}
	return b, nil
}

// Pool returns the bus's connection pool (publishing, attachments).
func (b *Bus) Pool() *pgxpool.Pool { return b.pool }

// Connected reports whether the bus's listening connection is up (a
// write-only bus: whether the server answers a ping).
func (b *Bus) Connected() bool {
	if b.opts.WriteOnly {
		ctx, cancel := context.WithTimeout(b.stopCtx, time.Second)
		defer cancel()
		return b.pool.Ping(ctx) == nil
	}
	return b.connected.Load()
}

// Dropped returns the number of messages dropped: Publish calls beyond
// Options.MaxInFlight, and received messages dropped for a full
// subscription queue.
func (b *Bus) Dropped() uint64 { return b.dropped.Load() + b.fan.Dropped() }

// Publish implements queue.Bus: it queues msg for the bus's writer and
// returns; the writer sends it with pg_notify, or through the attachment
// table (see the package documentation). While the server is unreachable
// the queued messages fail one by one (logged); a Publish while
// Options.MaxInFlight messages wait is dropped with ErrDropped.
func (b *Bus) Publish(_ context.Context, channel string, msg []byte) error {
	pg, _, err := Channel(channel)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return queue.ErrClosed
	}
	select {
	case b.slots <- struct{}{}:
		b.out <- outMsg{channel: pg, msg: msg} // never blocks: out holds as many as slots
		return nil
	default:
		n := b.dropped.Add(1)
		b.rlog.Warn("sio/pgq: too many messages waiting to be sent, message dropped", "channel", pg, "dropped_total", n)
		err := fmt.Errorf("%w (channel %s)", ErrDropped, pg)
		b.publishError(err)
		return err
	}
}

// InFlight returns the number of messages queued or being sent.
func (b *Bus) InFlight() int { return len(b.slots) }

// maxBatch bounds the messages the writer sends in one round trip.
const maxBatch = 64

// write sends the queued messages, in order, until Close: what is queued
// goes in one round trip (a pipeline with one transaction per message,
// so no two are merged), an attachment on its own.
func (b *Bus) write() {
	defer b.wg.Done()
	batch := make([]outMsg, 0, maxBatch)
	for {
		select {
		case <-b.stop:
			b.flush()
			return
		case m := <-b.out:
			batch = append(batch[:0], m)
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case m := <-b.out:
				batch = append(batch, m)
			default:
				break fill
			}
		}
		b.sendAll(batch)
		for range batch {
			<-b.slots
		}
		clear(batch) // drop the references to the messages
	}
}

// flush sends what was queued before Close, within a bound.
func (b *Bus) flush() {
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		select {
		case m := <-b.out:
			b.sendAll([]outMsg{m})
			<-b.slots
		default:
			return
		}
	}
}

// sendAll sends msgs in order: the runs of direct ones in a pipeline each,
// the attached ones one by one.
func (b *Bus) sendAll(msgs []outMsg) {
	for len(msgs) > 0 {
		n := 0
		for n < len(msgs) && b.direct(msgs[n].msg) {
			n++
		}
		if n == 0 {
			b.send(msgs[0])
			msgs = msgs[1:]
			continue
		}
		if n == 1 {
			b.send(msgs[0])
		} else {
			b.notifyAll(msgs[:n])
		}
		msgs = msgs[n:]
	}
}

// send sends one message.
func (b *Bus) send(m outMsg) {
	ctx, cancel := context.WithTimeout(context.Background(), b.lcfg.ConnectTimeout+5*time.Second)
	defer cancel()
	var err error
	if b.direct(m.msg) {
		_, err = b.pool.Exec(ctx, "SELECT pg_notify($1, $2)", m.channel, string(m.msg))
	} else {
		err = b.sendAttached(ctx, m)
	}
	if err != nil {
		b.rlog.Warn("sio/pgq: cannot send a message, dropped", "channel", m.channel, "len", len(m.msg), "err", err)
		b.publishError(err)
	}
}

// publishError calls Options.OnPublishError.
func (b *Bus) publishError(err error) {
	if b.opts.OnPublishError != nil {
		b.opts.OnPublishError(err)
	}
}

// notifyAll sends direct messages in one round trip: a pipeline with a
// synchronisation point after each, so each is its own transaction (a
// transaction would merge identical notifications, and one failure would
// undo the others).
func (b *Bus) notifyAll(msgs []outMsg) {
	ctx, cancel := context.WithTimeout(context.Background(), b.lcfg.ConnectTimeout+5*time.Second)
	defer cancel()
	fail := func(n int, err error) {
		b.rlog.Warn("sio/pgq: cannot send messages, dropped", "messages", n, "err", err)
		for range n {
			b.publishError(err)
		}
	}
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		fail(len(msgs), err)
		return
	}
	defer conn.Release()
	p := conn.Conn().PgConn().StartPipeline(ctx)
	for _, m := range msgs {
		p.SendQueryParams("SELECT pg_notify($1, $2)", [][]byte{[]byte(m.channel), m.msg}, nil, nil, nil)
		p.SendPipelineSync()
	}
	if err := p.Flush(); err != nil {
		fail(len(msgs), err)
		_ = p.Close()
		return
	}
	failed := 0
	var last error
	for range msgs {
		res, err := p.GetResults()
		if rr, ok := res.(*pgconn.ResultReader); ok {
			_, err = rr.Close()
		}
		if err != nil {
			failed, last = failed+1, err
		}
		if _, err := p.GetResults(); err != nil { // the synchronisation point
			failed, last = len(msgs), err
			break
		}
	}
	if err := p.Close(); err != nil && last == nil {
		failed, last = len(msgs), err
	}
	if failed > 0 {
		fail(failed, last)
	}
}

// Subscribe implements queue.Bus: the bus LISTENs to the channel's
// PostgreSQL channel on its listening connection and returns once it
// does (or, while that connection is down, at once: it LISTENs again when
// it reconnects). A subscription to a reply channel ("<prefix>#N#<uid>#")
// receives nothing: the replies come on the namespace's channel, as
// Node.js sends them. The subscriptions of one delivery group
// (queue.WithDeliveryGroup) share one goroutine, in the order of the
// notifications.
func (b *Bus) Subscribe(ctx context.Context, channel string, fn func(msg []byte)) (func(), error) {
	if b.opts.WriteOnly {
		return nil, ErrWriteOnly
	}
	pg, isReply, err := Channel(channel)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, queue.ErrClosed
	}
	b.mu.Unlock()
	if isReply {
		return func() {}, nil
	}
	unsub, _, ok := b.fan.AddGroup(pg, queue.DeliveryGroup(ctx), fn)
	if !ok {
		return nil, queue.ErrClosed
	}
	b.mu.Lock()
	b.listens[pg]++
	b.version++
	v, interrupt := b.version, b.waitCancel
	b.mu.Unlock()
	if interrupt != nil {
		interrupt()
	}
	var once sync.Once
	unsubscribe := func() {
		once.Do(func() {
			unsub()
			b.unlisten(pg)
		})
	}
	if err := b.awaitListen(ctx, v); err != nil {
		unsubscribe()
		return nil, err
	}
	return unsubscribe, nil
}

// awaitListen waits until the listening connection has the LISTENs of
// version v, ctx ends or the connection is down.
func (b *Bus) awaitListen(ctx context.Context, v uint64) error {
	for {
		b.mu.Lock()
		done, changed, closed := b.listened >= v, b.listenedC, b.closed
		b.mu.Unlock()
		switch {
		case done:
			return nil
		case closed:
			return queue.ErrClosed
		case !b.connected.Load():
			return nil // it LISTENs when it reconnects
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("sio/pgq: waiting for LISTEN: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond): // to notice a lost connection
		}
	}
}

// unlisten drops one subscription's interest in a PostgreSQL channel.
func (b *Bus) unlisten(pg string) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	if b.listens[pg]--; b.listens[pg] <= 0 {
		delete(b.listens, pg)
		b.version++
	}
	interrupt := b.waitCancel
	b.mu.Unlock()
	if interrupt != nil {
		interrupt()
	}
}

// Close implements queue.Bus: it stops the subscriptions, sends what is
// queued (for a second at most), closes the connections and waits for
// the running callbacks, so it must not be called from one.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	interrupt := b.waitCancel
	b.mu.Unlock()
	close(b.stop)
	b.cancel()
	if interrupt != nil {
		interrupt()
	}
	b.fan.Close()
	b.wg.Wait()
	b.pool.Close()
	return nil
}

// redact describes a connection configuration without its password.
func redact(cc *pgx.ConnConfig) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cc.User, cc.Host, cc.Port, cc.Database)
}

var _ queue.Bus = (*Bus)(nil)
