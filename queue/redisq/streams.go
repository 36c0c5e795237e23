package redisq

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
)

// FormatStreams is the format of Node.js's Redis Streams adapter
// (@socket.io/redis-streams-adapter 0.3).
const FormatStreams Format = "streams"

func init() {
	formats[FormatStreams] = format{manager: func(client redis.UniversalClient, log *slog.Logger) core.ClientManager {
		return NewStreamsManager(client, StreamsOptions{Logger: log})
	}}
}

// Defaults of StreamsOptions, Node.js's.
const (
	DefaultStreamName       = "socket.io"
	DefaultMaxLen           = 10000
	DefaultReadCount        = 100
	DefaultBlockTime        = 5 * time.Second
	DefaultSessionKeyPrefix = "sio:session:"
)

// StreamsOptions configures a Redis Streams manager, bus or emitter. The
// zero value of every field means the documented default, Node.js's
// (the option names of @socket.io/redis-streams-adapter in parentheses).
// The adapter's onlyPlaintext has no counterpart: data with binary values
// is written as base64 MessagePack, as the adapter does by default; the
// entries of a Node.js server with onlyPlaintext (JSON) are read like the
// others.
type StreamsOptions struct {
	// StreamName is the stream's key (streamName). Zero: "socket.io".
	StreamName string
	// StreamCount spreads the namespaces over this many streams
	// "<StreamName>-<i>", i from the namespace's name as Node.js hashes
	// it (streamCount). Zero: 1, the one stream StreamName.
	StreamCount int
	// ChannelPrefix starts the pub/sub channels of the requests and
	// replies (channelPrefix). Zero: "socket.io".
	ChannelPrefix string
	// ShardedPubSub uses SPUBLISH/SSUBSCRIBE for the requests and replies
	// (useShardedPubSub). Zero: PUBLISH/SUBSCRIBE.
	ShardedPubSub bool
	// MaxLen trims the stream to about this many entries: XADD MAXLEN ~
	// (maxLen). Zero: 10000.
	MaxLen int64
	// ReadCount is the most entries an XREAD returns (readCount). Zero:
	// 100.
	ReadCount int64
	// BlockTime is how long an XREAD waits for entries (blockTimeInMs).
	// Zero: 5s.
	BlockTime time.Duration
	// SessionKeyPrefix starts the keys of the sessions kept for
	// connection state recovery (sessionKeyPrefix). Zero: "sio:session:".
	SessionKeyPrefix string
	// RequestTimeout bounds the wait for the other servers' answers and
	// every Redis command of the manager. Zero: 5s.
	RequestTimeout time.Duration
	// PublishTimeout bounds each PUBLISH and XADD: while Redis is
	// unreachable, they fail within it. Zero: DefaultPublishTimeout.
	PublishTimeout time.Duration
	// OnPublishError, when set, is called with the error of each PUBLISH
	// or XADD that did not send its message, on the publishing goroutine:
	// metrics.BrokerHooks gives one.
	OnPublishError func(error)
	// OnReconnect, when set, is called each time a pub/sub connection is
	// restored after a loss, on its reader goroutine (the stream readers
	// resume on the client's pool, and are not counted apart);
	// metrics.BrokerHooks gives one.
	OnReconnect func()
	// Logger receives the log lines. Nil: the server's logger (for a
	// manager), slog.Default() (for a bus or an emitter).
	Logger *slog.Logger
}

func (o StreamsOptions) withDefaults() StreamsOptions {
	if o.StreamName == "" {
		o.StreamName = DefaultStreamName
	}
	if o.StreamCount <= 0 {
		o.StreamCount = 1
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = queue.DefaultChannelPrefix
	}
	if o.MaxLen <= 0 {
		o.MaxLen = DefaultMaxLen
	}
	if o.ReadCount <= 0 {
		o.ReadCount = DefaultReadCount
	}
	if o.BlockTime <= 0 {
		o.BlockTime = DefaultBlockTime
	}
	if o.SessionKeyPrefix == "" {
		o.SessionKeyPrefix = DefaultSessionKeyPrefix
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = queue.DefaultRequestTimeout
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = DefaultPublishTimeout
	}
	return o
}

// NewStreamsManager returns a cluster manager wire-compatible with
// Node.js's Redis Streams adapter (@socket.io/redis-streams-adapter 0.3),
// with connection state recovery across the cluster: a client that
// reconnects to any server, sio or Node.js, gets its session and the
// broadcasts it missed (core.Options.Recovery on every sio server,
// connectionStateRecovery on the Node.js ones).
//
// The broadcasts, SocketsJoin, SocketsLeave and DisconnectSockets are
// entries of one stream (XADD MAXLEN ~; fields uid, nsp, type and data:
// the JSON text of the message's data, or base64 of its MessagePack when
// it carries binary), read by every server with XREAD BLOCK from where it
// last read; the requests and replies are MessagePack maps on pub/sub
// ("<prefix>#N#" and "<prefix>#N#<uid>#"); the cluster size is PUBSUB
// NUMSUB of "<prefix>#N#". A broadcast event carries its stream entry id
// as its last argument when recovery is on; a disconnected socket's
// session is kept at "<SessionKeyPrefix><pid>" (base64 of MessagePack
// {sid, pid, rooms, data}, expiring after the server's
// MaxDisconnectionDuration) and taken (GET and DEL in one transaction)
// by the server the client reconnects to, which reads the missed entries
// with XRANGE.
//
// The manager has its own pub/sub connection and stream reader (a
// StreamsBus), running while the server has namespaces; client is shared
// and closed by the caller after the server.
func NewStreamsManager(client redis.UniversalClient, opts StreamsOptions) core.ClientManager {
	opts = opts.withDefaults()
	return queue.NewManager(NewStreamsBus(client, opts), queue.Options{
		ChannelPrefix:  opts.ChannelPrefix,
		RequestTimeout: opts.RequestTimeout,
		Encoding:       queue.EncodingMsgpack,
		Logger:         opts.Logger,
	})
}

// StreamsBus is the transport of the Redis Streams format: a queue.Bus on
// pub/sub (or sharded pub/sub), a queue.SubscriberCounter (NUMSUB), a
// queue.LogBus on the stream(s), whose offsets are entry ids, and a
// queue.SessionStore on keys with an expiry. Each server needs its own
// StreamsBus (the cluster size counts subscriptions).
//
// Each stream has one reader goroutine (XREAD BLOCK COUNT from the last
// id it read, starting at the stream's end when the first log
// subscription is made), running while the stream has log subscribers;
// when Redis fails, it logs, retries at least once a second and resumes
// after the last id it read, logging that too.
type StreamsBus struct {
	client redis.UniversalClient
	opts   StreamsOptions
	log    *slog.Logger
	pub    *publisher
	*busSubscriber

	mu      sync.Mutex // guards readers and closed
	readers map[string]*streamReader
	closed  bool
	wg      sync.WaitGroup // reader goroutines
}

// NewStreamsBus returns a Redis Streams bus on client.
func NewStreamsBus(client redis.UniversalClient, opts StreamsOptions) *StreamsBus {
	opts = opts.withDefaults()
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &StreamsBus{
		client:        client,
		opts:          opts,
		log:           log,
		pub:           newPublisher(client, log, opts.PublishTimeout, opts.OnPublishError),
		busSubscriber: newBusSubscriber(client, opts.ShardedPubSub, log, opts.OnReconnect),
		readers:       make(map[string]*streamReader),
	}
}

// Publish implements queue.Bus with PUBLISH (SPUBLISH with ShardedPubSub).
func (b *StreamsBus) Publish(ctx context.Context, channel string, msg []byte) error {
	if b.isClosed() {
		return queue.ErrClosed
	}
	if b.opts.ShardedPubSub {
		return b.pub.spublish(ctx, channel, msg)
	}
	return b.pub.publish(ctx, channel, msg)
}

// Subscribers implements queue.SubscriberCounter with PUBSUB NUMSUB (or
// SHARDNUMSUB).
func (b *StreamsBus) Subscribers(ctx context.Context, channel string) (int, error) {
	if b.opts.ShardedPubSub {
		return shardNumSub(ctx, b.client, channel)
	}
	n, err := numSub(ctx, b.client, channel)
	return int(n), err
}

// Connected reports whether the subscription connections and the stream
// readers are up.
func (b *StreamsBus) Connected() bool {
	if !b.busSubscriber.Connected() {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.readers {
		if r.down.Load() {
			return false
		}
	}
	return true
}

// Close implements queue.Bus: it ends the subscriptions and stops the
// stream readers (the client stays open).
func (b *StreamsBus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	readers := b.readers
	b.readers = nil
	b.mu.Unlock()
	for _, r := range readers {
		r.stop()
	}
	b.busSubscriber.close()
	b.wg.Wait()
	return nil
}

// namespaceOf returns the namespace of a channel "<prefix>#N#".
func (b *StreamsBus) namespaceOf(channel string) (string, error) {
	rest, ok := strings.CutPrefix(channel, b.opts.ChannelPrefix+"#")
	if !ok || !strings.HasSuffix(rest, "#") || len(rest) < 2 {
		return "", fmt.Errorf("sio/redisq: %q is not a namespace channel of the prefix %q", channel, b.opts.ChannelPrefix)
	}
	return rest[:len(rest)-1], nil
}

// channelOf returns the namespace channel of nsp.
func (b *StreamsBus) channelOf(nsp string) string { return b.opts.ChannelPrefix + "#" + nsp + "#" }

// streamOf returns the stream of the namespace nsp, as Node.js computes it.
func (b *StreamsBus) streamOf(nsp string) string {
	if b.opts.StreamCount == 1 {
		return b.opts.StreamName
	}
	// JavaScript's remainder keeps the dividend's sign.
	i := jsHash(nsp) % int32(b.opts.StreamCount)
	return b.opts.StreamName + "-" + strconv.Itoa(int(i))
}

// jsHash is Java's String.hashCode over UTF-16 code units, in 32 bits, as
// the Node.js adapter's hashCode computes it.
func jsHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = h*31 + int32(u)
	}
	return h
}

var (
	_ queue.Bus               = (*StreamsBus)(nil)
	_ queue.SubscriberCounter = (*StreamsBus)(nil)
	_ queue.LogBus            = (*StreamsBus)(nil)
	_ queue.SessionStore      = (*StreamsBus)(nil)
)
