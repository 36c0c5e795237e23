package pgq

import (
	"crypto/tls"
	"log/slog"
	"time"
)

// Defaults applied to zero Options fields: those of Node.js's
// @socket.io/postgres-adapter where it has them.
const (
	DefaultTableName         = "socket_io_attachments"
	DefaultPayloadThreshold  = 8000
	DefaultCleanupInterval   = 30 * time.Second
	DefaultApplicationName   = "sio"
	DefaultMaxInFlight       = 1024
	DefaultSubscriptionQueue = 4096
	DefaultReconnectMin      = 100 * time.Millisecond
	DefaultReconnectMax      = 2 * time.Second
	DefaultConnectTimeout    = 5 * time.Second
)

// Options configures a Bus. The zero value of every field means the
// documented default.
type Options struct {
	// TableName is the attachment table, as Node.js's tableName: a plain
	// identifier, optionally schema-qualified (letters, digits and '_',
	// not quoted, so folded to lower case as Node.js's unquoted name).
	// Zero: "socket_io_attachments".
	TableName string
	// SkipCreateTable leaves the attachment table to the operator, as
	// Node.js does; otherwise New creates it when it is missing (CREATE
	// TABLE IF NOT EXISTS, Node.js's schema), and logs a warning if it
	// cannot.
	SkipCreateTable bool
	// PayloadThreshold is the size above which a message goes through the
	// attachment table instead of the NOTIFY payload; a message of 8000
	// bytes or more always does (PostgreSQL refuses such payloads). Zero:
	// 8000.
	PayloadThreshold int
	// CleanupInterval is both how often the bus deletes attachments and
	// how old they must be to be deleted. Zero: 30s.
	CleanupInterval time.Duration
	// ApplicationName is the application_name of the bus's connections
	// (pg_stat_activity). Zero: the URL's application_name, else "sio".
	ApplicationName string
	// TLS replaces the TLS configuration the URL's sslmode, sslrootcert,
	// sslcert and sslkey give. Nil: the URL's.
	TLS *tls.Config
	// MaxConns bounds the connections of the bus's pool (publishing,
	// attachments, cleanup), beside its one listening connection. Zero:
	// the URL's pool_max_conns, else 4.
	MaxConns int32
	// MaxInFlight bounds the messages queued or being sent: a Publish
	// beyond it is dropped (ErrDropped, and a log line at most every
	// second). Zero: 1024.
	MaxInFlight int
	// SubscriptionQueue bounds each subscription's messages waiting for
	// its callback; a message arriving while it is full is dropped for
	// that subscription and logged. Zero: 4096.
	SubscriptionQueue int
	// ReconnectMin and ReconnectMax bound the delay between attempts to
	// reconnect the listening connection, which doubles from ReconnectMin
	// up to ReconnectMax. Zero: 100ms and 2s.
	ReconnectMin, ReconnectMax time.Duration
	// ConnectTimeout bounds each connection attempt. Zero: the URL's
	// connect_timeout, else 5s.
	ConnectTimeout time.Duration
	// WriteOnly opens no listening connection: a bus for an emitter.
	// Subscribe then fails with ErrWriteOnly.
	WriteOnly bool
	// OnPublishError, when set, is called with the error of each message
	// the bus did not send (dropped by Publish, or failed in the writer),
	// on the goroutine that saw it: metrics.BrokerHooks gives one.
	OnPublishError func(error)
	// OnReconnect, when set, is called each time the listening connection
	// is back after a loss (metrics.BrokerHooks gives one).
	OnReconnect func()
	// Logger receives the bus's log lines. Nil: slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.TableName == "" {
		o.TableName = DefaultTableName
	}
	if o.PayloadThreshold <= 0 {
		o.PayloadThreshold = DefaultPayloadThreshold
	}
	if o.CleanupInterval <= 0 {
		o.CleanupInterval = DefaultCleanupInterval
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.SubscriptionQueue <= 0 {
		o.SubscriptionQueue = DefaultSubscriptionQueue
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
