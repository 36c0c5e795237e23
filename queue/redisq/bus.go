package redisq

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/pymsg"
)

// FormatPython is python-socketio's format over Redis pub/sub: package
// pymsg's manager on a Bus, on the channel "socketio".
const FormatPython Format = "python"

func init() {
	formats[FormatPython] = format{manager: func(c redis.UniversalClient, log *slog.Logger) core.ClientManager {
		return pymsg.NewManager(NewBus(c, BusOptions{Logger: log}), pymsg.Options{Logger: log})
	}}
}

// BusOptions configures a Bus. The zero value of every field means the
// documented default.
type BusOptions struct {
	// PublishTimeout bounds each PUBLISH. Zero: DefaultPublishTimeout.
	PublishTimeout time.Duration
	// OnPublishError, when set, is called with the error of each Publish
	// that did not send its message, on the publishing goroutine:
	// metrics.BrokerHooks gives one.
	OnPublishError func(error)
	// OnReconnect, when set, is called each time the subscription
	// connection is restored after a loss, on its reader goroutine
	// (metrics.BrokerHooks gives one).
	OnReconnect func()
	// Logger receives the bus's log lines. Nil: slog.Default().
	Logger *slog.Logger
}

// Bus is a queue.Bus on Redis pub/sub (PUBLISH, SUBSCRIBE) and a
// queue.SubscriberCounter (PUBSUB NUMSUB, summed over the masters of a
// Redis Cluster): what python-socketio's RedisManager uses, with package
// pymsg, and a transport for queue's own cluster messages
// (queue.NewManager). Its subscriptions share one connection, opened with
// the first and closed with the last; a lost connection is reopened and
// resubscribed (logged), an idle one is pinged every 2s and replaced when
// it does not answer. Each server needs its own Bus: the cluster size
// counts subscriptions.
type Bus struct {
	client redis.UniversalClient
	pub    *publisher
	*busSubscriber
}

// NewBus returns a pub/sub bus on client; closing the bus ends its
// subscriptions, not client.
func NewBus(client redis.UniversalClient, opts BusOptions) *Bus {
	if opts.PublishTimeout <= 0 {
		opts.PublishTimeout = DefaultPublishTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Bus{
		client:        client,
		pub:           newPublisher(client, log, opts.PublishTimeout, opts.OnPublishError),
		busSubscriber: newBusSubscriber(client, false, log, opts.OnReconnect),
	}
}

// Publish implements queue.Bus with PUBLISH, within the PublishTimeout (a
// failure is logged, at most once every 5s).
func (b *Bus) Publish(ctx context.Context, channel string, msg []byte) error {
	if b.isClosed() {
		return queue.ErrClosed
	}
	return b.pub.publish(ctx, channel, msg)
}

// Subscribers implements queue.SubscriberCounter with PUBSUB NUMSUB.
func (b *Bus) Subscribers(ctx context.Context, channel string) (int, error) {
	n, err := numSub(ctx, b.client, channel)
	return int(n), err
}

// Close implements queue.Bus: it ends the subscriptions (the client stays
// open).
func (b *Bus) Close() error {
	b.busSubscriber.close()
	return nil
}

var (
	_ queue.Bus               = (*Bus)(nil)
	_ queue.SubscriberCounter = (*Bus)(nil)
)
