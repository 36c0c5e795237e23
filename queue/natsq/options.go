package natsq

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// Defaults applied to zero Options fields.
const (
	DefaultName              = "sio"
	DefaultReconnectWait     = 250 * time.Millisecond
	DefaultPingInterval      = 5 * time.Second
	DefaultMaxPending        = 8 << 20
	DefaultSubscriptionQueue = 4096
)

// Options configures a Bus. The zero value of every field means the
// documented default.
type Options struct {
	// Name is the connection's name, shown by the server's monitoring
	// (connz). Zero: "sio".
	Name string
	// TLS configures the connection's TLS: a tls:// URL, or a server that
	// requires TLS, uses it. Nil: the system's roots and the URL's host
	// name.
	TLS *tls.Config
	// ReconnectWait is the delay before reconnecting to a server the bus
	// lost, plus up to 100ms of jitter. The bus reconnects forever. Zero:
	// 250ms.
	ReconnectWait time.Duration
	// PingInterval is how often the client pings the server: a connection
	// that leaves two pings unanswered is considered lost. Zero: 5s.
	PingInterval time.Duration
	// MaxPending bounds the bytes of the publishes held while the
	// connection is down (the client's reconnect buffer, sent on
	// reconnection). A Publish beyond it is dropped: it returns an error
	// wrapping ErrDropped, and the bus logs a line at most every second.
	// While connected, publishing waits for the socket. Zero: 8 MiB.
	MaxPending int
	// SubscriptionQueue bounds each subscription's messages waiting for
	// its callback; messages arriving while it is full are dropped by the
	// client for that subscription ("slow consumer", logged). Zero: 4096.
	SubscriptionQueue int
	// NATS are more options for nats.Connect, applied after the bus's own
	// (credentials files, NKeys, several servers, custom dialers...).
	NATS []nats.Option
	// OnPublishError, when set, is called with the error of each Publish
	// or Append that did not send its message, on the publishing
	// goroutine: metrics.BrokerHooks gives one.
	OnPublishError func(error)
	// OnReconnect, when set, is called after each reconnection (on the
	// client's callback goroutine; metrics.BrokerHooks gives one).
	OnReconnect func()
	// Logger receives the bus's log lines. Nil: slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.ReconnectWait <= 0 {
		o.ReconnectWait = DefaultReconnectWait
	}
	if o.PingInterval <= 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.SubscriptionQueue <= 0 {
		o.SubscriptionQueue = DefaultSubscriptionQueue
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
