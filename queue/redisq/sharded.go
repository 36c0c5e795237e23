package redisq

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
)

// FormatSharded is the format of Node.js's sharded Redis adapter
// (@socket.io/redis-adapter's createShardedAdapter).
const FormatSharded Format = "sharded"

func init() {
	formats[FormatSharded] = format{manager: func(client redis.UniversalClient, log *slog.Logger) core.ClientManager {
		return NewShardedManager(client, ShardedOptions{Logger: log})
	}}
}

// ShardedMode is the sharded manager's subscription mode (the sharded
// adapter's subscriptionMode option).
type ShardedMode int

const (
	// ShardedDynamic subscribes to a channel per public room besides the
	// namespace's two (Node.js's default, "dynamic"); see
	// queue.SubscriptionDynamic. The zero value.
	ShardedDynamic ShardedMode = iota
	// ShardedStatic uses the namespace's two channels only ("static").
	ShardedStatic
	// ShardedDynamicPrivate has a channel for every room, socket ids
	// included ("dynamic-private").
	ShardedDynamicPrivate
)

// subscriptionMode returns the queue's mode for m.
func (m ShardedMode) subscriptionMode() queue.SubscriptionMode {
	switch m {
	case ShardedStatic:
		return queue.SubscriptionStatic
	case ShardedDynamicPrivate:
		return queue.SubscriptionDynamicPrivate
	}
	return queue.SubscriptionDynamic
}

// ShardedOptions configures a sharded manager, bus or emitter. The zero
// value of every field means the documented default, Node.js's.
type ShardedOptions struct {
	// ChannelPrefix starts every channel name (channelPrefix). Zero:
	// "socket.io".
	ChannelPrefix string
	// Mode is the subscription mode (subscriptionMode). Zero:
	// ShardedDynamic. Every server of a cluster must use the same.
	Mode ShardedMode
	// RequestTimeout bounds the wait for the other servers' answers
	// (fetchSockets, serverSideEmit with acknowledgements). Zero: 5s.
	RequestTimeout time.Duration
	// PublishTimeout bounds each SPUBLISH: while Redis is unreachable,
	// publishing fails within it. Zero: DefaultPublishTimeout.
	PublishTimeout time.Duration
	// OnPublishError, when set, is called with the error of each SPUBLISH
	// that did not send its message, on the publishing goroutine:
	// metrics.BrokerHooks gives one.
	OnPublishError func(error)
	// OnReconnect, when set, is called each time a subscription
	// connection (one per Redis node) is restored after a loss, on its
	// reader goroutine (metrics.BrokerHooks gives one).
	OnReconnect func()
	// Logger receives the log lines. Nil: the server's logger (for a
	// manager), slog.Default() (for a bus or an emitter).
	Logger *slog.Logger
}

// NewShardedManager returns a cluster manager wire-compatible with
// Node.js's sharded Redis adapter (Redis ≥ 7.0): socket.io-adapter's
// ClusterAdapter messages, in JSON unless they carry binary (then
// MessagePack), published with SPUBLISH on "<prefix>#N#" (and
// "<prefix>#N#<room>#" for a broadcast to one room in the dynamic modes),
// replies on "<prefix>#N#<uid>#", received with SSUBSCRIBE; the cluster
// size is PUBSUB SHARDNUMSUB of "<prefix>#N#". Sio and Node.js servers with
// the same options form one cluster.
//
// The manager has its own subscription connection (a ShardedBus), opened
// with the first namespace and closed when the server shuts down; client
// is shared and closed by the caller after the server.
func NewShardedManager(client redis.UniversalClient, opts ShardedOptions) core.ClientManager {
	bus := NewShardedBus(client, opts)
	return queue.NewManager(bus, queue.Options{
		ChannelPrefix:    opts.ChannelPrefix,
		RequestTimeout:   opts.RequestTimeout,
		Encoding:         queue.EncodingJSON,
		SubscriptionMode: opts.Mode.subscriptionMode(),
		Logger:           opts.Logger,
	})
}

// ShardedBus is a queue.Bus on Redis sharded pub/sub (SPUBLISH,
// SSUBSCRIBE) and a queue.SubscriberCounter (PUBSUB SHARDNUMSUB, summed
// over the masters of a Redis Cluster). Its subscriptions share one
// connection per Redis node, opened with the first and closed with the
// last; a lost connection is reopened and its channels resubscribed
// (logged), an idle one is pinged every 2s and replaced when it does not
// answer. Each server needs its own ShardedBus: the cluster size counts
// subscriptions.
type ShardedBus struct {
	client redis.UniversalClient
	pub    *publisher
	*busSubscriber
}

// NewShardedBus returns a sharded pub/sub bus on client (PublishTimeout,
// OnPublishError, OnReconnect and Logger of opts are used).
func NewShardedBus(client redis.UniversalClient, opts ShardedOptions) *ShardedBus {
	if opts.PublishTimeout <= 0 {
		opts.PublishTimeout = DefaultPublishTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &ShardedBus{
		client:        client,
		pub:           newPublisher(client, log, opts.PublishTimeout, opts.OnPublishError),
		busSubscriber: newBusSubscriber(client, true, log, opts.OnReconnect),
	}
}

// Publish implements queue.Bus with SPUBLISH, within the PublishTimeout
// (a failure is logged, at most once every 5s).
func (b *ShardedBus) Publish(ctx context.Context, channel string, msg []byte) error {
	if b.isClosed() {
		return queue.ErrClosed
	}
	return b.pub.spublish(ctx, channel, msg)
}

// Subscribers implements queue.SubscriberCounter with PUBSUB SHARDNUMSUB.
func (b *ShardedBus) Subscribers(ctx context.Context, channel string) (int, error) {
	return shardNumSub(ctx, b.client, channel)
}

// Close implements queue.Bus: it ends the subscriptions (the client stays
// open).
func (b *ShardedBus) Close() error {
	b.busSubscriber.close()
	return nil
}

// shardNumSub returns PUBSUB SHARDNUMSUB of channel, summed over the
// masters of a Redis Cluster, as the Node.js adapter counts.
func shardNumSub(ctx context.Context, client redis.UniversalClient, channel string) (int, error) {
	if cc, ok := client.(*redis.ClusterClient); ok {
		var total atomic.Int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			m, err := c.PubSubShardNumSub(ctx, channel).Result()
			total.Add(m[channel])
			return err
		})
		return int(total.Load()), err
	}
	m, err := client.PubSubShardNumSub(ctx, channel).Result()
	return int(m[channel]), err
}

// spublish is publish with SPUBLISH.
func (p *publisher) spublish(ctx context.Context, channel string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	err := p.client.SPublish(ctx, channel, msg).Err()
	if err != nil {
		p.failed(err, "sio/redisq: cannot publish", "channel", channel)
	}
	return err
}

var (
	_ queue.Bus               = (*ShardedBus)(nil)
	_ queue.SubscriberCounter = (*ShardedBus)(nil)
)
