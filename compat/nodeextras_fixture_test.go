package compat

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/core/parser"
)

// The fixture of the Node extras suite (nodeextras_test.go,
// compat/nodeextras/*.test.mjs): several sio servers running the same
// application, on one test HTTP server. (The cluster suite,
// compat/nodeextras/cluster/, runs the same application on two servers "a"
// and "b" linked by package queue, each on its own test HTTP server.)
//
//	/extras/                 "extras": default options
//	/extras-cleanup/         "cleanup": Options.CleanupEmptyChildNamespaces
//	/extras-recovery/        "recovery": connection state recovery (1 minute)
//	/extras-recovery-short/  "recoveryshort": recovery for nxShortRecovery only
//	/extras-msgpack/         "msgpack": the msgpack parser
//	/extras-deflate/         "deflate": websocket permessage-deflate
//	/nx/...                  control endpoints (see nxControl)
//
// Namespaces of every server: "/" and "/x" run the application (nxApp);
// "/mw" runs it behind three namespace middlewares "m1", "m2", "m3"; the
// parent namespaces OfRegexp(^/dyn-[0-9]+$) and OfFunc (names starting
// with "/fn-" when the auth payload has key "open-sesame") run it for their
// children, behind the parent middleware "parent-mw" and, for each child,
// the child middleware "child-mw" added by the new-namespace hook.
//
// The auth payload steers a connection: "tag" names the trace of the
// middlewares and connect handler it went through (GET /nx/trace);
// "refuseAt": "m2" makes middleware m2 refuse with RefuseConnection
// ("refused by m2", {"at":"m2","code":4001}), "m2-plain" with a plain
// error "plain refusal by m2"; "data" becomes the socket's data
// (Socket.SetData) unless the socket was recovered.
const (
	// No heartbeat during most tests (a ping written at the wrong moment
	// makes a volatile packet look dropped); short enough for the final
	// check of the sockets the suite left behind.
	nxPingInterval = 5 * time.Second
	nxPingTimeout  = 10 * time.Second
	// nxShortRecovery is the recovery window of the "recoveryshort" server.
	nxShortRecovery = 300 * time.Millisecond
	// nxControlWait bounds how long a control endpoint waits.
	nxControlWait = 15 * time.Second
)

type nxServerSpec struct {
	name string
	opts core.Options
}

func nxServerSpecs() []nxServerSpec {
	eng := func(path string) engineio.Options {
		return engineio.Options{Path: path, PingInterval: nxPingInterval, PingTimeout: nxPingTimeout}
	}
	deflate := eng("/extras-deflate/")
	deflate.PerMessageDeflate = true
	return []nxServerSpec{
		{"extras", core.Options{Engine: eng("/extras/")}},
		{"cleanup", core.Options{Engine: eng("/extras-cleanup/"), CleanupEmptyChildNamespaces: true}},
		{"recovery", core.Options{Engine: eng("/extras-recovery/"),
			Recovery: &core.RecoveryOptions{MaxDisconnectionDuration: time.Minute}}},
		{"recoveryshort", core.Options{Engine: eng("/extras-recovery-short/"),
			Recovery: &core.RecoveryOptions{MaxDisconnectionDuration: nxShortRecovery}}},
		{"msgpack", core.Options{Engine: eng("/extras-msgpack/"), Parser: parser.Msgpack}},
		{"deflate", core.Options{Engine: deflate}},
	}
}

// nxFixture is the running fixture.
type nxFixture struct {
	t       *testing.T
	baseURL string                            // the first host's URL
	hosts   []func(ctx context.Context) error // the hosts' graceful shutdowns
	servers map[string]*core.Server
	paths   map[string]string
	urls    map[string]string
	stats   map[string]*nxLogStats
	parents map[string]map[string]*core.Namespace // server → "regexp"/"func" → parent
	stopped chan struct{}
	once    sync.Once

	mu      sync.Mutex                            // guards the fields below
	nsps    map[string]map[string]*core.Namespace // server → name → latest namespace
	created map[string]map[string]int             // server → name → times created
	traces  map[string][]string                   // by auth tag
	sockets map[string]*nxSocket                  // by server + "|" + sid
	lives   map[*core.Socket]*nxLife
	all     []*nxLife
	sse     map[string][]any // server-side events received, by server
}

// nxSocket is the fixture's state of one socket id (kept across a
// recovery, which keeps the id).
type nxSocket struct {
	mu        sync.Mutex // guards the fields below
	anyRemove map[string]func()
	outRemove map[string]func()
	outLog    []map[string]any
	trace     []string
	forbidden int
}

// nxLife is one connection of a socket id: a recovered socket has two.
type nxLife struct {
	done chan struct{} // closed when the socket has left

	mu   sync.Mutex // guards info
	info nxLifeInfo
}

type nxLifeInfo struct {
	SID       string `json:"sid"`
	Server    string `json:"server"`
	Nsp       string `json:"nsp"`
	Transport string `json:"transport"` // at connect time
	Recovered bool   `json:"recovered"`

	Disconnected bool   `json:"disconnected"`
	Reason       string `json:"reason"`
	// What the disconnecting hook and the disconnect handler saw.
	DisconnectingCalled  bool     `json:"disconnectingCalled"`
	DisconnectingReason  string   `json:"disconnectingReason"`
	RoomsAtDisconnecting []string `json:"roomsAtDisconnecting"`
	RoomsAtDisconnect    []string `json:"roomsAtDisconnect"`
	DataAtDisconnecting  any      `json:"dataAtDisconnecting"`
}

func newNXFixture(t *testing.T, h adapterHost) *nxFixture {
	return newNXFixtureWith(t, h, nxServerSpecs(), false)
}

// newNXFixtureWith starts the servers of specs in host h (one of
// adapterHosts): all in one host, or with ownHosts each in its own (the
// control endpoints are on every one).
func newNXFixtureWith(t *testing.T, h adapterHost, specs []nxServerSpec, ownHosts bool) *nxFixture {
	logWriter := &testLogWriter{t: t}
	t.Cleanup(logWriter.stop) // after the shutdown below
	text := slog.NewTextHandler(logWriter, &slog.HandlerOptions{Level: slog.LevelInfo})
	f := &nxFixture{
		t:       t,
		servers: make(map[string]*core.Server),
		paths:   make(map[string]string),
		urls:    make(map[string]string),
		stats:   make(map[string]*nxLogStats),
		parents: make(map[string]map[string]*core.Namespace),
		stopped: make(chan struct{}),
		nsps:    make(map[string]map[string]*core.Namespace),
		created: make(map[string]map[string]int),
		traces:  make(map[string][]string),
		sockets: make(map[string]*nxSocket),
		lives:   make(map[*core.Socket]*nxLife),
		sse:     make(map[string][]any),
	}
	control := f.control()
	var all []*core.Server
	for _, spec := range specs {
		stats := &nxLogStats{dropped: make(map[string]int)}
		f.stats[spec.name] = stats
		opts := spec.opts
		opts.CORSAllowedOrigins = []string{"*"}
		opts.Logger = slog.New(&nxLogHandler{inner: text, stats: stats}).With("server", spec.name)
		srv := core.NewServer(opts)
		f.install(spec.name, srv)
		f.servers[spec.name] = srv
		f.paths[spec.name] = srv.Options().Path
		all = append(all, srv)
	}
	// The hosts start once the fixture is complete: their handlers read it
	// without locks.
	start := func(servers []*core.Server) string {
		cfg := hostConfig{fallback: control}
		for _, srv := range servers {
			cfg.sioPaths = append(cfg.sioPaths, srv.Options().Path)
		}
		app := h.start(t, servers, cfg)
		f.hosts = append(f.hosts, app.shutdown)
		if f.baseURL == "" {
			f.baseURL = app.URL
		}
		return app.URL
	}
	if ownHosts {
		for i, spec := range specs {
			f.urls[spec.name] = start(all[i : i+1])
		}
	} else {
		url := start(all)
		for _, spec := range specs {
			f.urls[spec.name] = url
		}
	}
	t.Cleanup(f.stop)
	return f
}

// env tells the client suite where the fixture is: NX_URL (the control
// endpoints), NX_URL_<NAME> and NX_PATH_<NAME> for each server,
// NX_SHORT_RECOVERY_MS.
func (f *nxFixture) env() []string {
	env := []string{"NX_URL=" + f.baseURL, "NX_SHORT_RECOVERY_MS=" + strconv.Itoa(int(nxShortRecovery.Milliseconds()))}
	for name, path := range f.paths {
		env = append(env, "NX_PATH_"+strings.ToUpper(name)+"="+path, "NX_URL_"+strings.ToUpper(name)+"="+f.urls[name])
	}
	sort.Strings(env)
	return env
}

func (f *nxFixture) stop() {
	f.once.Do(func() {
		close(f.stopped)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		for name, srv := range f.servers {
			if err := srv.Shutdown(ctx); err != nil {
				f.t.Errorf("server %s: shutdown: %v", name, err)
			}
		}
		for _, shutdown := range f.hosts {
			if err := shutdown(ctx); err != nil {
				f.t.Errorf("host shutdown: %v", err)
			}
		}
	})
}

// checkAllDisconnected fails the test for every socket still connected
// after wait, and logs the disconnect reasons.
func (f *nxFixture) checkAllDisconnected(wait time.Duration) {
	f.t.Helper()
	f.mu.Lock()
	lives := slices.Clone(f.all)
	f.mu.Unlock()
	if len(lives) == 0 {
		f.t.Errorf("the clients connected no socket")
		return
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	reasons := map[string]int{}
	for _, l := range lives {
		select {
		case <-l.done:
		case <-timer.C:
		}
		info := l.snapshot()
		if !info.Disconnected {
			f.t.Errorf("socket %s (server %s, nsp %s, %s) is still connected after the client suite ended",
				info.SID, info.Server, info.Nsp, info.Transport)
			continue
		}
		reasons[info.Reason]++
	}
	var summary []string
	for r, n := range reasons {
		summary = append(summary, fmt.Sprintf("%s: %d", r, n))
	}
	sort.Strings(summary)
	f.t.Logf("%d socket connections; disconnect reasons: %v", len(lives), summary)
}

// waitServerCount waits until every server counts n servers in each of
// the namespaces nsps (the peers have heard from each other).
func (f *nxFixture) waitServerCount(n int, wait time.Duration, nsps ...string) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for name, srv := range f.servers {
		for _, nsp := range nsps {
			for srv.Of(nsp).ServerCount(ctx) != n {
				select {
				case <-tick.C:
				case <-ctx.Done():
					f.t.Fatalf("server %s, namespace %s: ServerCount is %d after %v, want %d",
						name, nsp, srv.Of(nsp).ServerCount(context.Background()), wait, n)
				}
			}
		}
	}
}

// checkNoPanics fails the test when a server logged a panic.
func (f *nxFixture) checkNoPanics() {
	f.t.Helper()
	for name, st := range f.stats {
		st.mu.Lock()
		if st.panics > 0 {
			f.t.Errorf("server %s logged %d panics, the last: %s", name, st.panics, st.lastPanic)
		}
		st.mu.Unlock()
	}
}

// ---------------------------------------------------------------------------
// Log statistics: volatile packets dropped by socket, panics.

type nxLogStats struct {
	mu        sync.Mutex // guards the fields below
	dropped   map[string]int
	panics    int
	lastPanic string
}

func (st *nxLogStats) droppedFor(sid string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.dropped[sid]
}

// nxLogHandler counts the records the fixture checks and passes those of
// level Info and above to inner.
type nxLogHandler struct {
	inner slog.Handler
	stats *nxLogStats
}

func (h *nxLogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *nxLogHandler) Handle(ctx context.Context, r slog.Record) error {
	switch {
	case r.Message == "sio: volatile packet dropped":
		var sid string
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "sid" {
				sid = a.Value.String()
				return false
			}
			return true
		})
		h.stats.mu.Lock()
		h.stats.dropped[sid]++
		h.stats.mu.Unlock()
	case strings.Contains(r.Message, "panic"):
		h.stats.mu.Lock()
		h.stats.panics++
		h.stats.lastPanic = r.Message
		h.stats.mu.Unlock()
	}
	if r.Level >= slog.LevelInfo {
		return h.inner.Handle(ctx, r)
	}
	return nil
}

func (h *nxLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &nxLogHandler{inner: h.inner.WithAttrs(attrs), stats: h.stats}
}

func (h *nxLogHandler) WithGroup(name string) slog.Handler {
	return &nxLogHandler{inner: h.inner.WithGroup(name), stats: h.stats}
}

// ---------------------------------------------------------------------------
// The application.

type nxSumReq struct {
	A int `json:"a"`
	B int `json:"b"`
}

type nxSumResp struct {
	Sum int `json:"sum"`
}

type nxUserData struct {
	User  string `json:"user"`
	Level int    `json:"level"`
}

type nxPoint struct {
	X     int    `json:"x"`
	Y     int    `json:"y"`
	Label string `json:"label"`
}

type nxBlobs struct {
	Name  string   `json:"name"`
	Data  []byte   `json:"data"`
	Parts [][]byte `json:"parts"`
	Inner struct {
		Blob []byte `json:"blob"`
		N    int    `json:"n"`
	} `json:"inner"`
}

// install sets up the namespaces of srv.
func (f *nxFixture) install(server string, srv *core.Server) {
	f.registerNsp(server, srv.Of("/")) // created with the server, before the hook
	srv.OnNewNamespace(func(n *core.Namespace) {
		f.registerNsp(server, n)
		if n.Parent() != nil {
			n.Use(func(s *core.Socket) error {
				f.trace(s, "child-mw")
				return nil
			})
		}
	})
	for _, name := range []string{"/", "/x"} {
		f.app(server, srv.Of(name))
	}
	mw := srv.Of("/mw")
	for _, step := range []string{"m1", "m2", "m3"} {
		mw.Use(func(s *core.Socket) error {
			f.trace(s, step)
			switch nxAuth(s)["refuseAt"] {
			case step:
				return core.RefuseConnection("refused by "+step, map[string]any{"at": step, "code": 4001})
			case step + "-plain":
				return errors.New("plain refusal by " + step)
			}
			return nil
		})
	}
	f.app(server, mw)

	re := srv.OfRegexp(regexp.MustCompile(`^/dyn-[0-9]+$`))
	fn := srv.OfFunc(func(name string, auth core.Args) bool {
		var a map[string]any
		if auth.Len() > 0 {
			_ = auth.Decode(0, &a)
		}
		return strings.HasPrefix(name, "/fn-") && a["key"] == "open-sesame"
	})
	f.parents[server] = map[string]*core.Namespace{"regexp": re, "func": fn}
	for _, parent := range []*core.Namespace{re, fn} {
		parent.Use(func(s *core.Socket) error {
			f.trace(s, "parent-mw")
			return nil
		})
		f.app(server, parent)
	}
}

func (f *nxFixture) registerNsp(server string, n *core.Namespace) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nsps[server] == nil {
		f.nsps[server] = make(map[string]*core.Namespace)
		f.created[server] = make(map[string]int)
	}
	f.nsps[server][n.Name()] = n
	f.created[server][n.Name()]++
}

// nxAuth returns the socket's auth payload as a map.
func nxAuth(s *core.Socket) map[string]any {
	var m map[string]any
	if a := s.Handshake().Auth; a.Len() > 0 {
		_ = a.Decode(0, &m)
	}
	return m
}

// trace appends step to the trace of the socket's auth tag.
func (f *nxFixture) trace(s *core.Socket, step string) {
	tag, _ := nxAuth(s)["tag"].(string)
	if tag == "" {
		return
	}
	f.mu.Lock()
	f.traces[tag] = append(f.traces[tag], step)
	f.mu.Unlock()
}

// socketState returns the state of the socket id sid of server.
func (f *nxFixture) socketState(server, sid string) *nxSocket {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := server + "|" + sid
	st := f.sockets[key]
	if st == nil {
		st = &nxSocket{anyRemove: map[string]func(){}, outRemove: map[string]func(){}}
		f.sockets[key] = st
	}
	return st
}

func (f *nxFixture) life(s *core.Socket) *nxLife {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lives[s]
}

// lastLife returns the latest connection of the socket id sid, or nil.
func (f *nxFixture) lastLife(sid string) *nxLife {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.all) - 1; i >= 0; i-- {
		if f.all[i].info.SID == sid {
			return f.all[i]
		}
	}
	return nil
}

func (l *nxLife) snapshot() nxLifeInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.info
}

// connected records a socket accepted by the connect handler and installs
// its packet middleware and its tracing listener.
func (f *nxFixture) connected(server string, s *core.Socket) {
	l := &nxLife{done: make(chan struct{}), info: nxLifeInfo{
		SID: s.ID(), Server: server, Nsp: s.Namespace().Name(), Transport: s.Transport(), Recovered: s.Recovered(),
	}}
	f.mu.Lock()
	f.lives[s] = l
	f.all = append(f.all, l)
	f.mu.Unlock()
	st := f.socketState(server, s.ID())

	// Packet middleware: "guard" rejects the events whose name starts with
	// "forbidden"; "second" rejects those whose first argument is an
	// object with deny: true. Both trace the event "traced".
	s.Use(func(s *core.Socket, event string, a core.Args) error {
		if event == "traced" {
			st.addTrace("guard")
		}
		if strings.HasPrefix(event, "forbidden") {
			return fmt.Errorf("event %q is forbidden", event)
		}
		return nil
	})
	s.Use(func(s *core.Socket, event string, a core.Args) error {
		if event == "traced" {
			st.addTrace("second")
		}
		var m map[string]any
		if a.Len() > 0 && a.Decode(0, &m) == nil && m["deny"] == true {
			return errors.New("denied by the second middleware")
		}
		return nil
	})
	s.OnAny(func(event string, _ core.Args) {
		if event == "traced" {
			st.addTrace("any")
		}
	})
}

func (st *nxSocket) addTrace(step string) {
	st.mu.Lock()
	st.trace = append(st.trace, step)
	st.mu.Unlock()
}

// app registers the application on n.
func (f *nxFixture) app(server string, n *core.Namespace) {
	n.OnConnect(func(s *core.Socket, auth map[string]any) error {
		f.trace(s, "connect")
		if d, ok := auth["data"]; ok && !s.Recovered() {
			s.SetData(d)
		}
		f.connected(server, s)
		return nil
	})
	n.OnDisconnecting(func(s *core.Socket, reason core.DisconnectReason) {
		if l := f.life(s); l != nil {
			l.mu.Lock()
			l.info.DisconnectingCalled = true
			l.info.DisconnectingReason = string(reason)
			l.info.RoomsAtDisconnecting = nxSorted(s.Rooms())
			l.info.DataAtDisconnecting = s.Data()
			l.mu.Unlock()
		}
	})
	n.OnDisconnect(func(s *core.Socket, reason core.DisconnectReason) {
		l := f.life(s)
		if l == nil {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.info.Disconnected {
			return
		}
		l.info.Disconnected = true
		l.info.Reason = string(reason)
		l.info.RoomsAtDisconnect = nxSorted(s.Rooms())
		close(l.done)
	})
	state := func(s *core.Socket) *nxSocket { return f.socketState(server, s.ID()) }

	// Server-side events from the other servers of a cluster: "ping" is
	// logged (GET /nx/sse-log) and answered with who answered and what it
	// got; "notify" is logged only.
	logSSE := func(event string, vals []any) {
		f.mu.Lock()
		f.sse[server] = append(f.sse[server], map[string]any{"nsp": n.Name(), "event": event, "args": vals})
		f.mu.Unlock()
	}
	n.OnServerSideEmit("ping", func(a core.Args) []any {
		vals := nxValues(a)
		logSSE("ping", vals)
		return []any{map[string]any{"from": server, "nsp": n.Name(), "args": vals}}
	})
	n.OnServerSideEmit("notify", func(a core.Args) []any {
		logSSE("notify", nxValues(a))
		return nil
	})

	n.On("whoami", func(s *core.Socket) map[string]any {
		return map[string]any{
			"id": s.ID(), "nsp": s.Namespace().Name(), "recovered": s.Recovered(),
			"transport": s.Transport(), "data": s.Data(), "rooms": nxSorted(s.Rooms()),
		}
	})
	n.On("rooms", func(s *core.Socket) []string { return nxSorted(s.Rooms()) })
	n.On("join", func(s *core.Socket, rooms []string) []string {
		s.Join(rooms...)
		return nxSorted(s.Rooms())
	})
	n.On("leave", func(s *core.Socket, room string) []string {
		s.Leave(room)
		return nxSorted(s.Rooms())
	})
	n.On("echo", func(s *core.Socket, a core.Args) core.Args { return a })
	n.On("echo-event", func(s *core.Socket, event string, a core.Args) error {
		return s.Emit(event, nxValues(a)...)
	})
	n.On("emit-self", func(s *core.Socket, event string, a core.Args) error {
		return s.Emit(event, nxValues(a)...)
	})
	n.On("broadcast", func(s *core.Socket, rooms []string, event string, a core.Args) error {
		return s.Broadcast().To(rooms...).Emit(event, nxValues(a)...)
	})
	n.On("set-data", func(s *core.Socket, v any) { s.SetData(v) })
	n.On("fetch", func(ctx context.Context, s *core.Socket, rooms []string) ([]map[string]any, error) {
		socks, err := s.Namespace().In(rooms...).FetchSockets(ctx)
		return describeRemote(socks), err
	})

	// Incoming catch-all listeners: each reports what it sees as the event
	// "any-seen" (name, event, args).
	n.On("any-add", func(s *core.Socket, name string, prepend bool) {
		l := func(event string, a core.Args) { _ = s.Emit("any-seen", name, event, nxValues(a)) }
		var remove func()
		if prepend {
			remove = s.PrependAny(l)
		} else {
			remove = s.OnAny(l)
		}
		st := state(s)
		st.mu.Lock()
		st.anyRemove[name] = remove
		st.mu.Unlock()
	})
	n.On("any-remove", func(s *core.Socket, name string) bool {
		st := state(s)
		st.mu.Lock()
		remove := st.anyRemove[name]
		delete(st.anyRemove, name)
		st.mu.Unlock()
		if remove != nil {
			remove()
		}
		return remove != nil
	})
	n.On("any-off", func(s *core.Socket) { s.OffAny() })

	// Outgoing catch-all listeners: each logs what it sees; out-get
	// returns the log and clears it.
	n.On("out-add", func(s *core.Socket, name string, prepend bool) {
		st := state(s)
		l := func(event string, args []any) {
			st.mu.Lock()
			st.outLog = append(st.outLog, map[string]any{"listener": name, "event": event, "args": args})
			st.mu.Unlock()
		}
		var remove func()
		if prepend {
			remove = s.PrependAnyOutgoing(l)
		} else {
			remove = s.OnAnyOutgoing(l)
		}
		st.mu.Lock()
		st.outRemove[name] = remove
		st.mu.Unlock()
	})
	n.On("out-remove", func(s *core.Socket, name string) bool {
		st := state(s)
		st.mu.Lock()
		remove := st.outRemove[name]
		delete(st.outRemove, name)
		st.mu.Unlock()
		if remove != nil {
			remove()
		}
		return remove != nil
	})
	n.On("out-off", func(s *core.Socket) { s.OffAnyOutgoing() })
	n.On("out-get", func(s *core.Socket) []map[string]any {
		st := state(s)
		st.mu.Lock()
		defer st.mu.Unlock()
		out := st.outLog
		st.outLog = nil
		if out == nil {
			out = []map[string]any{}
		}
		return out
	})

	// Packet middleware.
	n.On("traced", func(s *core.Socket, _ core.Args) { state(s).addTrace("handler") })
	n.On("trace-get", func(s *core.Socket) []string {
		st := state(s)
		st.mu.Lock()
		defer st.mu.Unlock()
		out := append([]string{}, st.trace...)
		st.trace = nil
		return out
	})
	n.On("forbidden-event", func(s *core.Socket, _ core.Args) string {
		st := state(s)
		st.mu.Lock()
		st.forbidden++
		st.mu.Unlock()
		return "handled"
	})
	n.On("count-forbidden", func(s *core.Socket) int {
		st := state(s)
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.forbidden
	})

	// Volatile: n volatile "vol" events (i = 0..n-1) to this socket, by
	// the socket's emitter or by a broadcast, with a plain "nv" every
	// tenth, then a plain "vol-done". The report counts the volatile
	// packets the server dropped for this socket during the burst.
	n.On("volatile-burst", func(s *core.Socket, count int, mode string) (map[string]any, error) {
		stats := f.stats[server]
		before := stats.droppedFor(s.ID())
		for i := range count {
			var err error
			switch mode {
			case "socket":
				err = s.Volatile().Emit("vol", i)
			case "broadcast":
				err = s.Namespace().To(s.ID()).Volatile().Emit("vol", i)
			default:
				return nil, fmt.Errorf("unknown mode %q", mode)
			}
			if err != nil {
				return nil, err
			}
			if count > 1 && i%10 == 0 {
				if err := s.Emit("nv", i); err != nil {
					return nil, err
				}
			}
		}
		if err := s.Emit("vol-done", count); err != nil {
			return nil, err
		}
		dropped := stats.droppedFor(s.ID()) - before
		return map[string]any{"total": count, "dropped": dropped, "sent": count - dropped}, nil
	})

	// Compression: a compressible string of size bytes as "big", with
	// compression on or off, by the socket's emitter or a broadcast.
	n.On("big", func(s *core.Socket, size int, compress bool, mode string) (int, error) {
		payload := strings.Repeat("socket.io ", size/10+1)[:size]
		switch mode {
		case "socket":
			return size, s.Compress(compress).Emit("big", payload)
		case "broadcast":
			return size, s.Namespace().To(s.ID()).Compress(compress).Emit("big", payload)
		}
		return 0, fmt.Errorf("unknown mode %q", mode)
	})

	// Server-to-client acknowledgements (msgpack: every type both ways).
	n.On("ask-client", func(ctx context.Context, s *core.Socket, event string, timeoutMs int, a core.Args) map[string]any {
		var reply core.Args
		var err error
		if timeoutMs > 0 {
			reply, err = s.Timeout(time.Duration(timeoutMs)*time.Millisecond).EmitWithAck(ctx, event, nxValues(a)...)
		} else {
			reply, err = s.EmitWithAck(ctx, event, nxValues(a)...)
		}
		out := map[string]any{"reply": nxValues(reply)}
		if err != nil {
			out["error"] = err.Error()
			out["timeout"] = errors.Is(err, core.ErrAckTimeout)
		}
		return out
	})

	// Payload types (for the msgpack suite): decoding into Go types, and
	// encoding Go values.
	n.On("types-in", func(s *core.Socket, null any, b bool, i int, i64 int64, u8 uint8, fl float64, f32 float32,
		str string, bin []byte, m map[string]any, arr []any, nb nxBlobs) map[string]any {
		mTypes := map[string]string{}
		for k, v := range m {
			mTypes[k] = fmt.Sprintf("%T", v)
		}
		parts := []string{}
		for _, p := range nb.Parts {
			parts = append(parts, hex.EncodeToString(p))
		}
		return map[string]any{
			"nullIsNil": null == nil, "b": b, "i": i, "i64": strconv.FormatInt(i64, 10), "u8": u8,
			"f": fl, "f32": f32, "str": str, "bin": hex.EncodeToString(bin), "m": m, "mTypes": mTypes,
			"arr": arr, "arrLen": len(arr),
			"nested": map[string]any{"name": nb.Name, "data": hex.EncodeToString(nb.Data), "parts": parts,
				"blob": hex.EncodeToString(nb.Inner.Blob), "n": nb.Inner.N},
		}
	})
	n.On("types-go", func(s *core.Socket) (string, error) {
		var nb nxBlobs
		nb.Name = "nested"
		nb.Data = []byte{1, 2, 3}
		nb.Parts = [][]byte{{4}, {5, 6}}
		nb.Inner.Blob = []byte{0xff, 0x00, 0x7f}
		nb.Inner.N = 7
		return "sent", s.Emit("types-go",
			nil, true, false, 0, -1, 255, 65535, int64(-1)<<40, int64(1)<<53, uint64(1)<<32,
			float32(1.5), 3.25, "héllo ✓ 🌍", []byte{0, 1, 254, 255}, []byte{},
			map[string]any{"bin": []byte{9}, "list": []any{1, "two", []byte{3}, nil}, "empty": map[string]any{}},
			[]any{}, nxPoint{X: 1, Y: -2, Label: "p"}, nb,
		)
	})

	// Typed handlers.
	core.Handle(n, "typed-sum", func(ctx context.Context, s *core.Socket, in nxSumReq) (nxSumResp, error) {
		if in.A < 0 || in.B < 0 {
			return nxSumResp{}, errors.New("negative numbers not allowed")
		}
		return nxSumResp{Sum: in.A + in.B}, nil
	})
	core.Handle(n, "typed-len", func(ctx context.Context, s *core.Socket, in []string) (int, error) {
		return len(in), nil
	})
}

// describeRemote reports FetchSockets results, sorted by id.
func describeRemote(socks []*core.RemoteSocket) []map[string]any {
	out := []map[string]any{}
	for _, r := range socks {
		typed, err := core.DataAs[nxUserData](r)
		var auth json.RawMessage
		if r.Handshake.Auth.Len() > 0 {
			auth, _ = r.Handshake.Auth.JSON(0)
		}
		d := map[string]any{
			"id": r.ID, "rooms": nxSorted(r.Rooms), "data": r.Data, "typedUser": typed.User,
			"typedLevel": typed.Level, "query": r.Handshake.Query.Get("q"), "auth": auth, "local": r.Local() != nil,
		}
		if err != nil {
			d["typedError"] = err.Error()
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["id"].(string) < out[j]["id"].(string) })
	return out
}

// nxValues decodes every argument into the generic form ([]byte for
// binary), ready to be sent again.
func nxValues(a core.Args) []any {
	out := make([]any, a.Len())
	for i := range out {
		v, err := a.Value(i)
		if err != nil {
			v = map[string]any{"undecodable": err.Error()}
		}
		out[i] = v
	}
	return out
}

func nxSorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	if s == nil {
		s = []string{}
	}
	return s
}

func nxList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// ---------------------------------------------------------------------------
// Control endpoints.

// control serves, under /nx/ (JSON answers; errors as {"error": text} with
// a 4xx/5xx status). server defaults to "extras", nsp to "/"; parent
// ("regexp" or "func") selects a parent namespace instead of nsp; to,
// except and rooms are comma-separated; args is a JSON array.
//
//	GET /nx/socket?sid=S[&wait=1]  the latest connection of S (nxLifeInfo); with
//	                               wait, once it has left
//	GET /nx/lives?sid=S            every connection of S
//	GET /nx/trace?tag=T            the middleware trace of auth tag T
//	GET /nx/namespaces?server=     how many times each namespace was created
//	GET /nx/emit?server=&nsp=|parent=&to=&except=&event=&args=[&volatile=1][&local=1]
//	GET /nx/ack?server=&nsp=&to=&event=&timeoutMs=&args=
//	                               To(to).Timeout(timeoutMs).EmitWithAck:
//	                               {"replies","error","timeout","elapsedMs"}
//	GET /nx/sse?server=&nsp=&event=&args=[&ack=1&timeoutMs=]
//	                               ServerSideEmit, or ServerSideEmitWithAck:
//	                               {"replies","error","timeout","elapsedMs"}
//	GET /nx/sse-log?server=        the server-side events server received
//	GET /nx/op?server=&nsp=&op=&to=&rooms=&close=&event=&args=
//	                               op on the sockets in to (all when empty):
//	                               fetch, fetch-emit, fetch-join, fetch-leave,
//	                               fetch-disconnect (on each FetchSockets
//	                               result), sockets-join, sockets-leave,
//	                               disconnect-sockets, server-count
func (f *nxFixture) control() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /nx/socket", func(w http.ResponseWriter, r *http.Request) {
		sid := r.URL.Query().Get("sid")
		l := f.lastLife(sid)
		if l == nil {
			nxError(w, http.StatusNotFound, "no socket "+strconv.Quote(sid))
			return
		}
		if r.URL.Query().Get("wait") != "" && !f.await(w, r, l.done, "socket "+sid+" to leave") {
			return
		}
		nxJSON(w, l.snapshot())
	})
	mux.HandleFunc("GET /nx/lives", func(w http.ResponseWriter, r *http.Request) {
		sid := r.URL.Query().Get("sid")
		f.mu.Lock()
		lives := slices.Clone(f.all)
		f.mu.Unlock()
		out := []nxLifeInfo{}
		for _, l := range lives {
			if info := l.snapshot(); info.SID == sid {
				out = append(out, info)
			}
		}
		nxJSON(w, out)
	})
	mux.HandleFunc("GET /nx/trace", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		tr := append([]string{}, f.traces[r.URL.Query().Get("tag")]...)
		f.mu.Unlock()
		nxJSON(w, tr)
	})
	mux.HandleFunc("GET /nx/namespaces", func(w http.ResponseWriter, r *http.Request) {
		server := r.URL.Query().Get("server")
		if server == "" {
			server = "extras"
		}
		f.mu.Lock()
		out := map[string]int{}
		for k, v := range f.created[server] {
			out[k] = v
		}
		f.mu.Unlock()
		nxJSON(w, out)
	})
	mux.HandleFunc("GET /nx/emit", func(w http.ResponseWriter, r *http.Request) {
		nsp, args, ok := f.params(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		op := nsp.To(nxList(q.Get("to"))...).Except(nxList(q.Get("except"))...)
		if q.Get("volatile") != "" {
			op = op.Volatile()
		}
		if q.Get("local") != "" {
			op = op.Local()
		}
		if err := op.Emit(q.Get("event"), args...); err != nil {
			nxError(w, http.StatusInternalServerError, err.Error())
			return
		}
		nxJSON(w, map[string]any{"ok": true})
	})
	mux.HandleFunc("GET /nx/ack", func(w http.ResponseWriter, r *http.Request) {
		nsp, args, ok := f.params(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		ms, _ := strconv.Atoi(q.Get("timeoutMs"))
		start := time.Now()
		replies, err := nsp.To(nxList(q.Get("to"))...).Timeout(time.Duration(ms)*time.Millisecond).
			EmitWithAck(r.Context(), q.Get("event"), args...)
		got := [][]any{}
		for _, rep := range replies {
			got = append(got, nxValues(rep))
		}
		out := map[string]any{"replies": got, "elapsedMs": time.Since(start).Milliseconds()}
		if err != nil {
			out["error"] = err.Error()
			out["timeout"] = errors.Is(err, core.ErrAckTimeout)
		}
		nxJSON(w, out)
	})
	mux.HandleFunc("GET /nx/sse", func(w http.ResponseWriter, r *http.Request) {
		nsp, args, ok := f.params(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		if q.Get("ack") == "" {
			if err := nsp.ServerSideEmit(q.Get("event"), args...); err != nil {
				nxError(w, http.StatusInternalServerError, err.Error())
				return
			}
			nxJSON(w, map[string]any{"ok": true})
			return
		}
		ctx := r.Context()
		if ms, _ := strconv.Atoi(q.Get("timeoutMs")); ms > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
			defer cancel()
		}
		start := time.Now()
		replies, err := nsp.ServerSideEmitWithAck(ctx, q.Get("event"), args...)
		got := [][]any{}
		for _, rep := range replies {
			got = append(got, nxValues(rep))
		}
		out := map[string]any{"replies": got, "elapsedMs": time.Since(start).Milliseconds()}
		if err != nil {
			out["error"] = err.Error()
			out["timeout"] = errors.Is(err, core.ErrAckTimeout)
		}
		nxJSON(w, out)
	})
	mux.HandleFunc("GET /nx/sse-log", func(w http.ResponseWriter, r *http.Request) {
		server := r.URL.Query().Get("server")
		f.mu.Lock()
		out := append([]any{}, f.sse[server]...)
		f.mu.Unlock()
		nxJSON(w, out)
	})
	mux.HandleFunc("GET /nx/op", func(w http.ResponseWriter, r *http.Request) {
		nsp, args, ok := f.params(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		sel := nsp.In(nxList(q.Get("to"))...)
		rooms := nxList(q.Get("rooms"))
		closeConn := q.Get("close") == "true"
		op := q.Get("op")
		if !strings.HasPrefix(op, "fetch") {
			switch op {
			case "sockets-join":
				sel.SocketsJoin(rooms...)
			case "sockets-leave":
				sel.SocketsLeave(rooms...)
			case "disconnect-sockets":
				sel.DisconnectSockets(closeConn)
			case "server-count":
				nxJSON(w, map[string]any{"count": nsp.ServerCount(r.Context())})
				return
			default:
				nxError(w, http.StatusBadRequest, "unknown op "+strconv.Quote(op))
				return
			}
			nxJSON(w, map[string]any{"ok": true})
			return
		}
		socks, err := sel.FetchSockets(r.Context())
		if err != nil {
			nxError(w, http.StatusInternalServerError, err.Error())
			return
		}
		for _, rs := range socks {
			switch op {
			case "fetch":
			case "fetch-emit":
				err = rs.Emit(q.Get("event"), args...)
			case "fetch-join":
				rs.Join(rooms...)
			case "fetch-leave":
				rs.Leave(rooms...)
			case "fetch-disconnect":
				rs.Disconnect(closeConn)
			default:
				nxError(w, http.StatusBadRequest, "unknown op "+strconv.Quote(op))
				return
			}
			if err != nil {
				nxError(w, http.StatusInternalServerError, err.Error())
				return
			}
		}
		nxJSON(w, map[string]any{"sockets": describeRemote(socks)})
	})
	return mux
}

// params resolves the server, nsp or parent, and args parameters.
func (f *nxFixture) params(w http.ResponseWriter, r *http.Request) (*core.Namespace, []any, bool) {
	q := r.URL.Query()
	server := q.Get("server")
	if server == "" {
		server = "extras"
	}
	if f.servers[server] == nil {
		nxError(w, http.StatusBadRequest, "unknown server "+strconv.Quote(server))
		return nil, nil, false
	}
	var nsp *core.Namespace
	if p := q.Get("parent"); p != "" {
		nsp = f.parents[server][p]
	} else {
		name := q.Get("nsp")
		if name == "" {
			name = "/"
		}
		f.mu.Lock()
		nsp = f.nsps[server][name]
		f.mu.Unlock()
	}
	if nsp == nil {
		nxError(w, http.StatusNotFound, "no such namespace")
		return nil, nil, false
	}
	var args []any
	if s := q.Get("args"); s != "" {
		// Generic values, not raw JSON: the msgpack codec encodes them too.
		if err := json.Unmarshal([]byte(s), &args); err != nil {
			nxError(w, http.StatusBadRequest, "args: "+err.Error())
			return nil, nil, false
		}
	}
	return nsp, args, true
}

// await waits for done, up to nxControlWait; on failure it answers the
// request and returns false.
func (f *nxFixture) await(w http.ResponseWriter, r *http.Request, done <-chan struct{}, what string) bool {
	timer := time.NewTimer(nxControlWait)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		nxError(w, http.StatusGatewayTimeout, "timed out after "+nxControlWait.String()+" waiting for "+what)
	case <-f.stopped:
		nxError(w, http.StatusServiceUnavailable, "fixture stopping")
	case <-r.Context().Done():
	}
	return false
}

func nxJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func nxError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
