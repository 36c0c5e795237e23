package core_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// socketByValue is a func(core.Socket), which vet would not let us write.
var socketByValue = reflect.MakeFunc(reflect.FuncOf([]reflect.Type{reflect.TypeFor[core.Socket]()}, nil, false),
	func([]reflect.Value) []reflect.Value { return nil }).Interface()

type chatMessage struct {
	Text string `json:"text"`
	N    int    `json:"n"`
}

// TestHandlerShapes checks which function shapes On accepts: the others
// panic with an error wrapping ErrBadHandler.
func TestHandlerShapes(t *testing.T) {
	var nilFunc func(*core.Socket)
	tests := []struct {
		name  string
		event string
		fn    any
		ok    bool
	}{
		{"socket only", "e", func(*core.Socket) {}, true},
		{"ctx and socket", "e", func(context.Context, *core.Socket) {}, true},
		{"typed params", "e", func(*core.Socket, int, string, chatMessage, map[string]any, []byte, any) {}, true},
		{"pointer param", "e", func(*core.Socket, *chatMessage) {}, true},
		{"raw json param", "e", func(*core.Socket, json.RawMessage) {}, true},
		{"args only", "e", func(*core.Socket, core.Args) {}, true},
		{"params then args", "e", func(*core.Socket, int, core.Args) {}, true},
		{"error result", "e", func(*core.Socket) error { return nil }, true},
		{"results and error", "e", func(*core.Socket) (string, int, error) { return "", 0, nil }, true},
		{"args result", "e", func(_ *core.Socket, a core.Args) core.Args { return a }, true},
		{"catch-all", "*", func(*core.Socket, string) {}, true},
		{"catch-all with args", "*", func(*core.Socket, string, core.Args) {}, true},
		{"catch-all with ctx and params", "*", func(context.Context, *core.Socket, string, int) error { return nil }, true},

		{"not a func", "e", 42, false},
		{"nil", "e", nil, false},
		{"nil func", "e", nilFunc, false},
		{"no params", "e", func() {}, false},
		{"no socket", "e", func(int) {}, false},
		{"socket not first", "e", func(int, *core.Socket) {}, false},
		{"ctx not first", "e", func(*core.Socket, context.Context, *core.Socket) {}, true}, // ctx decodes as a param type: accepted
		{"socket by value", "e", socketByValue, false},
		{"variadic", "e", func(*core.Socket, ...any) {}, false},
		{"args not last", "e", func(*core.Socket, core.Args, int) {}, false},
		{"catch-all without event", "*", func(*core.Socket, int) {}, false},
		{"catch-all without anything", "*", func(*core.Socket) {}, false},

		{"ack", "e", func(*core.Socket, core.Ack) {}, true},
		{"params and ack", "e", func(context.Context, *core.Socket, int, string, core.Ack) error { return nil }, true},
		{"args and ack", "e", func(*core.Socket, int, core.Args, core.Ack) {}, true},
		{"catch-all with ack", "*", func(*core.Socket, string, core.Args, core.Ack) error { return nil }, true},
		{"ack not last", "e", func(*core.Socket, core.Ack, int) {}, false},
		{"ack then args", "e", func(*core.Socket, core.Ack, core.Args) {}, false},
		{"ack and results", "e", func(*core.Socket, core.Ack) string { return "" }, false},

		{"connect", "connect", func(*core.Socket) error { return nil }, true},
		{"connect with auth", "connect", func(*core.Socket, map[string]any) {}, true},
		{"connect of an event shape", "connect", func(*core.Socket, int, int) {}, false},
		{"disconnect with reason", "disconnect", func(*core.Socket, core.DisconnectReason) {}, true},
		{"disconnect", "disconnect", func(*core.Socket) {}, true},
		{"disconnect of an event shape", "disconnect", func(*core.Socket, string) {}, false},
		{"disconnecting", "disconnecting", func(*core.Socket, core.DisconnectReason) {}, true},
		{"connect_error", "connect_error", func(*core.Socket) {}, false},
		{"newListener", "newListener", func(*core.Socket) {}, false},
		{"removeListener", "removeListener", func(*core.Socket) {}, false},
	}
	srv := core.NewServer(core.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				if tt.ok {
					if v != nil {
						t.Fatalf("On panicked: %v", v)
					}
					return
				}
				err, _ := v.(error)
				if !errors.Is(err, core.ErrBadHandler) {
					t.Fatalf("On: panic %v, want an error wrapping ErrBadHandler", v)
				}
			}()
			srv.On(tt.event, tt.fn)
		})
	}
	t.Run("connect handler", func(t *testing.T) {
		for _, fn := range []any{func(*core.Socket, int, int) error { return nil }, func(*core.Socket) int { return 0 }, func() error { return nil }, "x", func(*core.Socket, core.Ack) {}} {
			func() {
				defer func() {
					if err, _ := recover().(error); !errors.Is(err, core.ErrBadHandler) {
						t.Errorf("OnConnect(%T): panic %v, want ErrBadHandler", fn, err)
					}
				}()
				srv.OnConnect(fn)
			}()
		}
	})
}

// TestHandlerArguments drives handlers of every shape through a connection:
// the arguments decode into the parameter types, the results become the
// acknowledgement.
func TestHandlerArguments(t *testing.T) {
	tests := []struct {
		name string
		fn   any
		args string // the JSON arguments after the event name
		want string // the acknowledgement's arguments
	}{
		{"struct", func(_ *core.Socket, m chatMessage) chatMessage { m.N++; return m },
			`{"text":"hi","n":1}`, `[{"text":"hi","n":2}]`},
		{"pointer to struct", func(_ *core.Socket, m *chatMessage) string { return m.Text },
			`{"text":"hi"}`, `["hi"]`},
		{"map", func(_ *core.Socket, m map[string]int) int { return m["a"] + m["b"] },
			`{"a":1,"b":2}`, `[3]`},
		{"scalars", func(_ *core.Socket, a int, b float64, c string, d bool) (int, float64, string, bool) {
			return a, b, c, d
		},
			`7,1.5,"x",true`, `[7,1.5,"x",true]`},
		{"slice", func(_ *core.Socket, v []int) int { return len(v) }, `[1,2,3]`, `[3]`},
		{"any", func(_ *core.Socket, a, b, c, d any) string { return fmt.Sprintf("%T %T %T %T", a, b, c, d) },
			`1,"s",{"k":1},[1]`, `["float64 string map[string]interface {} []interface {}"]`},
		{"raw json keeps key order", func(_ *core.Socket, m json.RawMessage) json.RawMessage { return m },
			`{"b":1,"a":2}`, `[{"b":1,"a":2}]`},
		{"args rest", func(_ *core.Socket, a int, rest core.Args) (int, int, string) {
			return a, rest.Len(), string(rest.Raw(0))
		},
			`1,"two",3`, `[1,2,"\"two\""]`},
		{"args all", func(_ *core.Socket, all core.Args) int { return all.Len() }, `1,2,3,4`, `[4]`},
		{"args echo", func(_ *core.Socket, all core.Args) core.Args { return all },
			`{"z":1,"a":[true,null]},"x"`, `[{"z":1,"a":[true,null]},"x"]`},
		{"missing args are zero values", func(_ *core.Socket, a int, b string, c *chatMessage, d []int, e map[string]any) (int, string, bool, bool, bool) {
			return a, b, c == nil, d == nil, e == nil
		}, `5`, `[5,"",true,true,true]`},
		{"extra args are ignored", func(_ *core.Socket, a int) int { return a }, `1,2,3`, `[1]`},
		{"no results", func(*core.Socket) {}, `1`, `[]`},
		{"several results", func(*core.Socket) (string, int) { return "OK", 123 }, ``, `["OK",123]`},
		{"nil error", func(*core.Socket) (string, error) { return "fine", nil }, ``, `["fine"]`},
		{"error", func(*core.Socket) (string, error) { return "ignored", errors.New("boom") }, ``, `[{"error":"boom"}]`},
		{"error only", func(*core.Socket) error { return errors.New("no") }, ``, `[{"error":"no"}]`},
		{"panic", func(*core.Socket) int { panic("oops") }, ``, `[{"error":"handler panicked"}]`},
		{"nil map result", func(*core.Socket) map[string]int { return nil }, ``, `[null]`},
		{"context", func(ctx context.Context, s *core.Socket) bool { return ctx == s.Context() && ctx.Err() == nil }, ``, `[true]`},
	}
	ts := newServer(t, core.Options{})
	for i, tt := range tests {
		ts.On(fmt.Sprint("e", i), tt.fn)
	}
	c := ts.dial(t)
	c.Join(t, "/", nil)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.ExpectAck(t, "/", emitIDRaw(c, "/", fmt.Sprint("e", i), tt.args))
			if got := p.ArgsText(); got != tt.want {
				t.Errorf("ack %s, want %s", got, tt.want)
			}
		})
	}

	t.Run("decode error", func(t *testing.T) {
		ts.On("int", func(_ *core.Socket, n int) int { return n })
		p := c.ExpectAck(t, "/", emitIDRaw(c, "/", "int", `"not a number"`))
		var v []map[string]string
		if err := json.Unmarshal([]byte(p.Data), &v); err != nil || len(v) != 1 || !strings.HasPrefix(v[0]["error"], "argument 0: ") {
			t.Errorf("ack %s, want [{\"error\":\"argument 0: ...\"}]", p.Data)
		}
		// The connection survives.
		if got := c.Call(t, "/", "int", 4).ArgsText(); got != `[4]` {
			t.Errorf("after a decode error: ack %s", got)
		}
	})

	t.Run("no handler", func(t *testing.T) {
		// No acknowledgement, as Node.js and python-socketio: the client's
		// ack timeout fires.
		callNoAck(t, c, "/", "nobody")
	})

	t.Run("no ack asked", func(t *testing.T) {
		called := make(chan int, 1)
		ts.On("noack", func(_ *core.Socket, n int) int { called <- n; return n })
		c.EmitOn("/", "noack", 9)
		if n := recv(t, called); n != 9 {
			t.Errorf("handler got %d", n)
		}
		if rest := c.Rest(t, "/"); len(rest) != 0 {
			t.Errorf("unexpected packets: %v", rest)
		}
	})

	t.Run("binary", func(t *testing.T) {
		ts.On("bin", func(_ *core.Socket, b []byte, m struct {
			Name string `json:"name"`
			Data []byte `json:"data"`
		}) ([]byte, int, string) {
			return append(bytes.Clone(b), m.Data...), len(b), m.Name
		})
		id := c.NextID()
		c.Send(siotest.EncodeBinaryPacket('5', "/", id, []any{"bin", siotest.Placeholder(0), map[string]any{"name": "n", "data": siotest.Placeholder(1)}}, 2),
			[]byte{1, 2}, []byte{3})
		p := c.ExpectAck(t, "/", id)
		if p.Type != '6' || len(p.Att) != 1 || !bytes.Equal(p.Att[0], []byte{1, 2, 3}) {
			t.Fatalf("ack %v, want a binary ack with attachment 010203", p)
		}
		if got := p.ArgsText(); got != `[{"_placeholder":true,"num":0},2,"n"]` {
			t.Errorf("ack arguments %s", got)
		}
	})
}

// emitIDRaw sends an event whose arguments are the JSON text args.
func emitIDRaw(c *siotest.Client, nsp, event, args string) int {
	id := c.NextID()
	data := "[" + siotest.JSONText(event)
	if args != "" {
		data += "," + args
	}
	c.Send(siotest.EncodePacket('2', nsp, id, siotest.Raw(data+"]")))
	return id
}

// TestHandle checks the compile-time typed registration.
func TestHandle(t *testing.T) {
	type sumReq struct{ A, B int }
	type sumResp struct{ Sum int }
	ts := newServer(t, core.Options{})
	core.Handle(ts.Of("/rpc"), "sum", func(ctx context.Context, s *core.Socket, in sumReq) (sumResp, error) {
		if in.A < 0 {
			return sumResp{}, errors.New("negative")
		}
		return sumResp{in.A + in.B}, nil
	})
	core.Handle(ts.Of("/rpc"), "panic", func(context.Context, *core.Socket, int) (int, error) { panic("x") })
	c := ts.dial(t)
	c.Join(t, "/rpc", nil)
	for _, tt := range []struct{ event, args, want string }{
		{"sum", `{"A":1,"B":2}`, `[{"Sum":3}]`},
		{"sum", ``, `[{"Sum":0}]`},
		{"sum", `{"A":-1}`, `[{"error":"negative"}]`},
		{"sum", `"bad"`, ``},
		{"panic", `1`, `[{"error":"handler panicked"}]`},
	} {
		got := c.ExpectAck(t, "/rpc", emitIDRaw(c, "/rpc", tt.event, tt.args)).ArgsText()
		if tt.want == "" {
			if !strings.Contains(got, `"error":"argument 0: `) {
				t.Errorf("%s(%s): ack %s, want a decode error", tt.event, tt.args, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s(%s): ack %s, want %s", tt.event, tt.args, got, tt.want)
		}
	}
}

// TestCatchAllEvent checks the "*" handler: it receives the events that
// have no handler of their own, with their name, and never connect or
// disconnect.
func TestCatchAllEvent(t *testing.T) {
	type call struct {
		event string
		args  string
	}
	calls := make(chan call, 10)
	ts := newServer(t, core.Options{})
	ts.On("*", func(_ *core.Socket, event string, args core.Args) string {
		vals, _ := args.Values()
		calls <- call{event, siotest.JSONText(vals)}
		return "caught " + event
	})
	ts.On("own", func(*core.Socket) string { return "own" })
	disconnected := make(chan core.DisconnectReason, 1)
	ts.OnDisconnect(func(_ *core.Socket, r core.DisconnectReason) { disconnected <- r })
	c := ts.dial(t)
	c.Join(t, "/", nil)
	if got := c.Call(t, "/", "anything", 1, "a").ArgsText(); got != `["caught anything"]` {
		t.Errorf("catch-all ack %s", got)
	}
	if got := recv(t, calls); got != (call{"anything", `[1,"a"]`}) {
		t.Errorf("catch-all got %+v", got)
	}
	if got := c.Call(t, "/", "own").ArgsText(); got != `["own"]` {
		t.Errorf("own handler ack %s", got)
	}
	c.Send("1") // leave "/"
	if r := recv(t, disconnected); r != core.ReasonClientNamespaceDisconnect {
		t.Errorf("reason %q", r)
	}
	select {
	case c := <-calls:
		t.Errorf("catch-all called for %+v", c)
	default:
	}
}

// TestReservedNames checks the reserved event names: On registers the
// lifecycle handlers under them, emitting one fails with ErrReservedEvent,
// and a client sending one is closed with a parse error before any handler
// or listener sees it.
func TestReservedNames(t *testing.T) {
	ts := newServer(t, core.Options{})
	events := make(chan string, 10)
	reasons := make(chan core.DisconnectReason, 10)
	ts.On("connect", func(s *core.Socket, auth map[string]any) error {
		events <- "connect"
		s.OnAny(func(event string, _ core.Args) { events <- "any " + event })
		return nil
	})
	ts.On("disconnecting", func(*core.Socket, core.DisconnectReason) { events <- "disconnecting" })
	ts.On("disconnect", func(_ *core.Socket, r core.DisconnectReason) { reasons <- r })
	ts.On("*", func(_ *core.Socket, event string) { events <- "catch-all " + event })
	ts.Of("/short").On("disconnect", func(*core.Socket) { reasons <- "short form" })

	c := ts.dial(t)
	sid := c.Join(t, "/", nil)
	if got := recv(t, events); got != "connect" {
		t.Errorf("event %q, want the connect handler", got)
	}
	s := ts.Socket(sid)
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		for what, err := range map[string]error{
			"Socket.Emit":      s.Emit(name, 1),
			"Socket.Emit(ack)": s.Emit(name, core.AckFunc(func(core.Args, error) {})),
			"Server.Emit":      ts.Emit(name),
			"To.Emit":          ts.To(sid).Emit(name),
			"Broadcast.Emit":   s.Broadcast().Emit(name),
		} {
			if !errors.Is(err, core.ErrReservedEvent) {
				t.Errorf("%s(%q): %v, want ErrReservedEvent", what, name, err)
			}
		}
		if _, err := s.EmitWithAck(context.Background(), name); !errors.Is(err, core.ErrReservedEvent) {
			t.Errorf("EmitWithAck(%q): %v", name, err)
		}
		if _, err := ts.To(sid).EmitWithAck(context.Background(), name); !errors.Is(err, core.ErrReservedEvent) {
			t.Errorf("To.EmitWithAck(%q): %v", name, err)
		}
	}
	for _, p := range c.Rest(t, "/") {
		t.Errorf("the client received %v", p)
	}
	if got := recv(t, events); got != "any __barrier__" {
		t.Errorf("event %q", got)
	}

	c.Send(siotest.EncodePacket('2', "/", -1, []any{"disconnecting", 1}))
	c.WaitClosed(t)
	if got := recv(t, events); got != "disconnecting" {
		t.Errorf("event %q, want the disconnecting handler", got)
	}
	if r := recv(t, reasons); r != core.ReasonParseError {
		t.Errorf("reason %q, want %q", r, core.ReasonParseError)
	}
	select {
	case e := <-events:
		t.Errorf("the reserved event reached %q", e)
	default:
	}

	short := ts.dial(t)
	short.Join(t, "/short", nil)
	short.Send("1/short,")
	if r := recv(t, reasons); r != "short form" {
		t.Errorf("On(\"disconnect\", func(*Socket)): got %q", r)
	}
}

// TestCatchAllLookupOrder checks python-socketio's order: (namespace,
// event), (namespace, "*"), ("*", event), ("*", "*"), for namespaces created
// with Of and for those the catch-all namespace creates.
func TestCatchAllLookupOrder(t *testing.T) {
	ts := newServer(t, core.Options{})
	star := ts.Of("*")
	star.On("a", func(s *core.Socket) string { return "*,a" })
	star.On("b", func(s *core.Socket) string { return "*,b" })
	star.On("*", func(s *core.Socket, event string) string { return "*,* " + event })
	full := ts.Of("/full")
	full.On("a", func(s *core.Socket) string { return "full,a" })
	full.On("*", func(s *core.Socket, event string) string { return "full,* " + event })
	lean := ts.Of("/lean")
	lean.On("a", func(s *core.Socket) string { return "lean,a" })

	c := ts.dial(t)
	for _, nsp := range []string{"/full", "/lean", "/dynamic"} {
		c.Join(t, nsp, nil)
	}
	for _, tt := range []struct{ nsp, event, want string }{
		{"/full", "a", "full,a"},
		{"/full", "b", "full,* b"},
		{"/full", "z", "full,* z"},
		{"/lean", "a", "lean,a"},
		{"/lean", "b", "*,b"},
		{"/lean", "z", "*,* z"},
		{"/dynamic", "a", "*,a"},
		{"/dynamic", "z", "*,* z"},
	} {
		if got := c.Call(t, tt.nsp, tt.event).ArgsText(); got != siotest.JSONText([]string{tt.want}) {
			t.Errorf("%s %s: ack %s, want %q", tt.nsp, tt.event, got, tt.want)
		}
	}
}

// starNamespace is a class-based catch-all namespace.
type starNamespace struct {
	*core.Namespace
	calls *atomic.Int64 // shared by the copies
}

func (n *starNamespace) OnShout(s *core.Socket, msg string) (string, error) {
	n.calls.Add(1)
	return n.Name(), n.Emit("shout", msg)
}

// TestClassCatchAllNamespace checks that the methods of a class-based "*"
// namespace are bound to the namespace of the socket they serve: its Emit
// reaches that namespace only.
func TestClassCatchAllNamespace(t *testing.T) {
	ts := newServer(t, core.Options{})
	cls := &starNamespace{calls: new(atomic.Int64)}
	star := ts.RegisterNamespace("*", cls)
	if cls.Namespace != star {
		t.Fatal("the registered struct does not embed Of(\"*\")")
	}
	a, b := ts.dial(t), ts.dial(t)
	a.Join(t, "/a", nil)
	b.Join(t, "/b", nil)
	if got := a.Call(t, "/a", "shout", "hi").ArgsText(); got != `["/a"]` {
		t.Errorf("ack %s, want the namespace /a", got)
	}
	if p := a.ExpectEvent(t, "/a", "shout"); p.ArgsText() != `["hi"]` {
		t.Errorf("got %v", p)
	}
	for _, p := range b.Rest(t, "/b") {
		t.Errorf("another namespace received %v", p)
	}
	if got := b.Call(t, "/b", "shout", "yo").ArgsText(); got != `["/b"]` {
		t.Errorf("ack %s, want the namespace /b", got)
	}
	if n := cls.calls.Load(); n != 2 {
		t.Errorf("%d calls counted, want 2", n)
	}
}

// TestRelayArgs checks that an Args passed to Emit is sent as the arguments
// it holds, unchanged (raw JSON, binary data): a relay is one line.
func TestRelayArgs(t *testing.T) {
	ts := newServer(t, core.Options{})
	ts.On("*", func(s *core.Socket, event string, a core.Args) error {
		return s.Broadcast().Emit(event, a)
	})
	ts.On("wrap", func(s *core.Socket, a core.Args) error {
		return s.Emit("wrapped", "first", a, map[string]any{"nested": a})
	})
	c, other := ts.dial(t), ts.dial(t)
	c.Join(t, "/", nil)
	other.Join(t, "/", nil)
	c.Send(`51-["chat",{"z":9007199254740993, "a":[1]},{"_placeholder":true,"num":0},"s"]`, []byte{7, 8})
	p := other.ExpectEvent(t, "/", "chat")
	if p.Data != `["chat",{"z":9007199254740993, "a":[1]},{"_placeholder":true,"num":0},"s"]` || len(p.Att) != 1 || !bytes.Equal(p.Att[0], []byte{7, 8}) {
		t.Errorf("relayed %v", p)
	}
	c.Send(`52-["wrap",{"_placeholder":true,"num":0},{"k":{"_placeholder":true,"num":1}}]`, []byte{1}, []byte{2})
	p = c.ExpectEvent(t, "/", "wrapped")
	want := `["wrapped","first",{"_placeholder":true,"num":0},{"k":{"_placeholder":true,"num":1}},{"nested":[{"_placeholder":true,"num":2},{"k":{"_placeholder":true,"num":3}}]}]`
	if p.Data != want || len(p.Att) != 4 || string(bytes.Join(p.Att, nil)) != "\x01\x02\x01\x02" {
		t.Errorf("got %v, want %s", p, want)
	}
}
