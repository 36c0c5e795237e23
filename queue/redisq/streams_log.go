package redisq

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/busutil"
)

// entryValues returns the fields of the stream entry of msg, as the
// Node.js adapter writes them: uid, nsp, type (decimal text) and data
// (JSON text, or base64 of MessagePack when the data carries binary).
func entryValues(msg []byte) ([]any, error) {
	h, data, err := queue.SplitMessage(msg)
	if err != nil {
		return nil, err
	}
	values := []any{"uid", h.UID, "nsp", h.NSP, "type", strconv.Itoa(int(h.Type))}
	if data == nil {
		return values, nil
	}
	text, err := queue.Transcode(data, queue.EncodingJSON)
	if err != nil {
		return nil, err
	}
	if queue.IsJSON(text) {
		return append(values, "data", string(text)), nil
	}
	return append(values, "data", base64.StdEncoding.EncodeToString(text)), nil
}

// entryMessage returns the cluster message of a stream entry, and its
// namespace; ok is false for an entry without nsp (Node.js ignores those).
func entryMessage(values map[string]any) (msg []byte, nsp string, ok bool, err error) {
	str := func(k string) string { s, _ := values[k].(string); return s }
	nsp = str("nsp")
	if nsp == "" {
		return nil, "", false, nil
	}
	typ, err := strconv.Atoi(str("type"))
	if err != nil {
		return nil, nsp, false, fmt.Errorf("%w: entry type %q", queue.ErrInvalidMessage, str("type"))
	}
	var data []byte
	if d := str("data"); d != "" {
		if strings.HasPrefix(d, "{") {
			data = []byte(d)
		} else if data, err = base64.StdEncoding.DecodeString(d); err != nil {
			return nil, nsp, false, fmt.Errorf("%w: entry data: %v", queue.ErrInvalidMessage, err)
		}
	}
	msg, err = queue.JoinMessage(queue.Header{UID: str("uid"), NSP: nsp, Type: queue.MessageType(typ)}, data)
	return msg, nsp, err == nil, err
}

// Append implements queue.LogBus: XADD <stream> MAXLEN ~ <MaxLen> * with
// the message's fields; the offset is the entry id.
func (b *StreamsBus) Append(ctx context.Context, channel string, msg []byte) (string, error) {
	if b.isClosed() {
		return "", queue.ErrClosed
	}
	nsp, err := b.namespaceOf(channel)
	if err != nil {
		return "", err
	}
	values, err := entryValues(msg)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.PublishTimeout)
	defer cancel()
	id, err := b.client.XAdd(ctx, &redis.XAddArgs{
		Stream: b.streamOf(nsp), MaxLen: b.opts.MaxLen, Approx: true, ID: "*", Values: values,
	}).Result()
	if err != nil {
		b.pub.failed(err, "sio/redisq: cannot append to the stream", "stream", b.streamOf(nsp))
	}
	return id, err
}

// SubscribeLog implements queue.LogBus: the entries of channel's namespace
// in its stream, from the stream's end as it is when SubscribeLog is
// called.
func (b *StreamsBus) SubscribeLog(ctx context.Context, channel string, fn func(offset string, msg []byte)) (func(), error) {
	nsp, err := b.namespaceOf(channel)
	if err != nil {
		return nil, err
	}
	stream := b.streamOf(nsp)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, queue.ErrClosed
	}
	r := b.readers[stream]
	if r == nil {
		r = &streamReader{b: b, stream: stream, subs: make(map[string]map[*logSub]struct{}), quit: make(chan struct{})}
		b.readers[stream] = r
	}
	sub := &logSub{fn: fn}
	r.mu.Lock()
	set := r.subs[nsp]
	if set == nil {
		set = make(map[*logSub]struct{})
		r.subs[nsp] = set
	}
	set[sub] = struct{}{}
	start := !r.started
	r.started = true
	r.mu.Unlock()
	b.mu.Unlock()
	if start {
		r.last = r.tail(ctx)
		b.wg.Add(1)
		go r.run()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			sub.stopped.Store(true)
			b.mu.Lock()
			defer b.mu.Unlock()
			r.mu.Lock()
			delete(r.subs[nsp], sub)
			if len(r.subs[nsp]) == 0 {
				delete(r.subs, nsp)
			}
			empty := len(r.subs) == 0
			r.mu.Unlock()
			if empty && b.readers[stream] == r {
				delete(b.readers, stream)
				r.stop()
			}
		})
	}, nil
}

// logSub is one SubscribeLog call.
type logSub struct {
	fn      func(offset string, msg []byte)
	stopped atomic.Bool
}

// streamReader reads one stream for the log subscriptions of a bus.
type streamReader struct {
	b      *StreamsBus
	stream string
	quit   chan struct{}
	once   sync.Once
	last   string      // the id of the last entry read; the reader's only
	down   atomic.Bool // reading fails, not resumed yet

	mu      sync.Mutex                      // guards the fields below
	subs    map[string]map[*logSub]struct{} // by namespace
	started bool
	conn    *redis.Conn // the reading connection, when the client has one (the reader's)
	connID  int64       // its CLIENT ID, for CLIENT UNBLOCK
}

// tail returns the id of the stream's last entry ("0-0" when it has none),
// where reading starts: the entries appended after SubscribeLog returns
// are all read. When Redis does not answer, reading starts at "$".
func (r *streamReader) tail(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, r.b.opts.RequestTimeout)
	defer cancel()
	msgs, err := r.b.client.XRevRangeN(ctx, r.stream, "+", "-", 1).Result()
	if err != nil {
		r.b.log.Warn("sio/redisq: cannot read the stream's end, reading new entries only", "stream", r.stream, "err", err)
		return "$"
	}
	if len(msgs) == 0 {
		return "0-0"
	}
	return msgs[0].ID
}

func (r *streamReader) stop() {
	r.once.Do(func() {
		close(r.quit)
		r.mu.Lock()
		id := r.connID
		r.mu.Unlock()
		if id != 0 { // end a blocked XREAD now rather than after BlockTime
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = r.b.client.ClientUnblock(ctx, id).Err()
		}
	})
}

func (r *streamReader) stopped() bool {
	select {
	case <-r.quit:
		return true
	default:
		return false
	}
}

// reader returns the client for the XREADs: a connection of its own when
// the client is a single server's (stop unblocks it with CLIENT UNBLOCK),
// else the client (stop then waits for the XREAD's BlockTime).
func (r *streamReader) reader(ctx context.Context) redis.Cmdable {
	c, ok := r.b.client.(*redis.Client)
	if !ok {
		return r.b.client
	}
	r.mu.Lock()
	conn := r.conn
	r.mu.Unlock()
	if conn != nil {
		return conn
	}
	conn = c.Conn()
	id, err := conn.ClientID(ctx).Result()
	if err != nil {
		_ = conn.Close()
		return r.b.client // fails too, and is retried
	}
	r.mu.Lock()
	r.conn, r.connID = conn, id
	r.mu.Unlock()
	return conn
}

// dropConn discards the reading connection after an error.
func (r *streamReader) dropConn() {
	r.mu.Lock()
	conn := r.conn
	r.conn, r.connID = nil, 0
	r.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
}

// run reads the stream until stop.
func (r *streamReader) run() {
	defer r.b.wg.Done()
	defer r.dropConn()
	b := r.b
	retry := busutil.Backoff{Min: 50 * time.Millisecond, Max: time.Second}
	ctx := context.Background()
	for !r.stopped() {
		res, err := r.reader(ctx).XRead(ctx, &redis.XReadArgs{
			Streams: []string{r.stream, r.last}, Count: b.opts.ReadCount, Block: b.opts.BlockTime,
		}).Result()
		if r.stopped() {
			return
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			if !r.down.Swap(true) {
				b.log.Warn("sio/redisq: cannot read the stream, retrying", "stream", r.stream, "after", r.last, "err", err)
			}
			r.dropConn()
			select {
			case <-r.quit:
				return
			case <-time.After(retry.Next()):
			}
			continue
		}
		if r.down.Swap(false) {
			b.log.Info("sio/redisq: reading the stream again", "stream", r.stream, "after", r.last)
			retry.Reset()
		}
		for _, s := range res {
			for _, m := range s.Messages {
				r.last = m.ID
				r.dispatch(m)
			}
		}
	}
}

// dispatch hands an entry to the subscriptions of its namespace.
func (r *streamReader) dispatch(m redis.XMessage) {
	msg, nsp, ok, err := entryMessage(m.Values)
	if err != nil {
		r.b.log.Warn("sio/redisq: skipping an invalid stream entry", "stream", r.stream, "id", m.ID, "err", err)
		return
	}
	if !ok {
		return
	}
	r.mu.Lock()
	subs := make([]*logSub, 0, len(r.subs[nsp]))
	for s := range r.subs[nsp] {
		subs = append(subs, s)
	}
	r.mu.Unlock()
	for _, s := range subs {
		if !s.stopped.Load() {
			s.fn(m.ID, msg)
		}
	}
}

// streamID matches a stream entry id, as the Node.js adapter checks
// offsets.
var streamID = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// nextID returns the id after id (XRANGE's start is inclusive; the
// exclusive form needs Redis 6.2), as the Node.js adapter computes it.
func nextID(id string) string {
	ms, seq, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseUint(seq, 10, 64)
	return ms + "-" + strconv.FormatUint(n+1, 10)
}

// ReadLog implements queue.LogBus: the entry offset must still be in the
// stream (XRANGE offset offset); the entries after it are read with XRANGE
// in pages of ReadCount, those of channel's namespace given to fn.
func (b *StreamsBus) ReadLog(ctx context.Context, channel, offset string, fn func(offset string, msg []byte) bool) error {
	nsp, err := b.namespaceOf(channel)
	if err != nil {
		return err
	}
	if !streamID.MatchString(offset) {
		return fmt.Errorf("%w: %q is not a stream entry id", queue.ErrUnknownOffset, offset)
	}
	stream := b.streamOf(nsp)
	at, err := b.client.XRange(ctx, stream, offset, offset).Result()
	if err != nil {
		return fmt.Errorf("sio/redisq: reading %s: %w", stream, err)
	}
	if len(at) == 0 {
		return fmt.Errorf("%w: %s is not in %s", queue.ErrUnknownOffset, offset, stream)
	}
	// The stream holds about MaxLen entries: read at most twice that.
	rounds := max(100, 2*int(b.opts.MaxLen/b.opts.ReadCount))
	for range rounds {
		page, err := b.client.XRangeN(ctx, stream, nextID(offset), "+", b.opts.ReadCount).Result()
		if err != nil {
			return fmt.Errorf("sio/redisq: reading %s: %w", stream, err)
		}
		for _, m := range page {
			offset = m.ID
			msg, ns, ok, err := entryMessage(m.Values)
			if err != nil || !ok || ns != nsp {
				continue
			}
			if !fn(m.ID, msg) {
				return nil
			}
		}
		if int64(len(page)) < b.opts.ReadCount {
			return nil
		}
	}
	return nil
}

// SaveSession implements queue.SessionStore: SET <prefix><pid> with the
// base64 of session, expiring after ttl (PX), as the Node.js adapter
// stores it.
func (b *StreamsBus) SaveSession(ctx context.Context, pid string, session []byte, ttl time.Duration) error {
	return b.client.Set(ctx, b.opts.SessionKeyPrefix+pid, base64.StdEncoding.EncodeToString(session), ttl).Err()
}

// TakeSession implements queue.SessionStore: GET and DEL of
// <prefix><pid> in one MULTI, as the Node.js adapter reads it.
func (b *StreamsBus) TakeSession(ctx context.Context, pid string) ([]byte, error) {
	key := b.opts.SessionKeyPrefix + pid
	var get *redis.StringCmd
	_, err := b.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, key)
		p.Del(ctx, key)
		return nil
	})
	if errors.Is(err, redis.Nil) || (err == nil && get.Err() == redis.Nil) {
		return nil, fmt.Errorf("%w: %s", queue.ErrNoSession, key)
	}
	if err != nil {
		return nil, err
	}
	out, err := base64.StdEncoding.DecodeString(get.Val())
	if err != nil {
		return nil, fmt.Errorf("%w: session %s: %v", queue.ErrInvalidMessage, key, err)
	}
	return out, nil
}
