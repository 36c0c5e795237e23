package kafkaq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/busutil"
)

// DefaultSessionTopic is the default topic of a LogBus's sessions.
const DefaultSessionTopic = "socket.io-sessions"

// logHeader marks the records of a channel's log (LogBus.Append).
const logHeader = "sio-log"

// LogOptions configures what a LogBus adds to a Bus.
type LogOptions struct {
	// SessionTopic is the topic of the disconnected sockets' sessions,
	// shared by every server of the cluster; the bus creates it with one
	// partition when it is missing. Zero: "socket.io-sessions".
	SessionTopic string
}

// LogBus is a Bus that is also a queue.LogBus and a queue.SessionStore: a
// manager on it recovers a client's session whichever server the client
// reconnects to (see package queue). A channel's log is its topic: the
// durable messages are records of the channel's topic too, marked by a
// header, and a broadcast's offset is its record's "<partition>-<offset>".
// The sessions are records of LogOptions.SessionTopic, read from its start
// by every server.
type LogBus struct {
	*Bus
}

// NewLogBus returns a LogBus on the Kafka cluster at url (see New). It
// reads the sessions topic from its start before it returns; it does not
// work with a consumer group (Options.Group).
func NewLogBus(url string, opts Options, lopts LogOptions) (*LogBus, error) {
	if opts.Group != "" {
		return nil, errors.New("sio/kafkaq: a LogBus reads its partitions directly (no Options.Group)")
	}
	if opts.WriteOnly {
		return nil, errors.New("sio/kafkaq: a LogBus is not write-only")
	}
	if lopts.SessionTopic == "" {
		lopts.SessionTopic = DefaultSessionTopic
	}
	b, err := New(url, opts)
	if err != nil {
		return nil, err
	}
	b.logFan = busutil.NewFanout[logEntry](b.opts.SubscriptionQueue, b.log)
	b.sess = newSessionTable(lopts.SessionTopic)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.adm.CreateTopic(ctx, 1, b.opts.ReplicationFactor, nil, b.sess.topic); err != nil && !isExists(err) {
		_ = b.Close()
		return nil, fmt.Errorf("sio/kafkaq: creating topic %q: %w", b.sess.topic, err)
	}
	b.created.Store(b.sess.topic, struct{}{})
	starts, err := b.offsets(ctx, b.sess.topic, true)
	if err != nil {
		_ = b.Close()
		return nil, err
	}
	if o, ok := starts[b.sess.topic][0]; ok {
		b.sess.pos = o.EpochOffset().Offset
	}
	if err := b.consume(ctx, b.sess.topic, true); err != nil {
		_ = b.Close()
		return nil, err
	}
	return &LogBus{Bus: b}, nil
}

// logEntry is a log record for a log subscription.
type logEntry struct {
	offset string
	msg    []byte
}

func formatOffset(partition int32, offset int64) string {
	return strconv.FormatInt(int64(partition), 10) + "-" + strconv.FormatInt(offset, 10)
}

func parseOffset(s string) (int32, int64, bool) {
	ps, os, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, false
	}
	p, err1 := strconv.ParseInt(ps, 10, 32)
	o, err2 := strconv.ParseInt(os, 10, 64)
	return int32(p), o, err1 == nil && err2 == nil && p >= 0 && o >= 0
}

func isLogRecord(r *kgo.Record) bool {
	for _, h := range r.Headers {
		if h.Key == logHeader {
			return true
		}
	}
	return false
}

// produceSync produces r and waits for the broker's acknowledgement.
func (b *Bus) produceSync(ctx context.Context, r *kgo.Record) (*kgo.Record, error) {
	if b.closed.Load() {
		return nil, queue.ErrClosed
	}
	done := make(chan error, 1)
	b.prod.Produce(context.WithoutCancel(ctx), r, func(_ *kgo.Record, err error) { done <- err })
	select {
	case err := <-done:
		return r, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Append implements queue.LogBus: it produces msg to the channel's topic
// (marked as a log record) and returns its offset once the broker has
// acknowledged it.
func (b *LogBus) Append(ctx context.Context, channel string, msg []byte) (string, error) {
	return b.appendLog(ctx, channel, msg)
}

func (b *Bus) appendLog(ctx context.Context, channel string, msg []byte) (string, error) {
	topic := TopicOf(channel)
	if _, ok := b.created.Load(topic); !ok {
		if err := b.createTopic(ctx, topic); err != nil {
			return "", b.publishError(err)
		}
	}
	r, err := b.produceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(channel), Value: msg,
		Headers: []kgo.RecordHeader{{Key: logHeader}}})
	if err != nil {
		err = fmt.Errorf("sio/kafkaq: appending to %q: %w", topic, err)
		if !errors.Is(err, queue.ErrClosed) && !errors.Is(err, kgo.ErrClientClosed) {
			b.publishError(err)
		}
		return "", err
	}
	return formatOffset(r.Partition, r.Offset), nil
}

// SubscribeLog implements queue.LogBus: like Subscribe, for the log
// records of the channel, with their offsets.
func (b *LogBus) SubscribeLog(ctx context.Context, channel string, fn func(offset string, msg []byte)) (func(), error) {
	unsub, _, ok := b.logFan.AddGroup(channel, queue.DeliveryGroup(ctx), func(e logEntry) { fn(e.offset, e.msg) })
	if !ok {
		return nil, queue.ErrClosed
	}
	if err := b.consume(ctx, TopicOf(channel), false); err != nil {
		unsub()
		return nil, err
	}
	return unsub, nil
}

// ReadLog implements queue.LogBus: it reads the partition of offset from
// the next record to the end the broker reports now, with a client of its
// own, and calls fn with the channel's log records. An offset the broker
// no longer keeps (retention) or never had wraps queue.ErrUnknownOffset.
func (b *LogBus) ReadLog(ctx context.Context, channel, offset string, fn func(offset string, msg []byte) bool) error {
	p, o, ok := parseOffset(offset)
	if !ok {
		return fmt.Errorf("%w: %q is not a Kafka offset of this bus", queue.ErrUnknownOffset, offset)
	}
	topic := TopicOf(channel)
	starts, err := b.adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return err
	}
	ends, err := b.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return err
	}
	start, ok1 := starts.Lookup(topic, p)
	end, ok2 := ends.Lookup(topic, p)
	if !ok1 || !ok2 || start.Err != nil || end.Err != nil || o+1 < start.Offset || o >= end.Offset {
		return fmt.Errorf("%w: %q", queue.ErrUnknownOffset, offset)
	}
	if o+1 == end.Offset {
		return nil
	}
	cl, err := kgo.NewClient(b.clientOpts(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {p: kgo.NewOffset().At(o + 1)}}),
		kgo.FetchMaxWait(100*time.Millisecond))...)
	if err != nil {
		return err
	}
	defer cl.Close()
	for {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sio/kafkaq: reading the log of %q: %w", channel, err)
		}
		var ferr error
		fetches.EachError(func(_ string, _ int32, err error) { ferr = err })
		if ferr != nil {
			return fmt.Errorf("sio/kafkaq: reading the log of %q: %w", channel, ferr)
		}
		more := true
		fetches.EachRecord(func(r *kgo.Record) {
			if !more || r.Offset >= end.Offset {
				more = false
				return
			}
			if isLogRecord(r) && string(r.Key) == channel {
				more = fn(formatOffset(r.Partition, r.Offset), r.Value)
			}
			if r.Offset == end.Offset-1 {
				more = false
			}
		})
		if !more {
			return nil
		}
	}
}

var (
	_ queue.LogBus       = (*LogBus)(nil)
	_ queue.SessionStore = (*LogBus)(nil)
)
