package core_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// logBuf collects a server's log output.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDisconnectReasons checks who sees what when sockets leave.
func TestDisconnectReasons(t *testing.T) {
	type left struct {
		nsp    string
		reason core.DisconnectReason
	}
	setup := func(t *testing.T) (*testServer, chan left, chan *core.Socket) {
		ts := newServer(t, core.Options{})
		lefts := make(chan left, 10)
		sockets := make(chan *core.Socket, 10)
		for _, name := range []string{"/", "/b"} {
			ts.Of(name).OnConnect(func(s *core.Socket) { sockets <- s })
			ts.Of(name).OnDisconnect(func(s *core.Socket, r core.DisconnectReason) {
				lefts <- left{s.Namespace().Name(), r}
			})
			ts.Of(name).On("echo", func(_ *core.Socket, a core.Args) core.Args { return a })
		}
		return ts, lefts, sockets
	}

	t.Run("client namespace disconnect", func(t *testing.T) {
		ts, lefts, sockets := setup(t)
		c := ts.dial(t)
		c.Join(t, "/", nil)
		c.Join(t, "/b", nil)
		s := recv(t, sockets)
		recv(t, sockets)
		c.Send(siotest.EncodePacket('1', "/b", -1, nil))
		if got := recv(t, lefts); got != (left{"/b", core.ReasonClientNamespaceDisconnect}) {
			t.Errorf("got %+v", got)
		}
		// The connection and its other namespace keep working.
		if got := c.Call(t, "/", "echo", 1).ArgsText(); got != `[1]` || !s.Connected() {
			t.Errorf("/ after leaving /b: %s", got)
		}
		// Events for a namespace left are ignored.
		c.EmitOn("/b", "echo", 1)
		c.Join(t, "/b", nil)
	})
	t.Run("server namespace disconnect", func(t *testing.T) {
		ts, lefts, sockets := setup(t)
		c := ts.dial(t)
		sid := c.Join(t, "/", nil)
		c.Join(t, "/b", nil)
		recv(t, sockets)
		recv(t, sockets)
		if err := ts.Disconnect(sid); err != nil {
			t.Fatal(err)
		}
		if p := c.Expect(t, "DISCONNECT", func(p siotest.Packet) bool { return p.Type == '1' }); p.Nsp != "/" {
			t.Errorf("got %v", p)
		}
		if got := recv(t, lefts); got != (left{"/", core.ReasonServerNamespaceDisconnect}) {
			t.Errorf("got %+v", got)
		}
		if got := c.Call(t, "/b", "echo", 1).ArgsText(); got != `[1]` {
			t.Errorf("/b after leaving /: %s", got)
		}
		if err := ts.Disconnect(sid); !errors.Is(err, core.ErrNoSocket) {
			t.Errorf("second Disconnect: %v", err)
		}
	})
	t.Run("disconnect the connection", func(t *testing.T) {
		ts, lefts, sockets := setup(t)
		c := ts.dial(t)
		c.Join(t, "/", nil)
		c.Join(t, "/b", nil)
		s := recv(t, sockets)
		recv(t, sockets)
		s.Disconnect(true)
		got := map[left]bool{recv(t, lefts): true, recv(t, lefts): true}
		if !got[left{"/", core.ReasonServerNamespaceDisconnect}] || !got[left{"/b", core.ReasonServerNamespaceDisconnect}] {
			t.Errorf("got %v", got)
		}
		var disconnects []string
		for _, p := range c.WaitClosed(t) {
			if p.Type == '1' {
				disconnects = append(disconnects, p.Nsp)
			}
		}
		if len(disconnects) != 2 {
			t.Errorf("DISCONNECT packets for %v", disconnects)
		}
	})
	t.Run("transport close", func(t *testing.T) {
		ts, lefts, sockets := setup(t)
		c := ts.dial(t)
		c.Join(t, "/", nil)
		s := recv(t, sockets)
		c.Close()
		if got := recv(t, lefts); got != (left{"/", core.ReasonTransportClose}) {
			t.Errorf("got %+v", got)
		}
		<-s.Context().Done()
		if s.Connected() {
			t.Error("still connected")
		}
	})
	t.Run("close packet", func(t *testing.T) {
		ts, lefts, sockets := setup(t)
		c := ts.dial(t)
		c.Join(t, "/", nil)
		recv(t, sockets)
		_ = c.WriteFrame(wsText, []byte("1")) // Engine.IO close
		if got := recv(t, lefts); got != (left{"/", core.ReasonTransportClose}) {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("parse error", func(t *testing.T) {
		ts, lefts, sockets := setup(t)
		c := ts.dial(t)
		c.Join(t, "/", nil)
		recv(t, sockets)
		c.Send(`2["unterminated`)
		if got := recv(t, lefts); got != (left{"/", core.ReasonParseError}) {
			t.Errorf("got %+v", got)
		}
		c.WaitClosed(t)
	})
	t.Run("unexpected packet type", func(t *testing.T) {
		ts, lefts, sockets := setup(t)
		c := ts.dial(t)
		c.Join(t, "/", nil)
		recv(t, sockets)
		c.Send(`4{"message":"a client may not send CONNECT_ERROR"}`)
		if got := recv(t, lefts); got != (left{"/", core.ReasonParseError}) {
			t.Errorf("got %+v", got)
		}
		c.WaitClosed(t)
	})
	t.Run("disconnect handler runs after pending events", func(t *testing.T) {
		ts := newServer(t, core.Options{})
		var mu sync.Mutex
		var seen []string
		release := make(chan struct{})
		ts.On("slow", func(s *core.Socket) {
			<-release
			mu.Lock()
			seen = append(seen, "slow")
			mu.Unlock()
		})
		done := make(chan struct{})
		ts.OnDisconnect(func(s *core.Socket, _ core.DisconnectReason) {
			mu.Lock()
			seen = append(seen, "disconnect")
			mu.Unlock()
			close(done)
		})
		c := ts.dial(t)
		c.Join(t, "/", nil)
		c.EmitOn("/", "slow")
		c.Close()
		close(release)
		recv(t, done)
		mu.Lock()
		defer mu.Unlock()
		if strings.Join(seen, ",") != "slow,disconnect" {
			t.Errorf("order %v", seen)
		}
	})
}

// TestPanicRecovery checks that panics in user callbacks are logged and
// answered, and the server and connection keep working.
func TestPanicRecovery(t *testing.T) {
	var logs logBuf
	ts := newServer(t, core.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	disconnected := make(chan struct{}, 1)
	ts.On("boom", func(*core.Socket) { panic("handler boom") })
	ts.On("ok", func(*core.Socket) string { return "ok" })
	ts.OnDisconnect(func(*core.Socket, core.DisconnectReason) {
		disconnected <- struct{}{}
		panic("disconnect boom")
	})
	c := ts.dial(t)
	c.Join(t, "/", nil)
	if got := c.Call(t, "/", "boom").ArgsText(); got != `[{"error":"handler panicked"}]` {
		t.Errorf("ack %s", got)
	}
	c.EmitOn("/", "boom") // no ack asked: nothing sent
	if got := c.Call(t, "/", "ok").ArgsText(); got != `["ok"]` {
		t.Errorf("ack %s", got)
	}
	c.Send("1")
	recv(t, disconnected)
	c.Join(t, "/", nil)
	waitFor(t, "the panic to be logged", func() bool { return strings.Contains(logs.String(), "disconnect boom") })
	if l := logs.String(); !strings.Contains(l, "handler boom") || !strings.Contains(l, "stack=") {
		t.Errorf("log:\n%s", l)
	}
}

// TestShutdown checks that Shutdown disconnects every socket with reason
// "server shutting down", closes the connections and waits for running
// handlers.
func TestShutdown(t *testing.T) {
	ts := newServer(t, core.Options{})
	reasons := make(chan core.DisconnectReason, 10)
	started := make(chan struct{})
	finished := make(chan struct{})
	ts.OnDisconnect(func(_ *core.Socket, r core.DisconnectReason) { reasons <- r })
	ts.On("slow", func(ctx context.Context, _ *core.Socket) {
		close(started)
		<-ctx.Done() // cancelled by the disconnect
		time.Sleep(50 * time.Millisecond)
		close(finished)
	})
	c1, c2 := ts.dial(t), ts.dialWS(t, nil)
	c1.Join(t, "/", nil)
	c2.Join(t, "/", nil)
	c1.EmitOn("/", "slow")
	<-started

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := ts.Server.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	select {
	case <-finished:
	default:
		t.Error("Shutdown returned before the running handler")
	}
	for range 2 {
		select {
		case r := <-reasons:
			if r != core.ReasonServerShuttingDown {
				t.Errorf("reason %q", r)
			}
		default:
			t.Error("Shutdown returned before the disconnect handlers")
		}
	}
	c1.WaitClosed(t)
	c2.WaitClosed(t)
	if n := ts.Of("/").Len(); n != 0 {
		t.Errorf("%d sockets left", n)
	}
	if err := ts.Emit("after", 1); err != nil {
		t.Errorf("Emit after Shutdown: %v", err)
	}
	// New connections are refused.
	if _, resp := ts.Engine().PrepareWebSocket(ts.request(nil)); resp == nil {
		t.Error("a connection was accepted after Shutdown")
	}
}

// TestEmitPayloads checks how each kind of Go value is sent.
func TestEmitPayloads(t *testing.T) {
	type point struct {
		X, Y int
		Name string `json:"name,omitempty"`
	}
	tests := []struct {
		name string
		args []any
		want string // the packet after "2"
		att  int
	}{
		{"no args", nil, `["e"]`, 0},
		{"nil", []any{nil}, `["e",null]`, 0},
		{"bool", []any{true, false}, `["e",true,false]`, 0},
		{"numbers", []any{1, -2.5, uint8(3), int64(1) << 53}, `["e",1,-2.5,3,9007199254740992]`, 0},
		{"string", []any{"a\"b\u00e9\n"}, `["e","a\"bé\n"]`, 0},
		{"map", []any{map[string]any{"k": []int{1, 2}}}, `["e",{"k":[1,2]}]`, 0},
		{"slice", []any{[]string{"a", "b"}}, `["e",["a","b"]]`, 0},
		{"struct", []any{point{1, 2, ""}}, `["e",{"X":1,"Y":2}]`, 0},
		{"pointer", []any{&point{X: 1, Name: "p"}}, `["e",{"X":1,"Y":0,"name":"p"}]`, 0},
		{"raw JSON", []any{json.RawMessage(`{"b":1,"a":2}`)}, `["e",{"b":1,"a":2}]`, 0},
		{"several", []any{"a", 1, []int{}}, `["e","a",1,[]]`, 0},
		{"bytes", []any{[]byte{1, 2}}, `1-["e",{"_placeholder":true,"num":0}]`, 1},
		{"nested bytes", []any{map[string]any{"b": []byte{3}}, [][]byte{{4}, {5}}},
			`3-["e",{"b":{"_placeholder":true,"num":0}},[{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]]`, 3},
	}
	ts := newServer(t, core.Options{})
	sockets := make(chan *core.Socket, 1)
	ts.OnConnect(func(s *core.Socket) { sockets <- s })
	c := ts.dial(t)
	c.Join(t, "/", nil)
	s := recv(t, sockets)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, emit := range []func() error{
				func() error { return s.Emit("e", tt.args...) },
				func() error { return ts.Emit("e", tt.args...) },
			} {
				if err := emit(); err != nil {
					t.Fatal(err)
				}
				p := c.ExpectEvent(t, "/", "e")
				typ := byte('2')
				if tt.att > 0 {
					typ = '5'
				}
				got := strings.TrimPrefix(p.String(), string(typ))
				got = strings.Split(got, " <")[0]
				if p.Type != typ || got != tt.want || len(p.Att) != tt.att {
					t.Errorf("got %v, want %c%s with %d attachments", p, typ, tt.want, tt.att)
				}
			}
		})
	}
	t.Run("unencodable", func(t *testing.T) {
		if err := s.Emit("e", make(chan int)); err == nil {
			t.Error("Emit of a channel: no error")
		}
		if err := ts.Emit("e", func() {}); err == nil {
			t.Error("broadcast of a func: no error")
		}
		c.Barrier(t, "/")
	})
}

// TestMaxPendingEvents checks that a client flooding a busy socket with
// events is disconnected, and other clients are not affected.
func TestMaxPendingEvents(t *testing.T) {
	ts := newServer(t, core.Options{MaxPendingEvents: 3})
	release := make(chan struct{})
	reasons := make(chan core.DisconnectReason, 2)
	ts.On("block", func(*core.Socket) { <-release })
	ts.On("ok", func(*core.Socket) string { return "ok" })
	ts.OnDisconnect(func(_ *core.Socket, r core.DisconnectReason) { reasons <- r })
	flood, calm := ts.dial(t), ts.dial(t)
	flood.Join(t, "/", nil)
	calm.Join(t, "/", nil)
	flood.EmitOn("/", "block")
	for range 10 {
		flood.EmitOn("/", "ok")
	}
	flood.WaitClosed(t)
	close(release)
	if r := recv(t, reasons); r != core.ReasonTransportError {
		t.Errorf("reason %q", r)
	}
	if got := calm.Call(t, "/", "ok").ArgsText(); got != `["ok"]` {
		t.Errorf("the other client: %s", got)
	}
}

// TestMaxConcurrentHandlers checks that with ConcurrentHandlers a client
// cannot keep more than MaxPendingEvents handlers running: the one that
// tries is disconnected, the others are not affected.
func TestMaxConcurrentHandlers(t *testing.T) {
	const limit = 3
	ts := newServer(t, core.Options{ConcurrentHandlers: true, MaxPendingEvents: limit})
	release := make(chan struct{})
	var running, most atomic.Int32
	reasons := make(chan core.DisconnectReason, 2)
	ts.On("block", func(*core.Socket) {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		running.Add(-1)
	})
	ts.On("ok", func(*core.Socket) string { return "ok" })
	ts.OnDisconnect(func(_ *core.Socket, r core.DisconnectReason) { reasons <- r })
	flood, calm := ts.dial(t), ts.dial(t)
	flood.Join(t, "/", nil)
	calm.Join(t, "/", nil)
	for range 10 * limit {
		flood.EmitOn("/", "block")
	}
	flood.WaitClosed(t)
	if r := recv(t, reasons); r != core.ReasonTransportError {
		t.Errorf("reason %q", r)
	}
	if n := most.Load(); n > limit {
		t.Errorf("%d handlers ran at once, want at most %d", n, limit)
	}
	if got := calm.Call(t, "/", "ok").ArgsText(); got != `["ok"]` {
		t.Errorf("the other client: %s", got)
	}
	close(release)
}

// logLines returns the JSON log records written to l.
func logLines(t *testing.T, l *logBuf) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		var m map[string]any
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// TestPanicLog checks that a panicking handler is logged once, with its
// stack as a list of frames (no escaped newlines and tabs in the line),
// starting at the function that panicked.
func TestPanicLog(t *testing.T) {
	var logs logBuf
	ts := newServer(t, core.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ts.On("boom", panickingHandler)
	c := ts.dial(t)
	c.Join(t, "/", nil)
	c.Call(t, "/", "boom")
	var panics []map[string]any
	for _, m := range logLines(t, &logs) {
		if strings.Contains(fmt.Sprint(m), "boom") {
			panics = append(panics, m)
		}
	}
	if len(panics) != 1 {
		t.Fatalf("%d log lines about the panic, want 1: %v", len(panics), panics)
	}
	stack, _ := panics[0]["stack"].([]any)
	if len(stack) == 0 {
		t.Fatalf("stack %#v, want a list of frames", panics[0]["stack"])
	}
	if first := fmt.Sprint(stack[0]); !strings.Contains(first, "panickingHandler") || !strings.Contains(first, "lifecycle_test.go:") {
		t.Errorf("first frame %q, want the panicking function", first)
	}
	for _, f := range stack {
		if s := fmt.Sprint(f); strings.ContainsAny(s, "\n\t") || strings.HasPrefix(s, "runtime.") {
			t.Errorf("frame %q", s)
		}
	}
	var text logBuf
	ts2 := newServer(t, core.Options{Logger: slog.New(slog.NewTextHandler(&text, nil))})
	ts2.On("boom", panickingHandler)
	c2 := ts2.dial(t)
	c2.Join(t, "/", nil)
	c2.Call(t, "/", "boom")
	if l := text.String(); strings.Count(l, "\n") != 1 || strings.Contains(l, `\n`) || strings.Contains(l, `\t`) {
		t.Errorf("text log:\n%s", l)
	}
}

func panickingHandler(*core.Socket) { panic("boom") }

// TestAckOnClosedSession checks that an acknowledgement that cannot be sent
// because the connection has just closed is logged at debug level, not as
// an error.
func TestAckOnClosedSession(t *testing.T) {
	var logs logBuf
	ts := newServer(t, core.Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	release := map[string]chan struct{}{"/": make(chan struct{}), "/b": make(chan struct{})}
	acked := make(chan string, 2)
	leaving := make(chan string, 2)
	hold := make(chan struct{})
	for nsp := range release {
		n := ts.Of(nsp)
		n.On("wait", func(s *core.Socket) string {
			<-release[nsp]
			defer func() { acked <- nsp }()
			return "late"
		})
		n.OnDisconnecting(func(*core.Socket, core.DisconnectReason) {
			leaving <- nsp
			<-hold
		})
	}
	c := ts.dial(t)
	for nsp := range release {
		c.Join(t, nsp, nil)
		c.Request(nsp, "wait")
	}
	c.Close() // the engine session closes; the sockets leave one by one
	first := recv(t, leaving)
	other := "/b"
	if first == "/b" {
		other = "/"
	}
	close(release[other]) // its socket has not left yet
	if got := recv(t, acked); got != other {
		t.Fatalf("acked %s", got)
	}
	waitFor(t, "the acknowledgement to be logged", func() bool { return strings.Contains(logs.String(), "acknowledgement") })
	close(hold)
	close(release[first])
	for _, m := range logLines(t, &logs) {
		if strings.Contains(fmt.Sprint(m["msg"]), "acknowledgement") && m["level"] != "DEBUG" {
			t.Errorf("logged at %v: %v", m["level"], m)
		}
	}
}
