package amqpq

import (
	"crypto/tls"
	"log/slog"
	"time"
)

// Defaults applied to zero Options fields.
const (
	DefaultPrefetch        = 256
	DefaultMaxInFlight     = 1024
	DefaultQueueExpires    = 5 * time.Minute
	DefaultHeartbeat       = 10 * time.Second
	DefaultReconnectMin    = 100 * time.Millisecond
	DefaultReconnectMax    = 2 * time.Second
	DefaultSubscriptionCap = 4096
)

// Options configures a Bus. The zero value of every field means the
// documented default.
type Options struct {
	// TLS configures amqps:// connections. Nil: the system's roots and the
	// URL's host name.
	TLS *tls.Config
	// ConnectionName is shown by RabbitMQ's management tools for the
	// bus's connection (the connection_name client property). Zero:
	// "sio-<queue name>".
	ConnectionName string
	// Prefetch is the QoS bound: how many unacknowledged deliveries the
	// broker sends ahead of the bus's consumer. Zero: 256.
	Prefetch int
	// MaxInFlight bounds the publishes not yet confirmed by the broker. A
	// Publish beyond it is dropped (ErrInFlight, and a log line at most
	// every second). Zero: 1024.
	MaxInFlight int
	// QueueExpires is the x-expires of the node's queue: the broker
	// deletes it after that long without a consumer. Zero: 5 minutes (as
	// python-socketio's Kombu and AioPika managers declare theirs).
	QueueExpires time.Duration
	// SubscriptionQueue bounds each subscription's queue of messages
	// waiting for its callback; a message arriving while it is full is
	// dropped for that subscription and logged. Zero: 4096.
	SubscriptionQueue int
	// Heartbeat is the AMQP heartbeat interval: a connection silent for
	// about twice as long is considered lost. Zero: 10s.
	Heartbeat time.Duration
	// ReconnectMin and ReconnectMax bound the delay between reconnection
	// attempts, which doubles from ReconnectMin up to ReconnectMax. Zero:
	// 100ms and 2s.
	ReconnectMin, ReconnectMax time.Duration
	// WriteOnly opens no queue and consumes nothing: a bus for an emitter.
	// Subscribe then fails with ErrWriteOnly.
	WriteOnly bool
	// OnPublishError, when set, is called with the error of each Publish
	// that did not send its message, on the publishing goroutine, and
	// with ErrNotConfirmed for each publish the broker did not confirm
	// (refused, or the connection lost first), on the bus's confirming
	// goroutine: metrics.BrokerHooks gives one.
	OnPublishError func(error)
	// OnReconnect, when set, is called after each reconnection, once the
	// node's new queue is bound again (on the bus's reconnecting
	// goroutine; metrics.BrokerHooks gives one).
	OnReconnect func()
	// Logger receives the bus's log lines. Nil: slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Prefetch <= 0 {
		o.Prefetch = DefaultPrefetch
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.QueueExpires <= 0 {
		o.QueueExpires = DefaultQueueExpires
	}
	if o.SubscriptionQueue <= 0 {
		o.SubscriptionQueue = DefaultSubscriptionCap
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.ReconnectMin <= 0 {
		o.ReconnectMin = DefaultReconnectMin
	}
	if o.ReconnectMax <= 0 {
		o.ReconnectMax = DefaultReconnectMax
	}
	if o.ReconnectMax < o.ReconnectMin {
		o.ReconnectMax = o.ReconnectMin
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
