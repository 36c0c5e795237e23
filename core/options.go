package core

import (
	"log/slog"
	"time"

	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/core/parser"
)

// Defaults applied to zero Options fields.
const (
	DefaultPath           = "/socket.io/"
	DefaultConnectTimeout = 45 * time.Second
	DefaultAckTimeout     = 60 * time.Second
	DefaultMaxPending     = 1024
)

// Options configures a Server. The zero value of every field means the
// documented default.
type Options struct {
	// Engine configures the Engine.IO layer (heartbeat, transports, limits,
	// cookie, compression, CORS). Its Path and Logger fields are taken
	// from Path and EngineLogger below when those are set.
	Engine engineio.Options

	// Path is the URL path of the server. Zero: "/socket.io/".
	Path string

	// CORSAllowedOrigins lists the origins allowed to connect; "*" allows
	// any. Nil: Engine.CORS.AllowedOrigins, which by default accepts the
	// server's own origin only (same-origin).
	CORSAllowedOrigins []string
	// CORSCredentials allows credentialed cross-origin requests.
	CORSCredentials bool

	// ConnectTimeout closes connections that have not joined a namespace
	// in this time. Zero: 45s.
	ConnectTimeout time.Duration
	// AckTimeout is the timeout of EmitWithAck when the context has no
	// deadline and no Timeout was set. Zero: 60s (python-socketio's
	// call() default).
	AckTimeout time.Duration

	// AlwaysConnect accepts the namespace connection before the connect
	// handler runs; a handler that refuses then disconnects the client.
	// Zero: the handler runs first and may refuse with CONNECT_ERROR.
	AlwaysConnect bool
	// ConcurrentHandlers runs each event handler on its own goroutine
	// (python-socketio's async_handlers); MaxPendingEvents then bounds the
	// handlers of one socket running at once. Zero: the handlers of one
	// socket run one at a time, in arrival order.
	ConcurrentHandlers bool
	// MaxPendingEvents bounds the events waiting for a busy socket's
	// handler (with ConcurrentHandlers, the socket's handlers running at
	// once); a client exceeding it is disconnected ("transport error").
	// Zero: 1024.
	MaxPendingEvents int

	// AttachmentTimeout bounds how long a binary packet may wait for its
	// attachments; the bytes it holds meanwhile are bounded by
	// Engine.MaxHTTPBufferSize. A packet over either bound closes the
	// connection with "parse error". Zero: 20s.
	AttachmentTimeout time.Duration
	// EventRateLimit, when not nil, limits the events each socket may
	// send (a token bucket per socket, with a policy for the events over
	// it). Nil: no limit, as in the reference server.
	EventRateLimit *EventRateLimit

	// Parser is the packet codec: parser.JSON (nil) or parser.Msgpack.
	Parser parser.Codec
	// Limits bounds decoded packets (attachments, event name and namespace
	// lengths). Zero: the parser's defaults.
	Limits parser.Limits

	// Recovery, when not nil, enables connection state recovery. Nil: off,
	// as in the reference server.
	Recovery *RecoveryOptions
	// CleanupEmptyChildNamespaces removes a namespace created through a
	// parent (Of("*"), OfFunc, OfRegexp) when its last socket leaves.
	CleanupEmptyChildNamespaces bool

	// ServeClient is the folder of an npm install of socket.io-client
	// (node_modules/socket.io-client, or its dist folder). When set, the
	// server serves the browser client under Path, as the Node.js server's
	// serveClient option does: socket.io.js, socket.io.min.js,
	// socket.io.esm.min.js and socket.io.msgpack.min.js, each with its
	// .map (with the default Path, /socket.io/socket.io.min.js), with an
	// ETag and "Cache-Control: public, max-age=0". Empty: not served (a
	// warning is logged when the folder holds no bundle).
	ServeClient string

	// ClientManager keeps room membership and carries broadcasts between
	// servers. Nil: an in-memory manager (a single server).
	ClientManager ClientManager

	// Logger receives the Socket.IO layer's log lines (python-socketio's
	// logger): refused connections, failed handlers and bad packets at
	// Info, overloaded sockets at Warn, panics at Error, and at Debug
	// every step of a socket: connected (sid, namespace, connection id),
	// event received (name, sid, ack id), event emitted (name, recipients,
	// ack id), ack sent and received, room joined and left, disconnected
	// (reason). Debug lines cost one Enabled call and no allocation when
	// the logger does not take them. Nil: silent.
	Logger *slog.Logger
	// EngineLogger receives the Engine.IO layer's log lines
	// (python-socketio's engineio_logger; see engineio.Options.Logger):
	// sessions, transports, packets, refused requests. Nil: Engine.Logger
	// when set, else Logger without its Debug lines (the Engine.IO
	// layer's warnings and refusals reach Logger, its Debug lines only an
	// EngineLogger that takes them).
	EngineLogger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = o.Engine.Path
	}
	if o.Path == "" {
		o.Path = DefaultPath
	}
	o.Engine.Path = o.Path
	if o.CORSAllowedOrigins != nil {
		o.Engine.CORS.AllowedOrigins = o.CORSAllowedOrigins
	}
	if o.CORSCredentials {
		o.Engine.CORS.AllowCredentials = true
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.EngineLogger == nil {
		o.EngineLogger = o.Engine.Logger
	}
	if o.EngineLogger == nil {
		o.EngineLogger = slog.New(minLevel{o.Logger.Handler(), slog.LevelInfo})
	}
	o.Engine.Logger = o.EngineLogger
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = DefaultAckTimeout
	}
	if o.EventRateLimit != nil {
		l := *o.EventRateLimit
		o.EventRateLimit = &l
	}
	if o.AttachmentTimeout <= 0 {
		o.AttachmentTimeout = DefaultAttachmentTimeout
	}
	if o.MaxPendingEvents <= 0 {
		o.MaxPendingEvents = DefaultMaxPending
	}
	if o.Parser == nil {
		o.Parser = parser.JSON
	}
	if o.ClientManager == nil {
		o.ClientManager = NewMemoryManager()
	}
	return o
}
