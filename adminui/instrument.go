package adminui

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/socketio-go/sio/core"
)

// Features the UI enables its controls by (the "config" event).
const (
	featureEmit        = "EMIT"
	featureJoin        = "JOIN"
	featureLeave       = "LEAVE"
	featureDisconnect  = "DISCONNECT"
	featureMJoin       = "MJOIN"
	featureMLeave      = "MLEAVE"
	featureMDisconnect = "MDISCONNECT"
	featureAggregated  = "AGGREGATED_EVENTS"
	featureAllEvents   = "ALL_EVENTS"
)

// fetchTimeout bounds the cluster-wide socket listing sent to a new admin
// client.
const fetchTimeout = 5 * time.Second

// Admin is a server instrumented for the Admin UI. Close stops it.
type Admin struct {
	srv      *core.Server
	nsp      *core.Namespace
	cfg      Config
	log      *slog.Logger
	features []string
	started  time.Time
	// clustered is set when the admin namespace's adapter reaches other
	// servers: admin events are then broadcast even when no admin client
	// is connected here.
	clustered bool

	counters     counters
	conns        connSockets
	eventReports limiter

	stop     chan struct{}
	done     chan struct{}
	closing  sync.Once
	unhook   func()
	fetchers sync.WaitGroup // the all_sockets goroutines
}

// Instrument instruments srv for the Socket.IO Admin UI, as the Node.js
// package's instrument(io, opts) and python-socketio's
// Server.instrument(): it creates the admin namespace (Config.Namespace),
// authenticates the UI there, answers its operations, and reports the
// server's state to it: the periodic server_stats with aggregated
// counters in every mode, and in Development mode every socket, room and
// event as it happens. Every report is a broadcast on the admin namespace,
// so with a cluster ClientManager (package queue) the UI connected to any
// server sees every instrumented server, and its operations go through the
// cluster-wide operations (SocketsJoin, SocketsLeave, DisconnectSockets).
//
// Call it before serving, once per server. Close stops the statistics
// and removes the instrumentation (the admin namespace stays).
func Instrument(srv *core.Server, cfg Config) (*Admin, error) {
	explicitID := cfg.ServerID != ""
	cfg, err := cfg.withDefaults(srv.Options().Logger)
	if err != nil {
		return nil, err
	}
	a := &Admin{
		srv:     srv,
		cfg:     cfg,
		log:     cfg.Logger,
		started: time.Now(),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	a.nsp = srv.Of(cfg.Namespace)
	_, local := a.nsp.Adapter().(*core.MemoryAdapter)
	a.clustered = !local
	if u, ok := a.nsp.Adapter().(interface{ UID() string }); ok && a.cfg.ServerID == hostname && !explicitID {
		a.cfg.ServerID = hostname + "#" + u.UID()
	}
	if !cfg.ReadOnly {
		a.features = []string{featureEmit, featureJoin, featureLeave, featureDisconnect,
			featureMJoin, featureMLeave, featureMDisconnect}
	}
	a.features = append(a.features, featureAggregated)
	if cfg.Mode == Development {
		a.features = append(a.features, featureAllEvents)
	}
	if cfg.Auth.none {
		a.log.Warn("adminui: authentication is disabled, use with caution", "nsp", cfg.Namespace)
	}
	a.nsp.Use(a.authenticate)
	if !cfg.ReadOnly {
		a.registerOperations()
	}
	a.unhook = srv.Observe(a.observer())
	go a.statsLoop()
	return a, nil
}

// Namespace returns the admin namespace.
func (a *Admin) Namespace() *core.Namespace { return a.nsp }

// ServerID returns the id this server reports (Config.ServerID).
func (a *Admin) ServerID() string { return a.cfg.ServerID }

// Close stops the statistics and the reports and waits for the
// instrumentation's goroutines. Admin clients stay connected.
func (a *Admin) Close() {
	a.closing.Do(func() {
		a.unhook()
		close(a.stop)
		<-a.done
		a.fetchers.Wait()
	})
}

// onAdminConnected sends an admin client that has just joined its session
// id (after a login with credentials), its config and, in Development
// mode, every socket of the cluster. The UI registers its listeners when
// it has joined: what is sent before is lost to it.
func (a *Admin) onAdminConnected(s *core.Socket) {
	if id, ok := s.Session()[sessionKey].(string); ok {
		_ = s.Emit("session", id)
	}
	_ = s.Emit("config", map[string]any{"supportedFeatures": a.features})
	if a.cfg.Mode != Development {
		return
	}
	a.fetchers.Add(1)
	go func() {
		defer a.fetchers.Done()
		ctx, cancel := context.WithTimeout(s.Context(), fetchTimeout)
		defer cancel()
		_ = s.Emit("all_sockets", a.allSockets(ctx))
	}()
}

// allSockets lists the sockets of every namespace, on every server.
func (a *Admin) allSockets(ctx context.Context) []any {
	out := []any{}
	for _, n := range a.srv.Namespaces() {
		sockets, err := n.FetchSockets(ctx)
		if err != nil {
			a.log.Info("adminui: fetching sockets failed", "nsp", n.Name(), "err", err)
		}
		for _, r := range sockets {
			out = append(out, serializeRemote(n.Name(), r))
		}
	}
	return out
}

// emit broadcasts an admin event, unless nobody can receive it.
func (a *Admin) emit(event string, args ...any) {
	if !a.clustered && a.nsp.Len() == 0 {
		return
	}
	if err := a.nsp.Emit(event, args...); err != nil {
		a.log.Warn("adminui: cannot emit", "event", event, "err", err)
	}
}

// now is the timestamp of admin events: ISO 8601 in UTC with milliseconds,
// as a JavaScript Date serializes.
func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }
