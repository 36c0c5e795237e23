package natsq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
)

// Defaults applied to zero JetStreamOptions fields.
const (
	DefaultStream         = "SIO_LOG"
	DefaultLogSubject     = "sio~log"
	DefaultLogMaxAge      = 5 * time.Minute
	DefaultLogPerChannel  = 10000
	DefaultSessionBucket  = "sio_sessions"
	DefaultSessionMaxAge  = core.DefaultMaxDisconnectionDuration
	defaultJetStreamWait  = 5 * time.Second
	defaultReadLogBatch   = 256
	minSessionRecordBytes = 8
)

// ErrNotConnected is wrapped by the error of an Append while the
// connection is down: a log entry needs the server's acknowledgement, so
// it is not buffered; the message is dropped (the manager logs it and
// still delivers the broadcast to its own clients, without an offset).
var ErrNotConnected = errors.New("sio/natsq: not connected to the server, log entry dropped")

// JetStreamOptions configures the JetStream parts of a JetStreamBus. The
// zero value of every field means the documented default.
type JetStreamOptions struct {
	// Stream is the name of the stream holding the logs; the bus creates
	// it, or updates its configuration, when it starts. Every server of a
	// cluster names the same stream. Zero: "SIO_LOG".
	Stream string
	// LogSubject is the first token of the log subjects: the log of a
	// channel is LogSubject + "." + Subject(channel), and the stream takes
	// LogSubject + ".>". The default cannot be the first token of a
	// channel's subject (Subject never writes '~' before a letter other
	// than A to F). Zero: "sio~log".
	LogSubject string
	// MaxAge is how long the stream keeps an entry: at least the servers'
	// core.RecoveryOptions.MaxDisconnectionDuration, or a client that
	// comes back late misses the oldest packets (it then gets a new
	// session, as Node.js does). Zero: 5 minutes.
	MaxAge time.Duration
	// PerChannel bounds the entries the stream keeps for each channel
	// (namespace); the oldest go first. Zero: 10000.
	PerChannel int64
	// Memory keeps the stream and the sessions in the server's memory
	// instead of its files: faster, but a server restart loses them.
	Memory bool
	// Replicas is the number of copies of the stream and the sessions in
	// a clustered JetStream. Zero: 1.
	Replicas int
	// SessionBucket is the key-value bucket of the sessions of
	// disconnected sockets; the bus creates it when it starts. Zero:
	// "sio_sessions".
	SessionBucket string
	// SessionMaxAge is the bucket's age limit: at least the servers'
	// MaxDisconnectionDuration (a session saved for longer is kept for
	// SessionMaxAge only, and the bus logs it). Zero: 2 minutes, the
	// default MaxDisconnectionDuration.
	SessionMaxAge time.Duration
}

func (o JetStreamOptions) withDefaults() JetStreamOptions {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.LogSubject == "" {
		o.LogSubject = DefaultLogSubject
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultLogMaxAge
	}
	if o.PerChannel <= 0 {
		o.PerChannel = DefaultLogPerChannel
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.SessionBucket == "" {
		o.SessionBucket = DefaultSessionBucket
	}
	if o.SessionMaxAge <= 0 {
		o.SessionMaxAge = DefaultSessionMaxAge
	}
	return o
}

// JetStreamBus is a Bus that also keeps a log of each channel in a
// JetStream stream (queue.LogBus: the offsets are stream sequence numbers)
// and the sessions of disconnected sockets in a JetStream key-value bucket
// (queue.SessionStore), so that a client recovers its connection state on
// whichever server it reconnects to. Requests, replies and heartbeats go
// through core NATS, as on a Bus.
type JetStreamBus struct {
	*Bus
	js       jetstream.JetStream
	stream   jetstream.Stream
	sessions jetstream.KeyValue
	jopts    JetStreamOptions
	longTTL  atomic.Bool // a session outlived the bucket's age limit (logged once)

	logMu   sync.Mutex // guards logSubs
	logSubs map[*logSub]struct{}
}

// logSub is one SubscribeLog.
type logSub struct {
	cons    jetstream.Consumer
	cc      jetstream.ConsumeContext
	stopped atomic.Bool
}

// NewJetStream connects to the NATS servers of url as New does, creates
// (or updates) the stream and the session bucket of jopts, and returns
// the bus. The servers need JetStream enabled (nats-server -js).
func NewJetStream(url string, opts Options, jopts JetStreamOptions) (*JetStreamBus, error) {
	b, err := New(url, opts)
	if err != nil {
		return nil, err
	}
	jb, err := newJetStream(b, jopts)
	if err != nil {
		_ = b.Close()
		return nil, err
	}
	return jb, nil
}

// NewJetStreamWithConn is NewJetStream on a connection the caller made
// and still owns (see NewWithConn).
func NewJetStreamWithConn(nc *nats.Conn, opts Options, jopts JetStreamOptions) (*JetStreamBus, error) {
	return newJetStream(NewWithConn(nc, opts), jopts)
}

func newJetStream(b *Bus, jopts JetStreamOptions) (*JetStreamBus, error) {
	jopts = jopts.withDefaults()
	js, err := jetstream.New(b.nc)
	if err != nil {
		return nil, fmt.Errorf("sio/natsq: JetStream: %w", err)
	}
	storage := jetstream.FileStorage
	if jopts.Memory {
		storage = jetstream.MemoryStorage
	}
	ctx, cancel := context.WithTimeout(context.Background(), defaultJetStreamWait)
	defer cancel()
	stream, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              jopts.Stream,
		Description:       "sio: the broadcasts and room changes of each namespace, for connection state recovery",
		Subjects:          []string{jopts.LogSubject + ".>"},
		Retention:         jetstream.LimitsPolicy,
		Discard:           jetstream.DiscardOld,
		MaxAge:            jopts.MaxAge,
		MaxMsgsPerSubject: jopts.PerChannel,
		Storage:           storage,
		Replicas:          jopts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("sio/natsq: creating the stream %s: %w", jopts.Stream, err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      jopts.SessionBucket,
		Description: "sio: the sessions of disconnected sockets, for connection state recovery",
		TTL:         jopts.SessionMaxAge,
		Storage:     storage,
		Replicas:    jopts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("sio/natsq: creating the key-value bucket %s: %w", jopts.SessionBucket, err)
	}
	return &JetStreamBus{Bus: b, js: js, stream: stream, sessions: kv, jopts: jopts, logSubs: make(map[*logSub]struct{})}, nil
}

// JetStream returns the bus's JetStream context.
func (b *JetStreamBus) JetStream() jetstream.JetStream { return b.js }

// LogSubject returns the subject of channel's log.
func (b *JetStreamBus) LogSubject(channel string) (string, error) {
	s, err := Subject(channel)
	if err != nil {
		return "", err
	}
	return b.jopts.LogSubject + "." + s, nil
}

// Append implements queue.LogBus: it stores msg in the stream and returns
// its sequence number. It waits for the server's acknowledgement (within
// ctx); while the connection is down it fails at once with an error
// wrapping ErrNotConnected.
func (b *JetStreamBus) Append(ctx context.Context, channel string, msg []byte) (string, error) {
	subject, err := b.LogSubject(channel)
	if err != nil {
		return "", err
	}
	if b.isClosed() {
		return "", queue.ErrClosed
	}
	if !b.nc.IsConnected() {
		n := b.dropped.Add(1)
		b.rlog.Warn("sio/natsq: not connected, log entry dropped", "subject", subject, "dropped_total", n)
		return "", b.publishError(fmt.Errorf("%w (subject %s)", ErrNotConnected, subject))
	}
	ack, err := b.js.Publish(ctx, subject, msg)
	if err != nil {
		return "", b.publishError(fmt.Errorf("sio/natsq: appending to %s: %w", subject, err))
	}
	return strconv.FormatUint(ack.Sequence, 10), nil
}

// SubscribeLog implements queue.LogBus with an ordered consumer of the
// channel's log subject, from the entry after the stream's last one: after
// a reconnection (or any gap) the client recreates it from the entry after
// the last one delivered.
func (b *JetStreamBus) SubscribeLog(ctx context.Context, channel string, fn func(offset string, msg []byte)) (func(), error) {
	subject, err := b.LogSubject(channel)
	if err != nil {
		return nil, err
	}
	if b.isClosed() {
		return nil, queue.ErrClosed
	}
	ctx, cancel := withWait(ctx)
	defer cancel()
	info, err := b.stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("sio/natsq: reading the stream %s: %w", b.jopts.Stream, err)
	}
	cons, err := b.js.OrderedConsumer(ctx, b.jopts.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{subject},
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       info.State.LastSeq + 1,
		InactiveThreshold: consumerInactive,
	})
	if err != nil {
		return nil, fmt.Errorf("sio/natsq: consuming %s: %w", subject, err)
	}
	s := &logSub{cons: cons}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			b.rlog.Warn("sio/natsq: log entry without metadata, dropped", "subject", subject, "err", err)
			return
		}
		data := m.Data()
		b.deliverFunc(&s.stopped, func() { fn(strconv.FormatUint(md.Sequence.Stream, 10), data) })
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		if !s.stopped.Load() {
			b.rlog.Warn("sio/natsq: log consumer: "+err.Error(), "subject", subject)
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("sio/natsq: consuming %s: %w", subject, err)
	}
	s.cc = cc
	b.logMu.Lock()
	if b.logSubs == nil { // closed meanwhile
		b.logMu.Unlock()
		s.stopped.Store(true)
		cc.Stop()
		return nil, queue.ErrClosed
	}
	b.logSubs[s] = struct{}{}
	b.logMu.Unlock()
	return func() { b.stopLog(s) }, nil
}

func (b *JetStreamBus) stopLog(s *logSub) {
	if s.stopped.Swap(true) {
		return
	}
	b.logMu.Lock()
	delete(b.logSubs, s)
	b.logMu.Unlock()
	s.cc.Stop()
	b.deleteConsumer(s.cons)
}

// consumerInactive is how long the server keeps a consumer nobody reads
// (a bus that went away without deleting its consumers).
const consumerInactive = 30 * time.Second

// deleteConsumer deletes an ordered consumer's current consumer from the
// server (which would drop it after consumerInactive anyway).
func (b *JetStreamBus) deleteConsumer(cons jetstream.Consumer) {
	info := cons.CachedInfo()
	if info == nil || !b.nc.IsConnected() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = b.js.DeleteConsumer(ctx, b.jopts.Stream, info.Name)
}

// ReadLog implements queue.LogBus: the entries of channel's log after the
// one at offset, read with a consumer of their own up to the last entry
// of the log when ReadLog starts. An offset that is not the sequence
// number of an entry of channel's log still in the stream fails with an
// error wrapping queue.ErrUnknownOffset.
func (b *JetStreamBus) ReadLog(ctx context.Context, channel, offset string, fn func(offset string, msg []byte) bool) error {
	subject, err := b.LogSubject(channel)
	if err != nil {
		return err
	}
	seq, err := strconv.ParseUint(offset, 10, 64)
	if err != nil || seq == 0 {
		return fmt.Errorf("%w: %q", queue.ErrUnknownOffset, offset)
	}
	ctx, cancel := withWait(ctx)
	defer cancel()
	at, err := b.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) || err == nil && at.Subject != subject {
		return fmt.Errorf("%w: %q", queue.ErrUnknownOffset, offset)
	}
	if err != nil {
		return fmt.Errorf("sio/natsq: reading %s: %w", subject, err)
	}
	last, err := b.stream.GetLastMsgForSubject(ctx, subject)
	if err != nil {
		return fmt.Errorf("sio/natsq: reading %s: %w", subject, err)
	}
	if last.Sequence <= seq {
		return nil
	}
	cons, err := b.js.OrderedConsumer(ctx, b.jopts.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{subject},
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       seq + 1,
		InactiveThreshold: consumerInactive,
	})
	if err != nil {
		return fmt.Errorf("sio/natsq: reading %s: %w", subject, err)
	}
	defer b.deleteConsumer(cons)
	for {
		batch, err := cons.FetchNoWait(defaultReadLogBatch)
		if err != nil {
			return fmt.Errorf("sio/natsq: reading %s: %w", subject, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				drain(batch)
				return fmt.Errorf("sio/natsq: reading %s: %w", subject, err)
			}
			if !fn(strconv.FormatUint(md.Sequence.Stream, 10), m.Data()) || md.Sequence.Stream >= last.Sequence {
				drain(batch)
				return nil
			}
		}
		if err := batch.Error(); err != nil {
			return fmt.Errorf("sio/natsq: reading %s: %w", subject, err)
		}
		if n == 0 { // the rest is gone (the stream's limits)
			return nil
		}
	}
}

// drain reads the rest of a fetched batch.
func drain(batch jetstream.MessageBatch) {
	for range batch.Messages() {
	}
}

// withWait bounds ctx by the default JetStream wait when it has no
// deadline.
func withWait(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, defaultJetStreamWait)
}

// Close implements queue.Bus: it stops the log consumers, then closes the
// Bus.
func (b *JetStreamBus) Close() error {
	b.logMu.Lock()
	subs := b.logSubs
	b.logSubs = nil
	b.logMu.Unlock()
	for s := range subs {
		s.stopped.Store(true)
		s.cc.Stop()
		b.deleteConsumer(s.cons)
	}
	return b.Bus.Close()
}

var (
	_ queue.LogBus       = (*JetStreamBus)(nil)
	_ queue.SessionStore = (*JetStreamBus)(nil)
)
