package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// TestConnectAuth checks that the connect handler receives the auth
// payload decoded into its parameter type, and {} (as Node.js reports it)
// without one: an empty map, a struct's zero value.
func TestConnectAuth(t *testing.T) {
	type creds struct {
		Token string `json:"token"`
		N     int    `json:"n"`
	}
	tests := []struct {
		name string
		fn   func(got chan<- string) any
		auth any
		want string
	}{
		{"struct", func(got chan<- string) any {
			return func(_ *core.Socket, a creds) error { got <- siotest.JSONText(a); return nil }
		}, map[string]any{"token": "t", "n": 2}, `{"token":"t","n":2}`},
		{"struct, no auth", func(got chan<- string) any {
			return func(_ *core.Socket, a creds) error { got <- siotest.JSONText(a); return nil }
		}, nil, `{"token":"","n":0}`},
		{"pointer, no auth", func(got chan<- string) any {
			return func(_ *core.Socket, a *creds) error { got <- siotest.JSONText(a); return nil }
		}, nil, `{"token":"","n":0}`},
		{"map", func(got chan<- string) any {
			return func(_ *core.Socket, a map[string]any) error { got <- siotest.JSONText(a); return nil }
		}, map[string]any{"k": []int{1}}, `{"k":[1]}`},
		{"map, no auth", func(got chan<- string) any {
			return func(_ *core.Socket, a map[string]any) error { got <- siotest.JSONText([]any{a == nil, a}); return nil }
		}, nil, `[false,{}]`},
		{"any, no auth", func(got chan<- string) any {
			return func(_ *core.Socket, a any) error { got <- siotest.JSONText(a); return nil }
		}, nil, `{}`},
		{"raw", func(got chan<- string) any {
			return func(_ *core.Socket, a json.RawMessage) error { got <- string(a); return nil }
		}, siotest.Raw(`{"b":1,"a":2}`), `{"b":1,"a":2}`},
		{"raw, no auth", func(got chan<- string) any {
			return func(_ *core.Socket, a json.RawMessage) error { got <- string(a); return nil }
		}, nil, `{}`},
		{"string, no auth", func(got chan<- string) any {
			return func(_ *core.Socket, a string) error { got <- siotest.JSONText(a); return nil }
		}, nil, `""`},
		{"socket only, no error", func(got chan<- string) any {
			return func(s *core.Socket) { got <- siotest.JSONText(s.Handshake().Auth.Len()) }
		}, map[string]int{"x": 1}, `1`},
		{"ctx", func(got chan<- string) any {
			return func(ctx context.Context, s *core.Socket, a creds) error {
				got <- siotest.JSONText(ctx == s.Context() && s.Namespace().Name() == "/")
				return nil
			}
		}, nil, `true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan string, 1)
			ts := newServer(t, core.Options{})
			ts.OnConnect(tt.fn(got))
			c := ts.dial(t)
			c.Join(t, "/", tt.auth)
			if g := recv(t, got); g != tt.want {
				t.Errorf("handler saw %s, want %s", g, tt.want)
			}
		})
	}
}

// TestConnectRefused checks the CONNECT_ERROR payloads.
func TestConnectRefused(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no data", core.RefuseConnection("go away"), `{"message":"go away"}`},
		{"one datum", core.RefuseConnection("nope", map[string]any{"retry": false}), `{"data":{"retry":false},"message":"nope"}`},
		{"one scalar", core.RefuseConnection("nope", 42), `{"data":42,"message":"nope"}`},
		{"many data", core.RefuseConnection("nope", "a", 1, true), `{"data":["a",1,true],"message":"nope"}`},
		{"plain error", errors.New("bad token"), `{"message":"bad token"}`},
		{"wrapped", errors.Join(errors.New("ctx"), core.RefuseConnection("inner", 1)), `{"data":1,"message":"inner"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newServer(t, core.Options{})
			disconnected := make(chan struct{}, 1)
			ts.OnConnect(func(*core.Socket) error { return tt.err })
			ts.OnDisconnect(func(*core.Socket, core.DisconnectReason) { disconnected <- struct{}{} })
			ts.On("e", func(*core.Socket) {})
			c := ts.dial(t)
			p := c.Connect(t, "/", nil)
			if p.Type != '4' {
				t.Fatalf("got %v, want CONNECT_ERROR", p)
			}
			var v any
			if err := json.Unmarshal([]byte(p.Data), &v); err != nil || siotest.JSONText(v) != tt.want {
				t.Errorf("CONNECT_ERROR %s, want %s", p.Data, tt.want)
			}
			if n := ts.Of("/").Len(); n != 0 {
				t.Errorf("%d sockets in / after a refusal", n)
			}
			// The connection stays usable: a second attempt may succeed.
			ts.OnConnect(func(*core.Socket) error { return nil })
			c.Join(t, "/", nil)
			select {
			case <-disconnected:
				t.Error("disconnect handler called for a refused connection")
			default:
			}
		})
	}
	t.Run("panic", func(t *testing.T) {
		ts := newServer(t, core.Options{})
		ts.OnConnect(func(*core.Socket) error { panic("boom") })
		c := ts.dial(t)
		if p := c.Connect(t, "/", nil); p.Type != '4' {
			t.Fatalf("got %v, want CONNECT_ERROR", p)
		}
	})
}

// TestHandshake checks what a socket knows about its connection.
func TestHandshake(t *testing.T) {
	ts := newServer(t, core.Options{})
	got := make(chan *core.Socket, 1)
	ts.OnConnect(func(s *core.Socket) { got <- s })
	c := ts.dialRequest(t, ts.request(url.Values{"room": {"lobby"}}), nil)
	sid := c.Join(t, "/", map[string]int{"a": 1})
	s := recv(t, got)
	h := s.Handshake()
	switch {
	case s.ID() != sid:
		t.Errorf("ID %q, client was told %q", s.ID(), sid)
	case s.ConnID() != c.EIO || s.ID() == c.EIO:
		t.Errorf("ConnID %q, ID %q, engine sid %q", s.ConnID(), s.ID(), c.EIO)
	case h.Query.Get("room") != "lobby" || h.Headers.Get("User-Agent") != "sio-test":
		t.Errorf("query %v, headers %v", h.Query, h.Headers)
	case h.Address != "192.0.2.1:1234" || h.Secure:
		t.Errorf("address %q secure %v", h.Address, h.Secure)
	case h.URL == "" || time.Since(h.Time) > time.Minute:
		t.Errorf("url %q time %v", h.URL, h.Time)
	case s.Transport() != "websocket" || !s.Connected():
		t.Errorf("transport %q connected %v", s.Transport(), s.Connected())
	case ts.Of("/").Socket(sid) != s:
		t.Errorf("Namespace.Socket(%q) is not the socket", sid)
	}
}

// TestUnknownNamespace checks that a client asking for a namespace that
// does not exist receives CONNECT_ERROR "Invalid namespace" and keeps its
// connection.
func TestUnknownNamespace(t *testing.T) {
	ts := newServer(t, core.Options{})
	c := ts.dial(t)
	p := c.Connect(t, "/nowhere", nil)
	if p.Type != '4' || p.Data != `{"message":"Invalid namespace"}` {
		t.Fatalf("got %v", p)
	}
	c.Join(t, "/", nil)
}

// TestCatchAllNamespace checks Of("*"): its handlers serve any namespace
// not created explicitly (and those that lack a handler), and learn the
// namespace from the socket.
func TestCatchAllNamespace(t *testing.T) {
	ts := newServer(t, core.Options{})
	connected := make(chan string, 10)
	star := ts.Of("*")
	star.OnConnect(func(s *core.Socket) { connected <- s.Namespace().Name() })
	star.On("where", func(s *core.Socket) string { return s.Namespace().Name() })
	ts.Of("/own").On("where", func(s *core.Socket) string { return "own handler" })

	c := ts.dial(t)
	for _, nsp := range []string{"/a", "/b/c"} {
		c.Join(t, nsp, nil)
		if got := recv(t, connected); got != nsp {
			t.Errorf("connect handler saw %q, want %q", got, nsp)
		}
		if got := c.Call(t, nsp, "where").ArgsText(); got != siotest.JSONText([]string{nsp}) {
			t.Errorf("%s: ack %s", nsp, got)
		}
	}
	// An explicit namespace without a connect handler of its own is served
	// by the catch-all namespace's, and its own event handlers win.
	c.Join(t, "/own", nil)
	if got := recv(t, connected); got != "/own" {
		t.Errorf("connect handler saw %q, want /own", got)
	}
	if got := c.Call(t, "/own", "where").ArgsText(); got != `["own handler"]` {
		t.Errorf("/own: ack %s", got)
	}
	// Broadcasts stay within a namespace.
	ts.Of("/a").Emit("hello", "a")
	c.ExpectEvent(t, "/a", "hello")
	for _, p := range c.Rest(t, "/b/c") {
		t.Errorf("unexpected %v", p)
	}
}

// TestAlwaysConnect checks that with AlwaysConnect the client is accepted
// before the connect handler runs, and a refusal disconnects it.
func TestAlwaysConnect(t *testing.T) {
	ts := newServer(t, core.Options{AlwaysConnect: true})
	disconnected := make(chan core.DisconnectReason, 1)
	running := make(chan bool, 1)
	ts.OnConnect(func(s *core.Socket, auth struct{ OK bool }) error {
		running <- s.Connected()
		if !auth.OK {
			return core.RefuseConnection("no")
		}
		return nil
	})
	ts.OnDisconnect(func(_ *core.Socket, r core.DisconnectReason) { disconnected <- r })

	c := ts.dial(t)
	c.Join(t, "/", map[string]bool{"OK": true})
	if !recv(t, running) {
		t.Error("the socket was not connected while the connect handler ran")
	}

	c2 := ts.dial(t)
	c2.Join(t, "/", nil)
	recv(t, running)
	p := c2.Expect(t, "DISCONNECT", func(p siotest.Packet) bool { return p.Type == '1' })
	if p.Nsp != "/" {
		t.Errorf("got %v", p)
	}
	waitFor(t, "the refused socket to leave", func() bool { return ts.Of("/").Len() == 1 })
	select {
	case r := <-disconnected:
		t.Errorf("disconnect handler called (%q) for a refused connection", r)
	default:
	}
}

// TestConnectTimeout checks that a connection that joins no namespace in
// time is closed, and one that does is not.
func TestConnectTimeout(t *testing.T) {
	// Generous: the refused and joined clients must get there in time.
	const timeout = time.Second
	ts := newServer(t, core.Options{ConnectTimeout: timeout})
	ts.OnConnect(func(s *core.Socket, auth struct{ OK bool }) error {
		if !auth.OK {
			return core.RefuseConnection("no")
		}
		return nil
	})
	start := time.Now()
	idle := ts.dial(t)
	refused := ts.dial(t)
	if p := refused.Connect(t, "/", nil); p.Type != '4' {
		t.Fatalf("got %v", p)
	}
	joined := ts.dial(t)
	joined.Join(t, "/", map[string]bool{"OK": true})

	for _, p := range idle.WaitClosed(t) {
		t.Errorf("idle client received %v", p)
	}
	if d := time.Since(start); d < timeout {
		t.Errorf("closed after %v, before the timeout", d)
	}
	refused.WaitClosed(t)
	time.Sleep(time.Until(start.Add(timeout + 100*time.Millisecond))) // past the timeout
	joined.Barrier(t, "/")
}

// TestEventsBeforeRefusal checks that the events a client sends right
// after its CONNECT, before it learns that the connection is refused, are
// never handled: a refused client cannot run handlers.
func TestEventsBeforeRefusal(t *testing.T) {
	for _, opts := range []core.Options{{}, {ConcurrentHandlers: true}, {AlwaysConnect: true}} {
		t.Run(fmt.Sprintf("concurrent=%v,always=%v", opts.ConcurrentHandlers, opts.AlwaysConnect), func(t *testing.T) {
			ts := newServer(t, opts)
			release := make(chan struct{})
			handled := make(chan string, 10)
			ts.OnConnect(func(s *core.Socket, auth struct{ OK bool }) error {
				if !auth.OK {
					<-release
					return core.RefuseConnection("no")
				}
				return nil
			})
			ts.On("secret", func(s *core.Socket) { handled <- s.ID() })
			c := ts.dial(t)
			c.Send(siotest.EncodePacket('0', "/", -1, nil))
			c.EmitOn("/", "secret")
			c.Request("/", "secret")
			barrierRaw(t, c) // the events have reached the server
			close(release)
			if opts.AlwaysConnect {
				c.Expect(t, "CONNECT", func(p siotest.Packet) bool { return p.Type == '0' })
			}
			c.Expect(t, "refusal", func(p siotest.Packet) bool { return p.Type == '4' || p.Type == '1' })
			sid := c.Join(t, "/", map[string]bool{"OK": true})
			c.Call(t, "/", "secret")
			if got := recv(t, handled); got != sid {
				t.Errorf("an event of the refused socket %s was handled", got)
			}
			select {
			case got := <-handled:
				t.Errorf("an event of the refused socket %s was handled", got)
			default:
			}
		})
	}
}

// barrierRaw waits until the server's reader has processed everything this
// client sent, without involving any handler queue: the reader answers a
// CONNECT to an unknown namespace at once.
func barrierRaw(t testing.TB, c *siotest.Client) {
	t.Helper()
	c.Send(siotest.EncodePacket('0', "/__barrier__", -1, nil))
	c.Expect(t, "barrier", func(p siotest.Packet) bool { return p.Nsp == "/__barrier__" })
}

// TestEmitsFromConnectHandler checks that what a socket is sent while its
// connect handler runs (its own emits, broadcasts that reach it) arrives
// after the CONNECT packet, in order, on "/" and custom namespaces, and
// that a refused socket is sent nothing but the CONNECT_ERROR.
func TestEmitsFromConnectHandler(t *testing.T) {
	for _, nsp := range []string{"/", "/custom"} {
		t.Run(nsp, func(t *testing.T) {
			ts := newServer(t, core.Options{})
			errs := make(chan error, 10)
			ts.Of(nsp).OnConnect(func(s *core.Socket, auth struct{ OK bool }) error {
				errs <- s.Emit("welcome", 1)
				s.Join("lobby")
				errs <- s.Namespace().To("lobby").Emit("lobby", 2)
				errs <- s.Emit("ask", 3, core.AckFunc(func(core.Args, error) {}))
				_, err := s.EmitWithAck(context.Background(), "cannot-wait")
				errs <- err
				errs <- s.Volatile().Emit("volatile", 4) // dropped
				if !auth.OK {
					return core.RefuseConnection("no")
				}
				return nil
			})
			c := ts.dial(t)
			c.Send(siotest.EncodePacket('0', nsp, -1, map[string]bool{"OK": true}))
			var order []string
			for range 4 {
				p := c.Expect(t, "a packet", func(p siotest.Packet) bool { return p.Nsp == nsp })
				order = append(order, fmt.Sprintf("%c%s", p.Type, p.EventName()))
			}
			if want := []string{"0", "2welcome", "2lobby", "2ask"}; !slices.Equal(order, want) {
				t.Errorf("packets %v, want %v", order, want)
			}
			for i := range 5 {
				err := recv(t, errs)
				if i == 3 {
					if !errors.Is(err, core.ErrNotConnected) {
						t.Errorf("EmitWithAck in the connect handler: %v, want ErrNotConnected", err)
					}
				} else if err != nil {
					t.Errorf("emit %d: %v", i, err)
				}
			}
			for _, p := range c.Rest(t, nsp) {
				t.Errorf("unexpected %v", p)
			}

			refused := ts.dial(t)
			if p := refused.Connect(t, nsp, nil); p.Type != '4' {
				t.Errorf("got %v, want CONNECT_ERROR", p)
			}
			barrierRaw(t, refused)
			for _, p := range refused.Queued() {
				t.Errorf("the refused client received %v", p)
			}
		})
	}
}

// TestNodeHandshake checks the handshake in Node.js's form: what Node
// returns and what a Handshake encodes to in JSON, and its way back.
func TestNodeHandshake(t *testing.T) {
	ts := newServer(t, core.Options{CORSAllowedOrigins: []string{"*"}})
	got := make(chan *core.Socket, 2)
	ts.OnConnect(func(s *core.Socket) { got <- s })
	req := ts.request(url.Values{"room": {"lobby"}, "multi": {"a", "b"}})
	req.Header.Set("Origin", "https://app.example")
	req.Header["Set-Cookie"] = []string{"a=1", "b=2"}
	req.Header["Accept"] = []string{"x", "y"}
	req.RemoteAddr = "[2001:db8::1]:4321"
	c := ts.dialRequest(t, req, nil)
	c.Join(t, "/", map[string]any{"token": "t", "n": 1})
	h := recv(t, got).Handshake()

	n := h.Node()
	want := map[string]any{
		"address": "2001:db8::1", "xdomain": true, "secure": false, "url": h.URL,
		"query":  map[string]any{"EIO": "4", "transport": "websocket", "room": "lobby", "multi": []any{"a", "b"}},
		"auth":   map[string]any{"token": "t", "n": 1.0},
		"time":   h.Time.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)"),
		"issued": float64(h.Time.UnixMilli()),
		"headers": map[string]any{"origin": "https://app.example", "user-agent": "sio-test",
			"set-cookie": []any{"a=1", "b=2"}, "accept": "x, y"},
	}
	for _, v := range []any{n, *h, h} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || !reflect.DeepEqual(m, want) {
			t.Errorf("%T encodes to %s\nwant %v", v, b, want)
		}
	}
	if !strings.HasPrefix(h.URL, "/socket.io/?") {
		t.Errorf("url %q", h.URL)
	}

	// Back, as a peer of a cluster reports it.
	b, _ := json.Marshal(h)
	var back core.Handshake
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Address != "2001:db8::1" || back.Headers.Get("Origin") != "https://app.example" ||
		!slices.Equal(back.Headers["Set-Cookie"], []string{"a=1", "b=2"}) || !slices.Equal(back.Query["multi"], []string{"a", "b"}) ||
		back.Time.UnixMilli() != h.Time.UnixMilli() || back.URL != h.URL || back.Auth.String() != `[{"n":1,"token":"t"}]` {
		t.Errorf("decoded %+v", back)
	}

	// No auth: {}.
	c2 := ts.dial(t)
	c2.Join(t, "/", nil)
	if a := recv(t, got).Handshake().Node().Auth; a == nil || len(a) != 0 {
		t.Errorf("auth without a payload: %#v, want {}", a)
	}
}

// TestServerUse checks that Server.Use adds a middleware to the main
// namespace.
func TestServerUse(t *testing.T) {
	ts := newServer(t, core.Options{})
	ts.Use(func(s *core.Socket) error {
		if s.Handshake().Auth.Len() == 0 {
			return core.RefuseConnection("no auth")
		}
		return nil
	})
	c := ts.dial(t)
	if p := c.Connect(t, "/", nil); p.Type != '4' || !strings.Contains(p.Data, "no auth") {
		t.Errorf("got %v, want the middleware's refusal", p)
	}
	c.Join(t, "/", map[string]int{"a": 1})
	ts.Of("/other")
	c.Join(t, "/other", nil) // another namespace is not concerned
}
