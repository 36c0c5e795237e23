package redisq

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/queue/internal/busutil"
)

// Defaults shared by the managers and emitters of the package.
const (
	// DefaultPublishTimeout bounds each PUBLISH: while Redis is
	// unreachable, publishing fails within it, with a logged error.
	DefaultPublishTimeout = time.Second
	// DefaultHealthCheck is the silence on a pub/sub connection after
	// which the subscriber sends a PING, and the wait for its answer
	// after which the connection is replaced.
	DefaultHealthCheck = 2 * time.Second
	// errorLogInterval is the least time between two log lines of the
	// same repeated failure.
	errorLogInterval = 5 * time.Second
)

// publisher publishes on a client within a timeout and logs failures.
type publisher struct {
	client  redis.UniversalClient
	timeout time.Duration
	onError func(error)      // the options' OnPublishError, or nil
	errs    *busutil.RateLog // a line per errorLogInterval at most for each failure
	count   atomic.Uint64    // failed publishes, for tests
}

func newPublisher(client redis.UniversalClient, log *slog.Logger, timeout time.Duration, onError func(error)) *publisher {
	return &publisher{client: client, timeout: timeout, onError: onError, errs: busutil.NewRateLog(log, errorLogInterval)}
}

// failed records a message not sent: it counts it, logs msg with args
// (rate-limited) and calls the OnPublishError hook with err.
func (p *publisher) failed(err error, msg string, args ...any) {
	p.count.Add(1)
	p.errs.Error(msg, append(args, "err", err)...)
	if p.onError != nil {
		p.onError(err)
	}
}

// publish sends msg on channel. A failure is returned and logged (at most
// once per errorLogInterval, with the number of failures held back).
func (p *publisher) publish(ctx context.Context, channel string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	err := p.client.Publish(ctx, channel, msg).Err()
	if err != nil {
		p.failed(err, "sio/redisq: cannot publish", "channel", channel)
	}
	return err
}

// numSub returns the number of subscribers of channel: PUBSUB NUMSUB,
// summed over the masters of a Redis Cluster (each counts the clients
// connected to it), as the Node.js Redis adapter counts them.
func numSub(ctx context.Context, client redis.UniversalClient, channel string) (int64, error) {
	if cc, ok := client.(*redis.ClusterClient); ok {
		var total atomic.Int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			m, err := c.PubSubNumSub(ctx, channel).Result()
			total.Add(m[channel])
			return err
		})
		return total.Load(), err
	}
	m, err := client.PubSubNumSub(ctx, channel).Result()
	return m[channel], err
}
