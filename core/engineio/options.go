package engineio

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Transport names, as they appear in the "transport" query parameter.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// Defaults applied to zero Options fields; they are the reference server's.
const (
	DefaultPath                 = "/engine.io/"
	DefaultPingInterval         = 25 * time.Second
	DefaultPingTimeout          = 20 * time.Second
	DefaultUpgradeTimeout       = 10 * time.Second
	DefaultMaxHTTPBufferSize    = 1_000_000
	DefaultCompressionThreshold = 1024
	DefaultMaxQueuedMessages    = 4096
	DefaultMaxQueueBytes        = 4 << 20 // 4 MiB
	DefaultCookieName           = "io"
	DefaultClosePollWait        = 2 * time.Second
)

// QueueFullPolicy says what happens when a message is sent to a session
// whose outbound queue is full: it already holds Options.MaxQueuedMessages
// messages, or the message would take it over Options.MaxQueueBytes.
type QueueFullPolicy int

const (
	// QueueFullClose closes the slow session with reason "transport error"
	// and logs it. The message is not delivered. This is the default.
	QueueFullClose QueueFullPolicy = iota
	// QueueFullDrop drops the message, logs it, and keeps the session.
	// Send returns ErrQueueFull.
	QueueFullDrop
)

// String returns the policy's name.
func (p QueueFullPolicy) String() string {
	switch p {
	case QueueFullClose:
		return "close"
	case QueueFullDrop:
		return "drop"
	}
	return "unknown"
}

// Options configures a Server. The zero value of every field means the
// documented default, which is the reference (Node.js) server's.
type Options struct {
	// Path is the URL path the server answers, with a trailing slash.
	// Zero: "/engine.io/".
	Path string

	// PingInterval is how often the server sends a ping. Zero: 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for the pong that answers a
	// ping before it closes the session with reason "ping timeout".
	// Zero: 20s.
	PingTimeout time.Duration
	// UpgradeTimeout bounds a polling → websocket upgrade: a probe that has
	// not completed in time is dropped and the session stays on polling.
	// Zero: 10s.
	UpgradeTimeout time.Duration
	// MaxHTTPBufferSize is the largest message or POST body accepted, in
	// bytes. It is advertised to clients as maxPayload. Zero: 1e6.
	MaxHTTPBufferSize int64

	// Transports lists the transports accepted, among "polling" and
	// "websocket". Nil: both.
	Transports []string
	// DisableUpgrades refuses polling → websocket upgrades (Node's
	// allowUpgrades: false). Zero: upgrades are allowed.
	DisableUpgrades bool

	// Cookie, when not nil, sets a cookie holding the session id on the
	// handshake response (Node's cookie option). Nil: no cookie.
	Cookie *CookieOptions

	// CORS is the origin policy for polling and websocket requests.
	// Zero: same-origin only.
	CORS CORSOptions

	// DisableHTTPCompression turns off gzip/deflate compression of polling
	// responses. Zero: responses of at least CompressionThreshold bytes are
	// compressed when the client accepts it.
	DisableHTTPCompression bool
	// CompressionThreshold is the smallest polling response compressed,
	// in bytes. Zero: 1024.
	CompressionThreshold int
	// PerMessageDeflate asks adapters to negotiate the websocket
	// permessage-deflate extension. Zero: off, as in the reference server.
	PerMessageDeflate bool

	// InitialPacket, when not nil, is sent as a text message right after
	// the handshake.
	InitialPacket []byte

	// InitialHeaders, when not nil, may add headers to the answer to a
	// handshake: the 200 of a polling handshake and the 101 of a
	// websocket-only connection (Node's "initial_headers" event). r is the
	// handshake request. It runs before Headers. Nil: no headers added.
	InitialHeaders func(h http.Header, r *Request)
	// Headers, when not nil, may add headers to every successful answer:
	// each polling 200 (the handshake, long-polls and POSTs) and the 101
	// of every websocket, upgrades included (Node's "headers" event).
	// Error answers do not get them, as in the reference server. Adapters
	// put the 101's headers in place through Ticket.Header. Nil: no
	// headers added.
	Headers func(h http.Header, r *Request)

	// AllowRequest, when not nil, is called for every handshake (a
	// polling handshake or a websocket-only connection; not for the
	// upgrade of an existing session, as in the reference server); an
	// error refuses the request with 403 and
	// {"code":4,"message":<the error's text>}.
	AllowRequest func(r *Request) error

	// GenerateID, when not nil, makes session ids; it must return unique,
	// URL-safe strings. Nil: 15 crypto-random bytes in URL-safe base64 (20
	// characters, as the reference server's ids).
	GenerateID func(r *Request) (string, error)

	// MaxQueuedMessages bounds each session's outbound queue, in
	// messages. Zero: 4096.
	MaxQueuedMessages int
	// MaxQueueBytes bounds each session's outbound queue, in payload
	// bytes: the messages sent and not yet handed to the transport (a
	// broadcast's message, shared by every recipient, counts in each
	// queue that holds it). A message is always accepted by an empty
	// queue, whatever its size. With the websocket writer's batch in
	// flight, a client that does not read makes the server hold at most
	// about twice this. Zero: 4 MiB.
	MaxQueueBytes int
	// QueueFull is the policy applied when the outbound queue is full.
	// Zero: QueueFullClose.
	QueueFull QueueFullPolicy

	// ClosePollWait is how long a graceful close (Socket.Close,
	// Server.Shutdown) waits for a polling client that has no long-poll
	// pending (it is between two requests, or has gone without a word) to
	// come and collect its close packet; then the session is closed
	// anyway and the client learns it from the answer to its next request
	// (400, unknown session id). A websocket client, and a polling client
	// with a long-poll pending, get their close packet at once: their
	// close ends as soon as it is handed to the transport (within 2s, or
	// PingTimeout when shorter, for a transport that stalls). Zero: 2s,
	// or PingTimeout when shorter. Negative: no wait, such a session
	// closes at once.
	ClosePollWait time.Duration

	// Quota bounds the sessions and the handshake rate of each remote
	// address. Zero: no quota (see QuotaOptions for when to set one).
	Quota QuotaOptions

	// Logger receives the Engine.IO layer's log lines (python-engineio's
	// logger): refused requests and failed sessions at Info, slow clients
	// and refused origins at Warn, and at Debug every session opened,
	// upgraded and closed (with its reason), every packet received and
	// every batch of messages queued. Debug lines cost one Enabled call and
	// no allocation when the logger does not take them. Nil: silent.
	Logger *slog.Logger
}

// CookieOptions describes the session cookie set on the handshake response.
// Zero fields take the reference server's defaults.
type CookieOptions struct {
	// Name of the cookie. Zero: "io".
	Name string
	// Path of the cookie. Zero: "/".
	Path string
	// Domain of the cookie. Zero: none (host-only).
	Domain string
	// MaxAge in seconds; zero omits it (a session cookie).
	MaxAge int
	// Secure marks the cookie HTTPS-only.
	Secure bool
	// SameSite mode. Zero: http.SameSiteLaxMode.
	SameSite http.SameSite
	// AllowScripts omits HttpOnly, letting page scripts read the cookie.
	// Zero: HttpOnly is set.
	AllowScripts bool
}

// CORSOptions is the origin policy. It decides both the CORS headers of
// polling responses and whether a websocket upgrade is accepted.
type CORSOptions struct {
	// AllowedOrigins lists the origins accepted besides the server's own
	// (scheme://host[:port]); "*" accepts any origin. Nil: only the
	// server's own origin is accepted, that is an Origin header whose
	// scheme and host match the request's (X-Forwarded-Proto and
	// X-Forwarded-Host are honoured). Requests without an Origin header
	// are always accepted. A refused origin is answered 400 with
	// {"code":3,"message":"Not an accepted origin."} on both transports;
	// its first refusal logs a warning with the reason (then at most one a
	// minute per origin). Only listed origins get CORS response headers.
	AllowedOrigins []string
	// AllowCredentials sends Access-Control-Allow-Credentials: true. The
	// allowed origin is then echoed, never "*".
	AllowCredentials bool
	// AllowedHeaders lists the request headers a preflight may allow. Nil:
	// the headers the preflight asks for.
	AllowedHeaders []string
	// MaxAge is how long a browser may cache a preflight answer. Zero: no
	// Access-Control-Max-Age header.
	MaxAge time.Duration
	// HostHandled means the host application handles CORS itself: no CORS
	// header is written, preflights are answered 204 with no header of
	// ours, and no origin is refused by the core.
	HostHandled bool
}

// withDefaults returns o with every zero field replaced by its default.
func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if !strings.HasPrefix(o.Path, "/") {
		o.Path = "/" + o.Path
	}
	if !strings.HasSuffix(o.Path, "/") {
		o.Path += "/"
	}
	if o.PingInterval <= 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = DefaultPingTimeout
	}
	if o.UpgradeTimeout <= 0 {
		o.UpgradeTimeout = DefaultUpgradeTimeout
	}
	if o.MaxHTTPBufferSize <= 0 {
		o.MaxHTTPBufferSize = DefaultMaxHTTPBufferSize
	}
	if o.Transports == nil {
		o.Transports = []string{TransportPolling, TransportWebSocket}
	}
	if o.CompressionThreshold <= 0 {
		o.CompressionThreshold = DefaultCompressionThreshold
	}
	if o.ClosePollWait == 0 {
		o.ClosePollWait = min(o.PingTimeout, DefaultClosePollWait)
	}
	if o.MaxQueuedMessages <= 0 {
		o.MaxQueuedMessages = DefaultMaxQueuedMessages
	}
	if o.MaxQueueBytes <= 0 {
		o.MaxQueueBytes = DefaultMaxQueueBytes
	}
	if o.Cookie != nil {
		c := *o.Cookie
		if c.Name == "" {
			c.Name = DefaultCookieName
		}
		if c.Path == "" {
			c.Path = "/"
		}
		if c.SameSite == 0 {
			c.SameSite = http.SameSiteLaxMode
		}
		o.Cookie = &c
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func (o *Options) allows(transport string) bool {
	for _, t := range o.Transports {
		if t == transport {
			return true
		}
	}
	return false
}
