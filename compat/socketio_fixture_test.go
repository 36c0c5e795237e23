package compat

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
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

// The Socket.IO fixture shared by the interop suites of the npm client
// (socketio_test.go, compat/socketio/*.test.mjs) and of Debian's Python
// client (python_test.go, compat/python/*.py): several sio servers, each
// running the same fixture application, on one test HTTP server.
//
//	/socket.io/      "main": default options (handlers in arrival order)
//	/concurrent/     "concurrent": Options.ConcurrentHandlers
//	/catchall/       "catchall": the catch-all namespace Of("*") and an explicit "/explicit"
//	/sio-heartbeat/  "heartbeat": short heartbeat and connect timeout
//	/msgpack/        "msgpack": the msgpack parser (socket.io-msgpack-parser)
//	/control/...     server-side facts and actions for the clients (see controlMux)
//
// Namespaces of every server but catchall: "/" and "/chat" run the event
// handlers of installEvents; "/class" is the class-based namespace
// sioClassNamespace; "/bare" has a few handlers and no catch-all (see
// installBare). In catchall, "/explicit" has its own connect handler and
// "whoami"; the handlers of Of("*") serve its other events.
//
// Connect handlers refuse by the auth payload: {"token":"bad"} is refused
// with message "authentication failed" and data {"reason":"bad token",
// "retry":false}; {"refuse":"plain"} with a plain error "plain refusal";
// {"refuse":"multi"} with message "multi" and data ["a",2];
// {"refuse":"nodata"} with message "no data" and no data. The catch-all
// namespace refuses the same way; "/class" refuses {"token":"bad"} with
// "class refused" from its OnConnect method.
//
// SIO_TEST_DEBUG=1 logs the servers at debug level (every session and
// socket, with its close reason).
const (
	// sioPingInterval/sioPingTimeout: heartbeats happen during the tests,
	// with a timeout loose enough for a loaded machine.
	sioPingInterval = 2 * time.Second
	sioPingTimeout  = 5 * time.Second

	// The heartbeat server's settings, for the ping-timeout and connect
	// timeout tests.
	sioHBPingInterval   = 400 * time.Millisecond
	sioHBPingTimeout    = 400 * time.Millisecond
	sioHBConnectTimeout = 1 * time.Second

	// sioGateWait bounds how long a "slow" handler waits to be released.
	sioGateWait = 20 * time.Second
)

// sioServerSpec describes one server of the fixture.
type sioServerSpec struct {
	name string
	opts core.Options
}

func sioServerSpecs() []sioServerSpec {
	engine := func(path string, interval, timeout time.Duration) engineio.Options {
		return engineio.Options{Path: path, PingInterval: interval, PingTimeout: timeout}
	}
	return []sioServerSpec{
		{"main", core.Options{Engine: engine("/socket.io/", sioPingInterval, sioPingTimeout)}},
		{"concurrent", core.Options{Engine: engine("/concurrent/", sioPingInterval, sioPingTimeout), ConcurrentHandlers: true}},
		{"catchall", core.Options{Engine: engine("/catchall/", sioPingInterval, sioPingTimeout)}},
		{"heartbeat", core.Options{Engine: engine("/sio-heartbeat/", sioHBPingInterval, sioHBPingTimeout), ConnectTimeout: sioHBConnectTimeout}},
		{"msgpack", core.Options{Engine: engine("/msgpack/", sioPingInterval, sioPingTimeout), Parser: parser.Msgpack}},
	}
}

// sioFixture is the running fixture.
type sioFixture struct {
	t       *testing.T
	url     string                          // the host's base URL
	host    func(ctx context.Context) error // the host's graceful shutdown
	servers map[string]*core.Server
	paths   map[string]string
	reg     *sioRegistry
	gates   *sioGates
	stopped chan struct{} // closed when the fixture stops
	once    sync.Once
}

// newSIOFixture starts the fixture in host h (one of adapterHosts: the sio
// servers mounted with that framework's adapter, the control endpoints
// served by the host); it stops when the test ends (or earlier with stop).
func newSIOFixture(t *testing.T, h adapterHost) *sioFixture {
	logWriter := &testLogWriter{t: t}
	t.Cleanup(logWriter.stop) // after the shutdown below
	logger := slog.New(slog.NewTextHandler(logWriter, &slog.HandlerOptions{Level: sioLogLevel()}))

	f := &sioFixture{
		t:       t,
		servers: make(map[string]*core.Server),
		paths:   make(map[string]string),
		reg:     newSIORegistry(),
		gates:   newSIOGates(),
		stopped: make(chan struct{}),
	}
	var servers []*core.Server
	cfg := hostConfig{fallback: f.controlMux()}
	for _, spec := range sioServerSpecs() {
		opts := spec.opts
		opts.CORSAllowedOrigins = []string{"*"}
		opts.Logger = logger.With("server", spec.name)
		srv := core.NewServer(opts)
		f.install(spec.name, srv)
		f.servers[spec.name] = srv
		f.paths[spec.name] = srv.Options().Path
		servers = append(servers, srv)
		cfg.sioPaths = append(cfg.sioPaths, srv.Options().Path)
	}
	app := h.start(t, servers, cfg)
	f.url, f.host = app.URL, app.shutdown
	t.Cleanup(f.stop)
	return f
}

// env returns the environment variables that tell a client suite where the
// fixture is: SIO_URL and SIO_PATH_<NAME> for each server.
func (f *sioFixture) env() []string {
	env := []string{"SIO_URL=" + f.url}
	for name, path := range f.paths {
		env = append(env, "SIO_PATH_"+strings.ToUpper(name)+"="+path)
	}
	sort.Strings(env)
	return env
}

// stop shuts the servers down and closes the HTTP server.
func (f *sioFixture) stop() {
	f.once.Do(func() {
		close(f.stopped)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		for name, srv := range f.servers {
			start := time.Now()
			if err := srv.Shutdown(ctx); err != nil {
				f.t.Errorf("server %s: shutdown: %v", name, err)
			}
			if d := time.Since(start); d > time.Second {
				f.t.Logf("server %s: shutdown took %v", name, d.Round(time.Millisecond))
			}
		}
		if err := f.host(ctx); err != nil {
			f.t.Errorf("host shutdown: %v", err)
		}
	})
}

// checkAllDisconnected fails the test for every socket that has not left its
// namespace within wait (the client suites close what they open), and logs
// the disconnect reasons.
func (f *sioFixture) checkAllDisconnected(wait time.Duration) {
	f.t.Helper()
	recs := f.reg.all()
	if len(recs) == 0 {
		f.t.Errorf("the clients connected no socket")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	reasons := map[string]int{}
	for _, rec := range recs {
		start := time.Now()
		select {
		case <-rec.done:
		case <-ctx.Done():
		}
		info := rec.snapshot()
		if waited := time.Since(start); waited > time.Second {
			// The client suite left it behind: the server had to notice.
			f.t.Logf("socket %s (server %s, nsp %s, %s) left %v after the client suite ended: %s",
				info.SID, info.Server, info.Nsp, info.Transport, waited.Round(time.Millisecond), info.Reason)
		}
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
	f.t.Logf("%d sockets; disconnect reasons: %v", len(recs), summary)
}

// ---------------------------------------------------------------------------
// The fixture application.

type sioPoint struct {
	X     int    `json:"x"`
	Y     int    `json:"y"`
	Label string `json:"label"`
}

// sioBlobs holds binary data at several depths.
type sioBlobs struct {
	Name  string   `json:"name"`
	Data  []byte   `json:"data"`
	Parts [][]byte `json:"parts"`
	Inner struct {
		Blob []byte `json:"blob"`
		N    int    `json:"n"`
	} `json:"inner"`
}

type sioSumReq struct {
	A int `json:"a"`
	B int `json:"b"`
}

type sioSumResp struct {
	Sum int `json:"sum"`
}

// install registers the fixture application on srv.
func (f *sioFixture) install(name string, srv *core.Server) {
	if name == "catchall" {
		star := srv.Of("*")
		star.OnConnect(f.connectHandler(name))
		star.OnDisconnect(f.reg.disconnected)
		f.installEvents(star)
		explicit := srv.Of("/explicit")
		explicit.OnConnect(f.connectHandler(name))
		explicit.OnDisconnect(f.reg.disconnected)
		explicit.On("whoami", func(s *core.Socket) map[string]any {
			return map[string]any{"nsp": s.Namespace().Name(), "explicit": true}
		})
		return
	}
	for _, nsp := range []string{"/", "/chat"} {
		n := srv.Of(nsp)
		n.OnConnect(f.connectHandler(name))
		n.OnDisconnect(f.reg.disconnected)
		f.installEvents(n)
	}
	f.installBare(name, srv.Of("/bare"))
	// Class-based namespace. A function handler set before and one set
	// after RegisterNamespace both win over the methods of the same event.
	class := srv.Of("/class")
	class.On("overriddenEarly", func(s *core.Socket) string { return "function" })
	srv.RegisterNamespace("/class", &sioClassNamespace{f: f, server: name})
	class.On("overridden", func(s *core.Socket) string { return "function" })
}

// connectHandler returns the connect handler of the fixture's namespaces.
func (f *sioFixture) connectHandler(server string) func(s *core.Socket, auth map[string]any) error {
	return func(s *core.Socket, auth map[string]any) error {
		if err := sioRefusal(auth); err != nil {
			return err
		}
		f.reg.connected(server, s)
		return nil
	}
}

// sioRefusal returns the refusal the auth payload asks for, or nil.
func sioRefusal(auth map[string]any) error {
	switch {
	case auth["token"] == "bad":
		return core.RefuseConnection("authentication failed", map[string]any{"reason": "bad token", "retry": false})
	case auth["refuse"] == "plain":
		return errors.New("plain refusal")
	case auth["refuse"] == "multi":
		return core.RefuseConnection("multi", "a", 2)
	case auth["refuse"] == "nodata":
		return core.RefuseConnection("no data")
	}
	return nil
}

// installEvents registers the fixture's event handlers on nsp. The handlers
// act on s.Namespace(), not on nsp: for the catch-all namespace, that is the
// namespace the client asked for.
func (f *sioFixture) installEvents(nsp *core.Namespace) {
	// Who and where the socket is, as the server sees it.
	nsp.On("whoami", func(s *core.Socket) map[string]any {
		hs := s.Handshake()
		var auth json.RawMessage
		if hs.Auth.Len() > 0 {
			auth, _ = hs.Auth.JSON(0)
		}
		return map[string]any{
			"id":         s.ID(),
			"nsp":        s.Namespace().Name(),
			"connId":     s.ConnID(),
			"transport":  s.Transport(),
			"authAbsent": hs.Auth.Len() == 0,
			"auth":       auth,
			"query":      hs.Query.Get("q"),
			"header":     hs.Headers.Get("X-Sio-Test"),
			"address":    hs.Address,
			"url":        hs.URL,
			"secure":     hs.Secure,
			"connected":  s.Connected(),
		}
	})

	// Payloads: the arguments come back unchanged, as the acknowledgement
	// (echo) or as an event of the given name (echo-event).
	nsp.On("echo", func(s *core.Socket, a core.Args) core.Args { return a })
	nsp.On("echo-event", func(s *core.Socket, event string, a core.Args) error {
		return s.Emit(event, sioArgValues(a)...)
	})
	// Decoding into Go types: the report says what each parameter received.
	nsp.On("types", func(s *core.Socket, n any, b bool, i int, fl float64, str string, bin []byte,
		m map[string]any, arr []int, st sioPoint, nb sioBlobs) map[string]any {
		return map[string]any{
			"nIsNil": n == nil,
			"b":      b,
			"i":      i,
			"f":      fl,
			"str":    str,
			"bin":    hex.EncodeToString(bin),
			"m":      m,
			"arr":    arr,
			"st":     st,
			"nested": sioDescribeBlobs(nb),
		}
	})
	// Encoding Go values: the server emits "types" with one argument of
	// each kind, then acknowledges.
	nsp.On("send-types", func(s *core.Socket) (string, error) {
		var nb sioBlobs
		nb.Name = "nested"
		nb.Data = []byte{1, 2, 3}
		nb.Parts = [][]byte{{4}, {5, 6}}
		nb.Inner.Blob = []byte{0xff, 0x00, 0x7f}
		nb.Inner.N = 7
		err := s.Emit("types",
			nil, true, false, 42, -7, 3.25, int64(1)<<53, "héllo ✓ 🌍",
			[]byte{0, 1, 2, 253, 254, 255},
			map[string]any{"a": 1, "b": []any{"x", nil}, "c": map[string]any{"d": true}},
			[]int{1, 2, 3},
			sioPoint{X: 1, Y: -2, Label: "p"},
			nb,
			map[string]any{"list": []any{[]byte{9, 8}, map[string]any{"deep": []byte{7}}}},
		)
		return "sent", err
	})
	// Several arguments in, several results out.
	nsp.On("multi", func(s *core.Socket, a string, b int, c bool) (string, int, bool, []string) {
		return strings.ToUpper(a), b * 2, !c, []string{a, strconv.Itoa(b)}
	})
	// Typed nested binary: each byte slice comes back reversed.
	nsp.On("nested-binary", func(s *core.Socket, in sioBlobs) sioBlobs {
		out := in
		out.Name = strings.ToUpper(in.Name)
		out.Data = sioReversed(in.Data)
		out.Parts = nil
		for _, p := range in.Parts {
			out.Parts = append(out.Parts, sioReversed(p))
		}
		out.Inner.Blob = sioReversed(in.Inner.Blob)
		out.Inner.N = in.Inner.N + 1
		return out
	})

	// Failures: an error, a panic, a typed handler.
	nsp.On("fail", func(s *core.Socket, msg string) (string, error) {
		return "", errors.New("failed: " + msg)
	})
	nsp.On("panic", func(s *core.Socket) string { panic("fixture panic") })
	core.Handle(nsp, "sum", func(ctx context.Context, s *core.Socket, in sioSumReq) (sioSumResp, error) {
		if in.A < 0 || in.B < 0 {
			return sioSumResp{}, errors.New("negative numbers not allowed")
		}
		return sioSumResp{Sum: in.A + in.B}, nil
	})
	// The catch-all event handler.
	nsp.On("*", func(s *core.Socket, event string, a core.Args) map[string]any {
		return map[string]any{"catchAll": event, "argc": a.Len(), "args": sioArgValues(a)}
	})

	// Server-to-client acknowledgements, from inside a handler (which waits
	// for its own client's reply): ask with EmitWithAck, ask-cb with an
	// AckFunc whose result is emitted as "ask-cb-result". A positive
	// timeoutMs applies Socket.Timeout.
	nsp.On("ask", func(ctx context.Context, s *core.Socket, event string, timeoutMs int, a core.Args) map[string]any {
		var reply core.Args
		var err error
		start := time.Now()
		if timeoutMs > 0 {
			reply, err = s.Timeout(time.Duration(timeoutMs)*time.Millisecond).EmitWithAck(ctx, event, sioArgValues(a)...)
		} else {
			reply, err = s.EmitWithAck(ctx, event, sioArgValues(a)...)
		}
		return sioAckReport(reply, err, start)
	})
	nsp.On("ask-cb", func(s *core.Socket, event string, timeoutMs int, a core.Args) error {
		start := time.Now()
		args := append(sioArgValues(a), core.AckFunc(func(reply core.Args, err error) {
			_ = s.Emit("ask-cb-result", sioAckReport(reply, err, start))
		}))
		if timeoutMs > 0 {
			return s.Timeout(time.Duration(timeoutMs)*time.Millisecond).Emit(event, args...)
		}
		return s.Emit(event, args...)
	})
	// Broadcast with acknowledgements to a room.
	nsp.On("ask-room", func(ctx context.Context, s *core.Socket, room, event string, timeoutMs int) map[string]any {
		start := time.Now()
		replies, err := s.Namespace().To(room).Timeout(time.Duration(timeoutMs)*time.Millisecond).EmitWithAck(ctx, event)
		var got [][]any
		for _, r := range replies {
			got = append(got, sioArgValues(r))
		}
		report := map[string]any{"replies": got, "elapsedMs": time.Since(start).Milliseconds()}
		if err != nil {
			report["error"] = err.Error()
			report["timeout"] = errors.Is(err, core.ErrAckTimeout)
		}
		return report
	})

	// Rooms, by socket (join/leave) and by sid (enter-room/leave-room).
	nsp.On("join", func(s *core.Socket, rooms []string) []string {
		s.Join(rooms...)
		return sioSorted(s.Rooms())
	})
	nsp.On("leave", func(s *core.Socket, room string) []string {
		s.Leave(room)
		return sioSorted(s.Rooms())
	})
	nsp.On("enter-room", func(s *core.Socket, room string) []string {
		s.Namespace().EnterRoom(s.ID(), room)
		return sioSorted(s.Namespace().Rooms(s.ID()))
	})
	nsp.On("leave-room", func(s *core.Socket, room string) []string {
		s.Namespace().LeaveRoom(s.ID(), room)
		return sioSorted(s.Namespace().Rooms(s.ID()))
	})
	nsp.On("close-room", func(s *core.Socket, room string) { s.Namespace().CloseRoom(room) })
	nsp.On("rooms", func(s *core.Socket) []string { return sioSorted(s.Namespace().Rooms(s.ID())) })
	// Emits from the server to rooms (the sender included when it is in
	// them), optionally skipping rooms or sids.
	nsp.On("to-room", func(s *core.Socket, rooms, except []string, event string, a core.Args) error {
		return s.Namespace().To(rooms...).Except(except...).Emit(event, sioArgValues(a)...)
	})
	// Emits from the socket: everyone but the sender, in rooms when given.
	nsp.On("broadcast", func(s *core.Socket, rooms, except []string, event string, a core.Args) error {
		return s.Broadcast().To(rooms...).Except(except...).Emit(event, sioArgValues(a)...)
	})
	// Emits to every socket of the namespace.
	nsp.On("emit-all", func(s *core.Socket, event string, a core.Args) error {
		return s.Namespace().Emit(event, sioArgValues(a)...)
	})

	// Sessions: saved by sid, read by sid, updated by sid under its lock;
	// session-save-socket uses the socket's own methods.
	nsp.On("session-save", func(s *core.Socket, m map[string]any) error {
		return s.Namespace().SaveSession(s.ID(), m)
	})
	nsp.On("session-save-socket", func(s *core.Socket, m map[string]any) map[string]any {
		s.SaveSession(m)
		return s.Session()
	})
	nsp.On("session-get", func(s *core.Socket) (map[string]any, error) {
		m, err := s.Namespace().Session(s.ID())
		if m == nil && err == nil {
			m = map[string]any{}
		}
		return m, err
	})
	nsp.On("session-incr", func(s *core.Socket, key string) (int, error) {
		var n int
		err := s.Namespace().UpdateSession(s.ID(), func(m map[string]any) error {
			switch v := m[key].(type) {
			case nil:
			case int:
				n = v
			case float64: // a number saved from JSON
				n = int(v)
			default:
				return fmt.Errorf("session key %q holds a %T", key, v)
			}
			n++
			m[key] = n
			return nil
		})
		return n, err
	})

	// Server-initiated disconnect: of this namespace (false) or of the
	// whole connection (true).
	nsp.On("disconnect-me", func(s *core.Socket, close bool) { s.Disconnect(close) })

	// Concurrency: slow waits until the control endpoint releases its key;
	// fast answers at once.
	nsp.On("slow", func(s *core.Socket, key string) string {
		return f.gates.wait(s.Context(), key, f.stopped)
	})
	nsp.On("fast", func(s *core.Socket, tag string) string { return "fast " + tag })
	// Ordering: seq records n; seq-get returns what was recorded, in order.
	nsp.On("seq", func(s *core.Socket, n int) { f.reg.appendSeq(s.ID(), n) })
	nsp.On("seq-get", func(s *core.Socket) []int { return f.reg.seq(s.ID()) })
}

// installBare registers the handlers of "/bare", a namespace without a
// catch-all handler, registered python-style (On("connect"),
// On("disconnect")):
//
//	connect       emits "welcome" (the socket id) and, through the room
//	              "bare-lobby" it joins, "lobby"; then refuses like the
//	              other namespaces (what it emitted never reaches a refused
//	              client; an accepted one gets it after the CONNECT)
//	ack-now       acknowledges with its arguments, through an Ack
//	ack-later     ms, args...: acknowledges with args after ms, from a timer
//	ack-never     takes an Ack and never calls it
//	ack-third     key: acknowledges "third" on the third arrival of key only
//	handshake     {"node": Handshake().Node(), "connectAuth": what the
//	              connect handler received, "connectAuthNil": whether nil}
//
// Every event the socket receives is recorded (GET /control/received).
func (f *sioFixture) installBare(server string, n *core.Namespace) {
	n.On("connect", func(s *core.Socket, auth map[string]any) error {
		_ = s.Emit("welcome", s.ID())
		s.Join("bare-lobby")
		_ = s.Namespace().To("bare-lobby").Emit("lobby", s.ID())
		if err := sioRefusal(auth); err != nil {
			return err
		}
		f.reg.connected(server, s)
		rec := f.reg.get(s.ID())
		rec.mu.Lock()
		rec.connectAuth, rec.connectAuthNil = auth, auth == nil
		rec.mu.Unlock()
		s.OnAny(func(event string, _ core.Args) { f.reg.received(s.ID(), event) })
		return nil
	})
	n.On("disconnect", f.reg.disconnected)
	n.On("ack-now", func(_ *core.Socket, a core.Args, ack core.Ack) error { return ack(a) })
	n.On("ack-later", func(_ *core.Socket, ms int, a core.Args, ack core.Ack) {
		time.AfterFunc(time.Duration(ms)*time.Millisecond, func() { _ = ack(a) })
	})
	n.On("ack-never", func(*core.Socket, core.Ack) {})
	n.On("ack-third", func(s *core.Socket, key string, ack core.Ack) error {
		if f.reg.arrivals(s.ID(), "ack-third") != 3 {
			return nil // declined: the client's ack timeout fires, it retries
		}
		return ack("third " + key)
	})
	n.On("handshake", func(s *core.Socket) map[string]any {
		rec := f.reg.get(s.ID())
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return map[string]any{"node": s.Handshake().Node(), "connectAuth": rec.connectAuth, "connectAuthNil": rec.connectAuthNil}
	})
}

// sioClassNamespace is the fixture's class-based namespace ("/class"): its
// On<Event> methods are the handlers, and the embedded *core.Namespace is
// set by RegisterNamespace.
type sioClassNamespace struct {
	*core.Namespace
	f      *sioFixture
	server string
}

func (c *sioClassNamespace) OnConnect(s *core.Socket, auth map[string]any) error {
	if auth["token"] == "bad" {
		return core.RefuseConnection("class refused", map[string]any{"by": "OnConnect method"})
	}
	c.f.reg.connected(c.server, s)
	return nil
}

func (c *sioClassNamespace) OnDisconnect(s *core.Socket, reason core.DisconnectReason) {
	c.f.reg.disconnected(s, reason)
}

// OnChatMessage handles "chatMessage" and "chat_message".
func (c *sioClassNamespace) OnChatMessage(s *core.Socket, msg string) string {
	return "method got " + msg + " on " + c.Name()
}

// OnWhoami uses the embedded namespace's helpers.
func (c *sioClassNamespace) OnWhoami(s *core.Socket) map[string]any {
	return map[string]any{"id": s.ID(), "nsp": c.Name(), "sockets": c.Len(), "connId": s.ConnID()}
}

// OnJoinRoom enters the room by sid through the embedded namespace and
// announces the socket to the room.
func (c *sioClassNamespace) OnJoinRoom(s *core.Socket, room string) ([]string, error) {
	c.EnterRoom(s.ID(), room)
	return sioSorted(c.Rooms(s.ID())), c.To(room).Emit("joined", s.ID(), room)
}

// OnShout emits to every socket of the namespace.
func (c *sioClassNamespace) OnShout(s *core.Socket, msg string) error { return c.Emit("shout", msg) }

// OnSessionSet and OnSessionGet use the namespace's session helpers.
func (c *sioClassNamespace) OnSessionSet(s *core.Socket, m map[string]any) error {
	return c.SaveSession(s.ID(), m)
}

func (c *sioClassNamespace) OnSessionGet(s *core.Socket) (map[string]any, error) {
	return c.Session(s.ID())
}

// OnOverridden and OnOverriddenEarly lose to the function handlers set with
// On.
func (c *sioClassNamespace) OnOverridden(s *core.Socket) string      { return "method" }
func (c *sioClassNamespace) OnOverriddenEarly(s *core.Socket) string { return "method" }

// ---------------------------------------------------------------------------
// Helpers of the application.

// sioArgValues decodes every argument into the generic form ([]byte for
// binary), ready to be sent again.
func sioArgValues(a core.Args) []any {
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

// sioAckReport describes the outcome of a server-to-client acknowledgement.
func sioAckReport(reply core.Args, err error, start time.Time) map[string]any {
	report := map[string]any{"reply": sioArgValues(reply), "elapsedMs": time.Since(start).Milliseconds()}
	if err != nil {
		report["error"] = err.Error()
		report["timeout"] = errors.Is(err, core.ErrAckTimeout)
		report["notConnected"] = errors.Is(err, core.ErrNotConnected)
	}
	return report
}

func sioDescribeBlobs(b sioBlobs) map[string]any {
	parts := []string{}
	for _, p := range b.Parts {
		parts = append(parts, hex.EncodeToString(p))
	}
	return map[string]any{
		"name":  b.Name,
		"data":  hex.EncodeToString(b.Data),
		"parts": parts,
		"inner": map[string]any{"blob": hex.EncodeToString(b.Inner.Blob), "n": b.Inner.N},
	}
}

func sioReversed(b []byte) []byte {
	if b == nil {
		return nil
	}
	out := slices.Clone(b)
	slices.Reverse(out)
	return out
}

func sioSorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	if s == nil {
		s = []string{}
	}
	return s
}

// ---------------------------------------------------------------------------
// Server-side records.

// sioRegistry records every socket that joined a namespace of the
// fixture, by socket id.
type sioRegistry struct {
	mu      sync.Mutex // guards sockets and waiters
	sockets map[string]*sioSocketRecord
}

func newSIORegistry() *sioRegistry {
	return &sioRegistry{sockets: make(map[string]*sioSocketRecord)}
}

// sioSocketRecord is what the fixture knows of one socket.
type sioSocketRecord struct {
	done chan struct{} // closed when the socket has left

	mu        sync.Mutex // guards the fields below
	s         *core.Socket
	info      sioSocketInfo
	seqs      []int
	connected bool
	// "/bare": the events received, what the connect handler got.
	received       []string
	connectAuth    map[string]any
	connectAuthNil bool
}

// sioSocketInfo is the control endpoint's answer about a socket.
type sioSocketInfo struct {
	SID          string `json:"sid"`
	Server       string `json:"server"`
	Nsp          string `json:"nsp"`
	ConnID       string `json:"connId"`
	Transport    string `json:"transport"` // at connect time
	Connected    bool   `json:"connected"` // the connect handler accepted it
	Disconnected bool   `json:"disconnected"`
	Reason       string `json:"reason"`
	// SessionAtDisconnect is the session the disconnect handler read.
	SessionAtDisconnect map[string]any `json:"sessionAtDisconnect"`
	// SessionLookupError is the error of Namespace.Session(sid) in the
	// disconnect handler (the socket has left: "no such socket").
	SessionLookupError string `json:"sessionLookupError"`
	// SessionAfter is what Socket.Session returns once the disconnect
	// handler has run (destroyed: null), filled in by the control endpoint.
	SessionAfter map[string]any `json:"sessionAfter"`
}

// get returns the record of sid, creating it if needed.
func (r *sioRegistry) get(sid string) *sioSocketRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.sockets[sid]
	if rec == nil {
		rec = &sioSocketRecord{done: make(chan struct{}), info: sioSocketInfo{SID: sid}}
		r.sockets[sid] = rec
	}
	return rec
}

func (r *sioRegistry) all() []*sioSocketRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*sioSocketRecord
	for _, rec := range r.sockets {
		rec.mu.Lock()
		ok := rec.connected
		rec.mu.Unlock()
		if ok {
			out = append(out, rec)
		}
	}
	return out
}

func (r *sioRegistry) connected(server string, s *core.Socket) {
	rec := r.get(s.ID())
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.s = s
	rec.connected = true
	rec.info.Server = server
	rec.info.Nsp = s.Namespace().Name()
	rec.info.ConnID = s.ConnID()
	rec.info.Transport = s.Transport()
	rec.info.Connected = true
}

func (r *sioRegistry) disconnected(s *core.Socket, reason core.DisconnectReason) {
	rec := r.get(s.ID())
	session := s.Session()
	_, lookupErr := s.Namespace().Session(s.ID())
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.info.Disconnected {
		return
	}
	rec.info.Disconnected = true
	rec.info.Reason = string(reason)
	rec.info.SessionAtDisconnect = session
	if lookupErr != nil {
		rec.info.SessionLookupError = lookupErr.Error()
	}
	close(rec.done)
}

// received records an event the socket sid received.
func (r *sioRegistry) received(sid, event string) {
	rec := r.get(sid)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.received = append(rec.received, event)
}

// arrivals returns how many times the socket sid received event.
func (r *sioRegistry) arrivals(sid, event string) int {
	rec := r.get(sid)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, e := range rec.received {
		if e == event {
			n++
		}
	}
	return n
}

func (r *sioRegistry) appendSeq(sid string, n int) {
	rec := r.get(sid)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.seqs = append(rec.seqs, n)
}

func (r *sioRegistry) seq(sid string) []int {
	rec := r.get(sid)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]int{}, rec.seqs...)
}

func (rec *sioSocketRecord) snapshot() sioSocketInfo {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.info
}

// sioGates are named release points for the "slow" handler.
type sioGates struct {
	mu sync.Mutex // guards m
	m  map[string]*sioGate
}

type sioGate struct {
	release     chan struct{} // closed by release
	started     chan struct{} // closed when a handler first waits
	releaseOnce sync.Once
	startOnce   sync.Once
}

func newSIOGates() *sioGates { return &sioGates{m: make(map[string]*sioGate)} }

func (g *sioGates) get(key string) *sioGate {
	g.mu.Lock()
	defer g.mu.Unlock()
	gt := g.m[key]
	if gt == nil {
		gt = &sioGate{release: make(chan struct{}), started: make(chan struct{})}
		g.m[key] = gt
	}
	return gt
}

// wait marks key as started and waits until it is released; it reports
// "released", or why it stopped waiting.
func (g *sioGates) wait(ctx context.Context, key string, stop <-chan struct{}) string {
	gt := g.get(key)
	gt.startOnce.Do(func() { close(gt.started) })
	timer := time.NewTimer(sioGateWait)
	defer timer.Stop()
	select {
	case <-gt.release:
		return "released " + key
	case <-timer.C:
		return "not released after " + sioGateWait.String()
	case <-ctx.Done():
		return "socket gone"
	case <-stop:
		return "fixture stopping"
	}
}

func (g *sioGates) release(key string) {
	gt := g.get(key)
	gt.releaseOnce.Do(func() { close(gt.release) })
}

// ---------------------------------------------------------------------------
// Control endpoints.

// controlMux serves, under /control/ (JSON answers; errors as
// {"error": text} with a 4xx/5xx status):
//
//	GET /control/socket?sid=S[&wait=1]   socketInfo of S; with wait, once S has left
//	GET /control/state?server=&nsp=&sid= live state: {"connected","rooms","session","sessionError"}
//	GET /control/call?server=&nsp=&sid=&event=&timeoutMs=&args=JSONARRAY
//	                                     Namespace.Call (python's call()): {"reply","error","timeout","elapsedMs"}
//	GET /control/disconnect?server=&nsp=&sid=[&close=1]
//	                                     Namespace.Disconnect(sid); with close, Socket.Disconnect(true)
//	GET /control/emit?server=&nsp=&to=r1,r2&except=r3&event=&args=JSONARRAY
//	                                     Namespace.To(...).Except(...).Emit
//	GET /control/received?sid=S          the events the "/bare" socket S received, in order
//	GET /control/release?key=K           releases the "slow" handlers waiting on K
//	GET /control/started?key=K           answers once a "slow" handler waits on K
func (f *sioFixture) controlMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /control/socket", func(w http.ResponseWriter, r *http.Request) {
		sid := r.URL.Query().Get("sid")
		if sid == "" {
			sioControlError(w, http.StatusBadRequest, "missing sid")
			return
		}
		rec := f.reg.get(sid)
		if r.URL.Query().Get("wait") != "" {
			if !f.await(w, r, rec.done, "socket "+sid+" to leave") {
				return
			}
		}
		info := rec.snapshot()
		rec.mu.Lock()
		s := rec.s
		rec.mu.Unlock()
		if info.Disconnected && s != nil {
			// The session is destroyed after the disconnect handler, on
			// the socket's handler queue: wait for it (bounded).
			deadline := time.Now().Add(controlWait)
			for s.Session() != nil && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			info.SessionAfter = s.Session()
		}
		sioControlJSON(w, info)
	})
	mux.HandleFunc("GET /control/state", func(w http.ResponseWriter, r *http.Request) {
		nsp, sid, ok := f.nspParam(w, r)
		if !ok {
			return
		}
		state := map[string]any{"connected": nsp.Socket(sid) != nil, "rooms": sioSorted(nsp.Rooms(sid))}
		m, err := nsp.Session(sid)
		state["session"] = m
		if err != nil {
			state["sessionError"] = err.Error()
		}
		sioControlJSON(w, state)
	})
	mux.HandleFunc("GET /control/call", func(w http.ResponseWriter, r *http.Request) {
		nsp, sid, ok := f.nspParam(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		args, err := sioJSONArgs(q.Get("args"))
		if err != nil {
			sioControlError(w, http.StatusBadRequest, err.Error())
			return
		}
		ctx := r.Context()
		if ms, _ := strconv.Atoi(q.Get("timeoutMs")); ms > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
			defer cancel()
		}
		start := time.Now()
		reply, err := nsp.Call(ctx, sid, q.Get("event"), args...)
		sioControlJSON(w, sioAckReport(reply, err, start))
	})
	mux.HandleFunc("GET /control/disconnect", func(w http.ResponseWriter, r *http.Request) {
		nsp, sid, ok := f.nspParam(w, r)
		if !ok {
			return
		}
		if r.URL.Query().Get("close") != "" {
			// The whole connection: Socket.Disconnect(true).
			s := nsp.Socket(sid)
			if s == nil {
				sioControlError(w, http.StatusNotFound, "no socket "+sid)
				return
			}
			s.Disconnect(true)
		} else if err := nsp.Disconnect(sid); err != nil {
			sioControlError(w, http.StatusNotFound, err.Error())
			return
		}
		sioControlJSON(w, map[string]any{"ok": true})
	})
	mux.HandleFunc("GET /control/emit", func(w http.ResponseWriter, r *http.Request) {
		nsp, _, ok := f.nspParam(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		args, err := sioJSONArgs(q.Get("args"))
		if err != nil {
			sioControlError(w, http.StatusBadRequest, err.Error())
			return
		}
		op := nsp.To(sioSplitList(q.Get("to"))...).Except(sioSplitList(q.Get("except"))...)
		if err := op.Emit(q.Get("event"), args...); err != nil {
			sioControlError(w, http.StatusInternalServerError, err.Error())
			return
		}
		sioControlJSON(w, map[string]any{"ok": true})
	})
	mux.HandleFunc("GET /control/received", func(w http.ResponseWriter, r *http.Request) {
		rec := f.reg.get(r.URL.Query().Get("sid"))
		rec.mu.Lock()
		events := append([]string{}, rec.received...)
		rec.mu.Unlock()
		sioControlJSON(w, events)
	})
	mux.HandleFunc("GET /control/release", func(w http.ResponseWriter, r *http.Request) {
		f.gates.release(r.URL.Query().Get("key"))
		sioControlJSON(w, map[string]any{"ok": true})
	})
	mux.HandleFunc("GET /control/started", func(w http.ResponseWriter, r *http.Request) {
		gt := f.gates.get(r.URL.Query().Get("key"))
		if f.await(w, r, gt.started, "a slow handler") {
			sioControlJSON(w, map[string]any{"ok": true})
		}
	})
	return mux
}

// await waits for done, up to controlWait; on failure it answers the
// request and returns false.
func (f *sioFixture) await(w http.ResponseWriter, r *http.Request, done <-chan struct{}, what string) bool {
	timer := time.NewTimer(controlWait)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		sioControlError(w, http.StatusGatewayTimeout, "timed out after "+controlWait.String()+" waiting for "+what)
	case <-f.stopped:
		sioControlError(w, http.StatusServiceUnavailable, "fixture stopping")
	case <-r.Context().Done():
	}
	return false
}

// nspParam resolves the server, nsp and sid query parameters.
func (f *sioFixture) nspParam(w http.ResponseWriter, r *http.Request) (*core.Namespace, string, bool) {
	q := r.URL.Query()
	name := q.Get("server")
	if name == "" {
		name = "main"
	}
	srv := f.servers[name]
	if srv == nil {
		sioControlError(w, http.StatusBadRequest, "unknown server "+strconv.Quote(name))
		return nil, "", false
	}
	nsp := q.Get("nsp")
	if nsp == "" {
		nsp = "/"
	}
	return srv.Of(nsp), q.Get("sid"), true
}

func sioJSONArgs(s string) ([]any, error) {
	if s == "" {
		return nil, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("args: %v", err)
	}
	out := make([]any, len(raw))
	for i, r := range raw {
		out[i] = r
	}
	return out, nil
}

func sioSplitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func sioControlJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func sioControlError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// sioLogLevel is the level of the fixture servers' log: Info, or Debug with
// SIO_TEST_DEBUG=1.
func sioLogLevel() slog.Level {
	if os.Getenv("SIO_TEST_DEBUG") == "1" {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}
