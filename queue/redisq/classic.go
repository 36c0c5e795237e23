package redisq

import (
	"context"
	"crypto/rand"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue/internal/pending"
)

// FormatClassic is the format of @socket.io/redis-adapter's createAdapter
// (NewManager).
const FormatClassic Format = "classic"

func init() {
	formats[FormatClassic] = format{manager: func(c redis.UniversalClient, log *slog.Logger) core.ClientManager {
		return NewManager(c, Options{Logger: log})
	}}
}

// Defaults of Options.
const (
	DefaultKey             = "socket.io"
	DefaultRequestsTimeout = 5 * time.Second
)

// Options configures a manager from NewManager (the names of
// @socket.io/redis-adapter's options). The zero value of every field
// means the documented default.
type Options struct {
	// Key starts every channel name. Zero: "socket.io".
	Key string
	// RequestsTimeout bounds the wait for the other servers' answers to
	// FetchSockets and ServerSideEmit with acknowledgements. Zero: 5s.
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel sends the answers to another
	// server's requests on that server's own response channel instead
	// of the namespace's. Every server reads both.
	PublishOnSpecificResponseChannel bool
	// PublishTimeout bounds each PUBLISH. Zero: DefaultPublishTimeout.
	PublishTimeout time.Duration
	// HealthCheck is the silence on the pub/sub connection after which
	// the manager sends a PING, and the wait for its answer after which
	// it replaces the connection. Zero: DefaultHealthCheck.
	HealthCheck time.Duration
	// OnPublishError, when set, is called with the error of each PUBLISH
	// that did not send its message, on the publishing goroutine:
	// metrics.BrokerHooks gives one.
	OnPublishError func(error)
	// OnReconnect, when set, is called each time the pub/sub connection
	// is restored after a loss, on its reader goroutine
	// (metrics.BrokerHooks gives one).
	OnReconnect func()
	// Logger receives the manager's log lines. Nil: the server's logger.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Key == "" {
		o.Key = DefaultKey
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = DefaultRequestsTimeout
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = DefaultPublishTimeout
	}
	if o.HealthCheck <= 0 {
		o.HealthCheck = DefaultHealthCheck
	}
	return o
}

// manager is the ClientManager NewManager returns.
type manager struct {
	client redis.UniversalClient
	opts   Options
	uid    string

	once sync.Once // sets log, sub and pub, with the first namespace's server logger
	log  *slog.Logger
	sub  *subscriber
	pub  *publisher
}

// NewManager returns a ClientManager that links the servers using client
// into one cluster, in the format of @socket.io/redis-adapter's
// createAdapter: sio and Node.js servers on the same Redis and Key share
// one cluster. Give each server its own manager (it is the server's
// identity in the cluster) and set it as core.Options.ClientManager. The
// manager does not close client: close it after shutting the server
// down.
func NewManager(client redis.UniversalClient, opts Options) core.ClientManager {
	return &manager{client: client, opts: opts.withDefaults(), uid: newUID(6)}
}

// NewAdapter implements core.ClientManager.
func (m *manager) NewAdapter(nsp *core.Namespace) core.Adapter {
	m.once.Do(func() {
		m.log = m.opts.Logger
		if m.log == nil {
			m.log = nsp.Server().Options().Logger
		}
		m.log = m.log.With("uid", m.uid)
		m.sub = newSubscriber(m.client, m.log, m.opts.HealthCheck, m.opts.OnReconnect)
		m.pub = newPublisher(m.client, m.log, m.opts.PublishTimeout, m.opts.OnPublishError)
	})
	return newClassicAdapter(m, nsp)
}

// ClassicAdapter is the Adapter of one namespace for a manager from
// NewManager (nsp.Adapter().(*redisq.ClassicAdapter)): the embedded
// MemoryAdapter keeps the local rooms and delivers to the local sockets;
// every cluster-wide operation is also published to the other servers.
type ClassicAdapter struct {
	*core.MemoryAdapter

	m   *manager
	nsp *core.Namespace
	log *slog.Logger

	channel         string // "<key>#<nsp>#": broadcasts; "<key>#<nsp>#<room>#" for one room
	requestChannel  string // "<key>-request#<nsp>#"
	responseChannel string // "<key>-response#<nsp>#"; this server's own: responseChannel + uid + "#"

	requests pending.Table

	closeOnce sync.Once
}

func newClassicAdapter(m *manager, nsp *core.Namespace) *ClassicAdapter {
	a := &ClassicAdapter{
		MemoryAdapter:   core.NewMemoryAdapter(nsp),
		m:               m,
		nsp:             nsp,
		log:             m.log.With("nsp", nsp.Name()),
		channel:         m.opts.Key + "#" + nsp.Name() + "#",
		requestChannel:  m.opts.Key + "-request#" + nsp.Name() + "#",
		responseChannel: m.opts.Key + "-response#" + nsp.Name() + "#",
	}
	// Wait (a little) for Redis to confirm the subscriptions, so that the
	// server is counted when NewServer returns; without Redis it starts
	// anyway, and subscribes when Redis answers.
	ctx, cancel := context.WithTimeout(context.Background(), m.opts.HealthCheck)
	defer cancel()
	if err := m.sub.subscribe(ctx, a.subscriptions()...); err != nil {
		a.log.Warn("sio/redisq: subscriptions not confirmed", "err", err)
	}
	return a
}

// subscriptions returns the adapter's subscriptions: the broadcast
// pattern and the request channel, whose messages run in order on the
// subscriber's worker, and the response channels, handled on its reader
// (so a handler waiting for answers does not wait for itself).
func (a *ClassicAdapter) subscriptions() []subscription {
	return []subscription{
		{subPattern, escapeGlob(a.channel) + "*", handler{fn: a.onBroadcast}},
		{subChannel, a.requestChannel, handler{fn: a.onRequest}},
		{subChannel, a.responseChannel, handler{fn: a.onResponse, inline: true}},
		{subChannel, a.specificResponseChannel(a.m.uid), handler{fn: a.onResponse, inline: true}},
	}
}

// specificResponseChannel returns the response channel of the server uid.
func (a *ClassicAdapter) specificResponseChannel(uid string) string {
	return a.responseChannel + uid + "#"
}

// UID returns the server's id in the cluster: 6 characters, as Node.js's.
func (a *ClassicAdapter) UID() string { return a.m.uid }

// Close implements core.Adapter: it ends the namespace's subscriptions
// and abandons its pending requests.
func (a *ClassicAdapter) Close() {
	a.closeOnce.Do(func() {
		a.requests.Close()
		for _, s := range a.subscriptions() {
			a.m.sub.unsubscribe(s.kind, s.name)
		}
		a.MemoryAdapter.Close()
	})
}

// uidAlphabet is the alphabet of uid2, which Node.js's adapter uses for
// its uids and request ids.
const uidAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newUID returns n random characters of uidAlphabet.
func newUID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	for i := range b {
		b[i] = uidAlphabet[int(b[i])%len(uidAlphabet)]
	}
	return string(b)
}
