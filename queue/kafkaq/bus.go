package kafkaq

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/busutil"
)

// Errors of a Bus; test with errors.Is.
var (
	// ErrInFlight: Options.MaxInFlight records await the broker's
	// acknowledgement; the message was not sent.
	ErrInFlight = errors.New("sio/kafkaq: too many unacknowledged records, message dropped")
	// ErrWriteOnly is returned by Subscribe on a write-only bus.
	ErrWriteOnly = errors.New("sio/kafkaq: the bus is write-only")
)

// Bus is a queue.Bus over Kafka (with github.com/twmb/franz-go). See the
// package documentation for the topics, records and consumption it uses.
type Bus struct {
	opts  Options
	base  []kgo.Opt // connection options shared by the clients
	log   *slog.Logger
	rlog  *busutil.RateLog
	fan   *busutil.Fanout[[]byte]
	prod  *kgo.Client
	adm   *kadm.Client
	slots chan struct{}
	health

	logFan *busutil.Fanout[logEntry] // a LogBus's log subscriptions; or nil
	sess   *sessionTable             // a LogBus's sessions; or nil

	closed  atomic.Bool
	created sync.Map   // topic → struct{}: known to exist
	subMu   sync.Mutex // serialises the start of a topic's consumption

	mu       sync.Mutex // guards the fields below
	cons     *kgo.Client
	topics   map[string]bool
	assigned map[string]chan struct{}        // group mode: closed when the topic is assigned
	starts   map[string]map[int32]kgo.Offset // group mode: where a partition without a commit starts
	pollDone chan struct{}
}

// health tracks the broker connections for the logs.
type health struct {
	down      atomic.Bool
	downSince atomic.Int64
}

// New returns a bus on the Kafka cluster at url: kafka://host:port, with
// several brokers separated by commas, kafkas:// for TLS, credentials for
// SASL (see the package documentation). It fails when no broker answers.
func New(url string, opts Options) (*Bus, error) {
	opts = opts.withDefaults()
	base, err := opts.clientOptions(url)
	if err != nil {
		return nil, err
	}
	b := &Bus{
		opts:     opts,
		log:      opts.Logger,
		rlog:     busutil.NewRateLog(opts.Logger, time.Second),
		fan:      busutil.NewFanout[[]byte](opts.SubscriptionQueue, opts.Logger),
		slots:    make(chan struct{}, opts.MaxInFlight),
		topics:   make(map[string]bool),
		assigned: make(map[string]chan struct{}),
		starts:   make(map[string]map[int32]kgo.Offset),
	}
	base = append(base, kgo.WithHooks(hooks{b}), kgo.RetryBackoffFn(func(n int) time.Duration {
		return min(100*time.Millisecond<<min(n, 5), time.Second)
	}), kgo.MetadataMinAge(250*time.Millisecond))
	b.base = base
	popts := []kgo.Opt{
		kgo.RecordDeliveryTimeout(opts.DeliveryTimeout),
		kgo.ProducerLinger(0),
		kgo.MaxBufferedRecords(opts.MaxInFlight + 1),
		kgo.UnknownTopicRetries(-1),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(namespaceHasher)),
	}
	switch opts.Acks {
	case AcksLeader:
		popts = append(popts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case AcksNone:
		popts = append(popts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	}
	prod, err := kgo.NewClient(b.clientOpts(popts...)...)
	if err != nil {
		return nil, fmt.Errorf("sio/kafkaq: %s: %w", redact(url), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := prod.Ping(ctx); err != nil {
		prod.Close()
		return nil, fmt.Errorf("sio/kafkaq: connecting to %s: %w", redact(url), err)
	}
	b.prod = prod
	b.adm = kadm.NewClient(prod)
	return b, nil
}

// TopicOf returns the topic of a channel: the channel's name up to its
// first '#' (the manager's channel prefix, "socket.io" for
// "socket.io#/#"), or the whole name when it has none (python-socketio's
// "socketio"), with each character Kafka does not allow in topic names
// (other than ASCII letters, digits, '.', '_' and '-') replaced by '_'.
func TopicOf(channel string) string {
	if i := strings.IndexByte(channel, '#'); i >= 0 {
		channel = channel[:i]
	}
	var sb strings.Builder
	for _, r := range channel {
		if r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			sb.WriteRune(r)
		} else {
			sb.WriteByte('_')
		}
	}
	s := sb.String()
	if s == "" || s == "." || s == ".." {
		s = "_" + s
	}
	return s[:min(len(s), 249)]
}

// namespaceHasher picks a record's partition from the namespace part of
// its key ("<prefix>#<nsp>#" of "<prefix>#<nsp>#<room or uid>#"), so that
// every channel of a namespace is in one partition and one server's
// messages on them keep their order (FNV-1a).
func namespaceHasher(key []byte, n int) int {
	end := len(key)
	if i := bytes.IndexByte(key, '#'); i >= 0 {
		if j := bytes.IndexByte(key[i+1:], '#'); j >= 0 {
			end = i + 1 + j + 1
		}
	}
	h := uint32(2166136261)
	for _, c := range key[:end] {
		h ^= uint32(c)
		h *= 16777619
	}
	return int(h&0x7fffffff) % n
}

// Connected reports whether the bus reaches the brokers: false from a
// failed connection attempt until the next one that succeeds.
func (b *Bus) Connected() bool { return !b.down.Load() }

// InFlight returns the number of records awaiting the broker's
// acknowledgement.
func (b *Bus) InFlight() int { return len(b.slots) }

// Dropped returns the number of received messages dropped because a
// subscription's queue was full.
func (b *Bus) Dropped() uint64 { return b.fan.Dropped() }

// Publish implements queue.Bus: it produces msg to the channel's topic
// with the channel as record key (so one channel's records keep their
// order in one partition) and returns once the record is buffered; the
// broker's acknowledgement is awaited in the background (MaxInFlight at
// most), and a record not acknowledged within Options.DeliveryTimeout is
// logged and given up.
func (b *Bus) Publish(ctx context.Context, channel string, msg []byte) error {
	if b.closed.Load() {
		return queue.ErrClosed
	}
	select {
	case b.slots <- struct{}{}:
	default:
		b.rlog.Warn("sio/kafkaq: unacknowledged records at the bound, dropping published messages",
			"channel", channel, "max_in_flight", b.opts.MaxInFlight)
		return b.publishError(fmt.Errorf("%w (%d)", ErrInFlight, b.opts.MaxInFlight))
	}
	topic := TopicOf(channel)
	if _, ok := b.created.Load(topic); !ok {
		if err := b.createTopic(ctx, topic); err != nil {
			<-b.slots
			b.rlog.Warn("sio/kafkaq: cannot create the topic", "topic", topic, "err", err)
			return b.publishError(err)
		}
	}
	r := &kgo.Record{Topic: topic, Key: []byte(channel), Value: msg}
	b.prod.Produce(context.WithoutCancel(ctx), r, func(r *kgo.Record, err error) {
		if err != nil && !errors.Is(err, kgo.ErrClientClosed) {
			b.rlog.Warn("sio/kafkaq: a record was not delivered", "topic", r.Topic, "err", err)
			b.publishError(err)
		}
		<-b.slots // after the report: InFlight() == 0 means every one is made
	})
	return nil
}

// publishError calls Options.OnPublishError with err and returns it.
func (b *Bus) publishError(err error) error {
	if b.opts.OnPublishError != nil {
		b.opts.OnPublishError(err)
	}
	return err
}

// Subscribe implements queue.Bus: it creates the channel's topic when it
// is missing and, the first time the topic is needed, starts reading
// every partition from the current end (the offsets are listed before
// Subscribe returns, so every later message is read), or joins the
// topic with the node's group (its partitions without a committed offset
// start at the ends listed first).
func (b *Bus) Subscribe(ctx context.Context, channel string, fn func(msg []byte)) (func(), error) {
	if b.opts.WriteOnly {
		return nil, ErrWriteOnly
	}
	topic := TopicOf(channel)
	unsub, _, ok := b.fan.AddGroup(channel, queue.DeliveryGroup(ctx), fn)
	if !ok {
		return nil, queue.ErrClosed
	}
	if err := b.consume(ctx, topic, false); err != nil {
		unsub()
		return nil, err
	}
	return unsub, nil
}

// consume makes the bus read topic from its end (with fromStart, from its
// start).
func (b *Bus) consume(ctx context.Context, topic string, fromStart bool) error {
	b.subMu.Lock()
	defer b.subMu.Unlock()
	b.mu.Lock()
	known := b.topics[topic]
	b.mu.Unlock()
	if known {
		return nil
	}
	if err := b.createTopic(ctx, topic); err != nil {
		return err
	}
	ends, err := b.offsets(ctx, topic, fromStart)
	if err != nil {
		return err
	}
	if b.opts.Group != "" {
		return b.consumeGroup(ctx, topic, ends[topic])
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return queue.ErrClosed
	}
	if b.cons == nil {
		cons, err := kgo.NewClient(b.clientOpts(
			kgo.ConsumePartitions(ends),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()),
			kgo.FetchMaxWait(time.Second))...)
		if err != nil {
			return fmt.Errorf("sio/kafkaq: consumer: %w", err)
		}
		b.startPolling(cons)
	} else {
		b.cons.AddConsumePartitions(ends)
	}
	b.topics[topic] = true
	return nil
}

// consumeGroup joins topic with the node's group and waits until the
// group assigns it. A partition of topic without a committed offset
// starts at its offset in ends, listed before (see startOffsets).
func (b *Bus) consumeGroup(ctx context.Context, topic string, ends map[int32]kgo.Offset) error {
	ready := make(chan struct{})
	b.mu.Lock()
	if b.closed.Load() {
		b.mu.Unlock()
		return queue.ErrClosed
	}
	b.assigned[topic] = ready
	b.starts[topic] = ends
	if b.cons == nil {
		cons, err := kgo.NewClient(b.clientOpts(
			kgo.ConsumerGroup(b.opts.Group),
			kgo.ConsumeTopics(topic),
			kgo.ConsumeStartOffset(groupStart),
			kgo.ConsumeResetOffset(kgo.NewOffset().AfterMilli(time.Now().UnixMilli())),
			kgo.FetchMaxWait(time.Second),
			kgo.AdjustFetchOffsetsFn(b.startOffsets),
			kgo.OnPartitionsAssigned(b.onAssigned))...)
		if err != nil {
			delete(b.assigned, topic)
			delete(b.starts, topic)
			b.mu.Unlock()
			return fmt.Errorf("sio/kafkaq: consumer: %w", err)
		}
		b.startPolling(cons)
	} else {
		b.cons.AddConsumeTopics(topic)
	}
	b.topics[topic] = true
	b.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sio/kafkaq: waiting for group %q to assign topic %q: %w", b.opts.Group, topic, ctx.Err())
	}
}

// groupStart is the group consumer's start offset, which franz-go gives
// the assigned partitions without a committed offset; startOffsets
// replaces it.
var groupStart = kgo.NewOffset().AtStart()

// startOffsets is the group consumer's AdjustFetchOffsetsFn: offsets are
// the newly assigned partitions' committed offsets, or groupStart for
// those without one. These start at the end listed when their topic was
// first subscribed, as a bus without a group does: every record
// published after Subscribe returned is at or after it. (Were franz-go to
// list a start by time or at the end itself, it would do so after the
// assignment, so after Subscribe returned, and by time in two requests,
// the time and then the end, skipping a record stored between the two.)
// A partition the listing did not know, created after it, starts at its
// start.
func (b *Bus) startOffsets(_ context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for topic, parts := range offsets {
		for p, o := range parts {
			if s, ok := b.starts[topic][p]; ok && o == groupStart {
				parts[p] = s
			}
		}
	}
	return offsets, nil
}

func (b *Bus) onAssigned(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for topic := range assigned {
		if ch := b.assigned[topic]; ch != nil {
			close(ch)
			delete(b.assigned, topic)
		}
	}
}

// clientOpts returns the options of a client: the connection options,
// then opts, then Options.ClientOptions.
func (b *Bus) clientOpts(opts ...kgo.Opt) []kgo.Opt {
	all := append(append([]kgo.Opt{}, b.base...), opts...)
	return append(all, b.opts.ClientOptions...)
}

// createTopic creates topic unless it exists (once per topic).
func (b *Bus) createTopic(ctx context.Context, topic string) error {
	_, err := b.adm.CreateTopic(ctx, b.opts.Partitions, b.opts.ReplicationFactor, nil, topic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("sio/kafkaq: creating topic %q: %w", topic, err)
	}
	b.created.Store(topic, struct{}{})
	return nil
}

// offsets lists the end (or with start, the start) offset of every
// partition of topic, retrying while a new topic's partitions become
// known.
func (b *Bus) offsets(ctx context.Context, topic string, start bool) (map[string]map[int32]kgo.Offset, error) {
	list := b.adm.ListEndOffsets
	if start {
		list = b.adm.ListStartOffsets
	}
	for {
		l, err := list(ctx, topic)
		if err == nil {
			err = l.Error()
		}
		if err == nil && len(l[topic]) > 0 {
			return l.KOffsets(), nil
		}
		if err == nil {
			err = kerr.UnknownTopicOrPartition
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("sio/kafkaq: listing the offsets of %q: %w (last: %v)", topic, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// startPolling runs the consumer cons (b.mu held).
func (b *Bus) startPolling(cons *kgo.Client) {
	b.cons = cons
	done := make(chan struct{})
	b.pollDone = done
	go func() {
		defer close(done)
		for {
			fetches := cons.PollFetches(context.Background())
			if fetches.IsClientClosed() {
				return
			}
			fetches.EachError(func(topic string, p int32, err error) {
				b.rlog.Warn("sio/kafkaq: fetch failed", "topic", topic, "partition", p, "err", err)
			})
			fetches.EachRecord(b.route)
		}
	}()
}

// route hands a consumed record to its subscriptions.
func (b *Bus) route(r *kgo.Record) {
	if b.sess != nil && r.Topic == b.sess.topic {
		b.sess.apply(r)
		return
	}
	ch := r.Topic
	if len(r.Key) > 0 {
		ch = string(r.Key)
	}
	if b.logFan != nil && isLogRecord(r) {
		b.logFan.Deliver(ch, logEntry{offset: formatOffset(r.Partition, r.Offset), msg: r.Value})
		return
	}
	b.fan.Deliver(ch, r.Value)
}

// Close implements queue.Bus: it waits (up to DeliveryTimeout) for the
// buffered records, closes the clients (a group member leaves its group)
// and ends every subscription; no callback runs after it returns.
func (b *Bus) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	b.subMu.Lock() // no consumer is being started
	b.mu.Lock()
	cons, done := b.cons, b.pollDone
	b.mu.Unlock()
	b.subMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), b.opts.DeliveryTimeout)
	if err := b.prod.Flush(ctx); err != nil {
		b.log.Warn("sio/kafkaq: records not delivered at close", "count", b.prod.BufferedProduceRecords(), "err", err)
	}
	cancel()
	b.prod.Close()
	if cons != nil {
		cons.Close()
		<-done
	}
	b.fan.Close()
	if b.logFan != nil {
		b.logFan.Close()
	}
	return nil
}

// hooks logs the loss of broker connections and their return, and calls
// Options.OnReconnect.
type hooks struct{ b *Bus }

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (h hooks) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err != nil {
		if h.b.down.CompareAndSwap(false, true) {
			h.b.downSince.Store(time.Now().UnixNano())
			h.b.log.Warn("sio/kafkaq: broker unreachable, retrying", "broker", meta.NodeID, "host", meta.Host, "err", err)
		} else {
			h.b.rlog.Warn("sio/kafkaq: broker still unreachable", "broker", meta.NodeID, "host", meta.Host, "err", err)
		}
		return
	}
	if h.b.down.CompareAndSwap(true, false) {
		h.b.log.Info("sio/kafkaq: reconnected", "broker", meta.NodeID, "host", meta.Host,
			"after", time.Since(time.Unix(0, h.b.downSince.Load())).Round(time.Millisecond))
		if h.b.opts.OnReconnect != nil {
			h.b.opts.OnReconnect()
		}
	}
}

// OnBrokerDisconnect implements kgo.HookBrokerDisconnect.
func (h hooks) OnBrokerDisconnect(meta kgo.BrokerMetadata, _ net.Conn) {
	h.b.log.Debug("sio/kafkaq: broker connection closed", "broker", meta.NodeID, "host", meta.Host)
}

var (
	_ kgo.HookBrokerConnect    = hooks{}
	_ kgo.HookBrokerDisconnect = hooks{}
	_ queue.Bus                = (*Bus)(nil)
)
