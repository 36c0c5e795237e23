package adminui

import (
	"errors"
	"log/slog"
	"os"
	"time"
)

// Mode selects how much the instrumentation reports.
type Mode string

// Modes, as the Node.js package names them.
const (
	// Development reports everything: the sockets of every namespace
	// (all_sockets on connection), and live socket, room and event
	// updates. The UI then shows its Sockets, Rooms, Clients and Events
	// pages.
	Development Mode = "development"
	// Production reports only the periodic server statistics with their
	// aggregated counters, to keep the cost low on a busy server. The
	// operations stay available (see Config.ReadOnly).
	Production Mode = "production"
)

// Defaults applied to zero Config fields.
const (
	DefaultNamespace     = "/admin"
	DefaultStatsInterval = 2 * time.Second
)

// Config configures Instrument. Auth is required; every other zero field
// means its documented default.
type Config struct {
	// Namespace is the admin namespace the UI connects to. Zero: "/admin".
	Namespace string
	// Auth decides who may connect: NoAuth(), Basic (bcrypt), Plain,
	// AnyOf or Callback. Nil is an error (ErrNoAuth), as in the reference
	// implementations: authentication is never off by accident.
	Auth *Auth
	// Store keeps the session ids given to the UI after a login with
	// credentials, so a reloaded page reconnects without them. Zero: a
	// MemoryStore (one per process; use a shared store behind a load
	// balancer, such as adminui/redisstore's).
	Store SessionStore
	// ReadOnly refuses the operations (join, leave, disconnect, emit):
	// their handlers are not registered and the UI hides their buttons.
	ReadOnly bool
	// Mode is Development or Production. Zero: Development.
	Mode Mode
	// ServerID names this server in the UI; it must be unique in a
	// cluster. Zero: the host name, followed by "#" and the cluster
	// manager's id of this server when the ClientManager gives one (the
	// managers of package queue do), so servers on one host differ.
	ServerID string
	// StatsInterval is how often server_stats is sent. Zero: 2s.
	StatsInterval time.Duration
	// Logger receives the instrumentation's log lines. Nil: the server's.
	Logger *slog.Logger
}

// Errors returned by Instrument.
var (
	// ErrNoAuth: Config.Auth is nil. Use NoAuth() to disable
	// authentication explicitly.
	ErrNoAuth = errors.New("adminui: Config.Auth must be set (NoAuth() disables authentication)")
	// ErrMode: Config.Mode is neither Development nor Production.
	ErrMode = errors.New("adminui: Config.Mode must be development or production")
)

func (c Config) withDefaults(serverLog *slog.Logger) (Config, error) {
	if c.Auth == nil {
		return c, ErrNoAuth
	}
	if c.Namespace == "" {
		c.Namespace = DefaultNamespace
	}
	if c.Namespace[0] != '/' {
		c.Namespace = "/" + c.Namespace
	}
	switch c.Mode {
	case "":
		c.Mode = Development
	case Development, Production:
	default:
		return c, ErrMode
	}
	if c.ServerID == "" {
		c.ServerID = hostname
	}
	if c.StatsInterval <= 0 {
		c.StatsInterval = DefaultStatsInterval
	}
	if c.Store == nil {
		c.Store = NewMemoryStore(0)
	}
	if c.Logger == nil {
		c.Logger = serverLog
	}
	return c, nil
}

// hostname is the host's name, as the reference implementations report it.
var hostname = func() string {
	h, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return h
}()
