package core

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/core/internal/fanout"
	"github.com/socketio-go/sio/core/parser"
)

// Server is a Socket.IO server. Create it with NewServer, register handlers,
// then mount it with an adapter (stdsio, ginsio, echosio, fibersio). The
// methods that take no namespace act on the main namespace "/".
type Server struct {
	opts  Options
	eng   *engineio.Server
	codec parser.Codec
	log   *slog.Logger

	client StaticFiles // Options.ServeClient's rules; nil when off

	mu             sync.RWMutex // guards nsps, parents and onNewNamespace
	nsps           map[string]*Namespace
	parents        []*Namespace // from OfFunc and OfRegexp, in order
	onNewNamespace func(*Namespace)

	catchAll atomic.Pointer[Namespace] // Of("*"), once created

	// busy counts the open connections (until their sockets have left)
	// and the running handler goroutines, for Shutdown.
	busy tracker

	observers fanout.Set[Observer] // see Observe
}

// NewServer returns a Server configured by opts.
func NewServer(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:  opts,
		eng:   engineio.New(opts.Engine),
		codec: opts.Parser,
		log:   opts.Logger,
		nsps:  make(map[string]*Namespace),
	}
	s.client = clientFiles(opts.ServeClient, s.eng.Path(), opts.Logger)
	s.eng.OnConnection(s.onEngineConnection)
	s.Of("/")
	return s
}

// Engine returns the server's Engine.IO server, which adapters serve.
func (s *Server) Engine() *engineio.Server { return s.eng }

// Options returns the server's options with defaults applied.
func (s *Server) Options() Options { return s.opts }

// Of returns the namespace name, creating it on first use. A name without a
// leading slash gets one. Of("*") is the catch-all namespace: its handlers
// serve every namespace that has not been created explicitly (a client may
// then connect to any namespace), and those that have, for the handlers
// they lack.
func (s *Server) Of(name string) *Namespace {
	if name != "*" && !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	s.mu.RLock()
	nsp := s.nsps[name]
	s.mu.RUnlock()
	if nsp != nil {
		return nsp
	}
	s.mu.Lock()
	if nsp = s.nsps[name]; nsp != nil {
		s.mu.Unlock()
		return nsp
	}
	nsp = newNamespace(s, name, nil)
	s.nsps[name] = nsp
	if name == "*" {
		nsp.match = func(string, Args) bool { return true }
		s.catchAll.Store(nsp)
	}
	hook := s.onNewNamespace
	s.mu.Unlock()
	if hook != nil {
		hook(nsp)
	}
	return nsp
}

// lookup returns the namespace a client asks for: an existing one, or a
// new child of the first parent namespace that accepts the name (OfFunc,
// OfRegexp, then Of("*")), or nil.
func (s *Server) lookup(name string, auth Args) *Namespace {
	s.mu.RLock()
	nsp := s.nsps[name]
	parents := s.parents
	if star := s.catchAll.Load(); star != nil {
		parents = append(slices.Clip(parents), star)
	}
	s.mu.RUnlock()
	if nsp != nil || name == "*" {
		return nsp
	}
	for _, parent := range parents {
		if parent.match(name, auth) {
			return s.newChild(parent, name)
		}
	}
	return nil
}

// Socket returns the local socket sid of "/", or nil (whose methods are
// safe to call; see Socket).
func (s *Server) Socket(sid string) *Socket { return s.Of("/").Socket(sid) }

// Use adds a middleware to "/"; see Namespace.Use.
func (s *Server) Use(fn func(s *Socket) error) { s.Of("/").Use(fn) }

// OnConnect sets the connect handler of "/"; see Namespace.OnConnect.
func (s *Server) OnConnect(fn any) { s.Of("/").OnConnect(fn) }

// OnDisconnect sets the disconnect handler of "/"; see
// Namespace.OnDisconnect.
func (s *Server) OnDisconnect(fn func(s *Socket, reason DisconnectReason)) {
	s.Of("/").OnDisconnect(fn)
}

// On sets the handler of event on "/"; see Namespace.On.
func (s *Server) On(event string, fn any) { s.Of("/").On(event, fn) }

// Emit sends event to every socket of "/".
func (s *Server) Emit(event string, args ...any) error { return s.Of("/").Emit(event, args...) }

// To returns a broadcast to the sockets of "/" in any of rooms (a socket id
// is a room).
func (s *Server) To(rooms ...string) BroadcastOperator { return s.Of("/").To(rooms...) }

// Except returns a broadcast to every socket of "/" but those in rooms.
func (s *Server) Except(rooms ...string) BroadcastOperator { return s.Of("/").Except(rooms...) }

// Call sends event to the socket sid of "/" and waits for its
// acknowledgement (python-socketio's call()).
func (s *Server) Call(ctx context.Context, sid, event string, args ...any) (Args, error) {
	return s.Of("/").Call(ctx, sid, event, args...)
}

// EnterRoom adds the socket sid of "/" to room; see Namespace.EnterRoom.
func (s *Server) EnterRoom(sid, room string) error { return s.Of("/").EnterRoom(sid, room) }

// LeaveRoom removes the socket sid of "/" from room; see
// Namespace.LeaveRoom.
func (s *Server) LeaveRoom(sid, room string) error { return s.Of("/").LeaveRoom(sid, room) }

// CloseRoom removes every socket of "/" from room.
func (s *Server) CloseRoom(room string) { s.Of("/").CloseRoom(room) }

// Rooms returns the rooms of the socket sid of "/".
func (s *Server) Rooms(sid string) []string { return s.Of("/").Rooms(sid) }

// Session returns a copy of the session of the socket sid of "/".
func (s *Server) Session(sid string) (map[string]any, error) { return s.Of("/").Session(sid) }

// SaveSession replaces the session of the socket sid of "/".
func (s *Server) SaveSession(sid string, session map[string]any) error {
	return s.Of("/").SaveSession(sid, session)
}

// UpdateSession runs fn on the session of the socket sid of "/", under the
// session's lock.
func (s *Server) UpdateSession(sid string, fn func(session map[string]any) error) error {
	return s.Of("/").UpdateSession(sid, fn)
}

// Disconnect disconnects the socket sid of "/".
func (s *Server) Disconnect(sid string) error { return s.Of("/").Disconnect(sid) }

// Shutdown disconnects every socket with reason "server shutting down",
// closes every connection, and waits for them and for running handlers, or
// until ctx is done. Connections close as soon as their client has the
// close packet: at once on websocket and for a pending long-poll; a polling
// client between two requests is waited for up to
// Options.Engine.ClosePollWait (2s by default).
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.eng.Shutdown(ctx)
	if werr := s.busy.wait(ctx); err == nil {
		err = werr
	}
	s.mu.RLock()
	nsps := make([]*Namespace, 0, len(s.nsps)+len(s.parents))
	for _, n := range s.nsps {
		nsps = append(nsps, n)
	}
	// The parents of OfFunc and OfRegexp are not in nsps; their adapters
	// need closing too (a broker adapter runs a goroutine).
	nsps = append(nsps, s.parents...)
	s.mu.RUnlock()
	for _, n := range nsps {
		n.adapter.Close()
	}
	return err
}

func (s *Server) onEngineConnection(conn *engineio.Socket) {
	s.busy.add() // done when the connection's sockets have left
	c := newClient(s, conn)
	conn.OnMessage(c.onMessage)
	conn.OnClose(c.onClose)
}

// tracker counts running work and lets Shutdown wait for it. Unlike a
// sync.WaitGroup, work may start while a wait is in progress (a closing
// connection starts its disconnect handlers).
type tracker struct {
	mu   sync.Mutex    // guards n and idle
	n    int           // the work running
	idle chan struct{} // closed when n drops to zero; nil when nobody waits
}

func (t *tracker) add() {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
}

func (t *tracker) done() {
	t.mu.Lock()
	t.n--
	if t.n == 0 && t.idle != nil {
		close(t.idle)
		t.idle = nil
	}
	t.mu.Unlock()
}

// wait returns when no work runs, or ctx's error when ctx is done first.
func (t *tracker) wait(ctx context.Context) error {
	t.mu.Lock()
	if t.n == 0 {
		t.mu.Unlock()
		return nil
	}
	if t.idle == nil {
		t.idle = make(chan struct{})
	}
	idle := t.idle
	t.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
