package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// TestOrderedHandlers checks that by default the handlers of one socket run
// one at a time, in arrival order, while another socket's run meanwhile.
func TestOrderedHandlers(t *testing.T) {
	ts := newServer(t, core.Options{})
	release := make(chan struct{})
	var mu sync.Mutex
	var order []int
	running, maxRunning := 0, 0
	ts.On("work", func(_ *core.Socket, n int) int {
		mu.Lock()
		running++
		maxRunning = max(maxRunning, running)
		mu.Unlock()
		if n == 0 {
			<-release // the first event blocks the queue
		}
		mu.Lock()
		running--
		order = append(order, n)
		mu.Unlock()
		return n
	})
	ts.On("free", func(*core.Socket) string { return "free" })
	c, other := ts.dial(t), ts.dial(t)
	c.Join(t, "/", nil)
	other.Join(t, "/", nil)
	var ids []int
	for n := range 20 {
		ids = append(ids, c.Request("/", "work", n))
	}
	// Another socket is not held up by c's queue.
	if got := other.Call(t, "/", "free").ArgsText(); got != `["free"]` {
		t.Errorf("other socket: %s", got)
	}
	close(release)
	for n, id := range ids {
		if got := c.ExpectAck(t, "/", id).ArgsText(); got != fmt.Sprintf("[%d]", n) {
			t.Errorf("ack %d: %s", n, got)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.IsSorted(order) || len(order) != 20 || maxRunning != 1 {
		t.Errorf("order %v, at most %d at once", order, maxRunning)
	}
}

// TestConcurrentHandlers checks Options.ConcurrentHandlers: a handler that
// waits for a later event of the same socket does not block it.
func TestConcurrentHandlers(t *testing.T) {
	ts := newServer(t, core.Options{ConcurrentHandlers: true})
	second := make(chan struct{})
	ts.On("first", func(ctx context.Context, _ *core.Socket) string {
		select {
		case <-second:
			return "first done"
		case <-ctx.Done():
			return "cancelled"
		}
	})
	ts.On("second", func(*core.Socket) string { close(second); return "second done" })
	c := ts.dial(t)
	c.Join(t, "/", nil)
	id1 := c.Request("/", "first")
	if got := c.Call(t, "/", "second").ArgsText(); got != `["second done"]` {
		t.Errorf("second: %s", got)
	}
	if got := c.ExpectAck(t, "/", id1).ArgsText(); got != `["first done"]` {
		t.Errorf("first: %s", got)
	}
}

// TestHandlerAwaitsOwnAck checks that a handler may wait for its own
// client's acknowledgement with ordered handlers: acks are resolved on the
// reader, not on the handler queue.
func TestHandlerAwaitsOwnAck(t *testing.T) {
	for _, concurrent := range []bool{false, true} {
		t.Run(fmt.Sprint("concurrent=", concurrent), func(t *testing.T) {
			ts := newServer(t, core.Options{ConcurrentHandlers: concurrent})
			ts.On("ask", func(ctx context.Context, s *core.Socket, q string) (string, error) {
				reply, err := s.EmitWithAck(ctx, "question", q)
				if err != nil {
					return "", err
				}
				var answer string
				if err := reply.Decode(0, &answer); err != nil {
					return "", err
				}
				return "client said " + answer, nil
			})
			c := ts.dial(t)
			c.Join(t, "/", nil)
			id := c.Request("/", "ask", "why?")
			q := c.ExpectEvent(t, "/", "question")
			if q.ID < 0 || q.ArgsText() != `["why?"]` {
				t.Fatalf("question %v", q)
			}
			c.Send(siotest.EncodePacket('3', "/", q.ID, []any{"because"}))
			if got := c.ExpectAck(t, "/", id).ArgsText(); got != `["client said because"]` {
				t.Errorf("ack %s", got)
			}
		})
	}
}

// TestEmitWithAck checks a socket's acknowledgements: replies, timeouts and
// disconnects.
func TestEmitWithAck(t *testing.T) {
	ts := newServer(t, core.Options{AckTimeout: 100 * time.Millisecond})
	sockets := make(chan *core.Socket, 10)
	ts.OnConnect(func(s *core.Socket) { sockets <- s })
	c := ts.dial(t)
	sid := c.Join(t, "/", nil)
	s := recv(t, sockets)

	// long is the context of the waits that must not time out.
	long, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	answer := func(event string, args ...any) {
		t.Helper()
		p := c.ExpectEvent(t, "/", event)
		c.Send(siotest.EncodePacket('3', "/", p.ID, append([]any{}, args...)))
	}

	t.Run("reply", func(t *testing.T) {
		go answer("q", "a", 2)
		reply, err := s.EmitWithAck(long, "q")
		if err != nil || reply.Len() != 2 || string(reply.Raw(0)) != `"a"` {
			t.Errorf("reply %v, %v", reply, err)
		}
	})
	t.Run("call", func(t *testing.T) {
		go answer("q", true)
		reply, err := ts.Call(long, sid, "q", 1)
		if err != nil || string(reply.Raw(0)) != `true` {
			t.Errorf("reply %v, %v", reply, err)
		}
		if _, err := ts.Call(context.Background(), "nobody", "q"); !errors.Is(err, core.ErrNoSocket) {
			t.Errorf("Call to an unknown sid: %v", err)
		}
	})
	t.Run("default timeout", func(t *testing.T) {
		start := time.Now()
		_, err := s.EmitWithAck(context.Background(), "ignored")
		if !errors.Is(err, core.ErrAckTimeout) || time.Since(start) < 100*time.Millisecond {
			t.Errorf("err %v after %v", err, time.Since(start))
		}
		c.ExpectEvent(t, "/", "ignored")
	})
	t.Run("Timeout", func(t *testing.T) {
		_, err := s.Timeout(20*time.Millisecond).EmitWithAck(context.Background(), "ignored")
		if !errors.Is(err, core.ErrAckTimeout) {
			t.Errorf("err %v", err)
		}
		c.ExpectEvent(t, "/", "ignored")
	})
	t.Run("ctx deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := s.EmitWithAck(ctx, "ignored"); !errors.Is(err, core.ErrAckTimeout) {
			t.Errorf("err %v", err)
		}
		c.ExpectEvent(t, "/", "ignored")
	})
	t.Run("ctx cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.EmitWithAck(ctx, "ignored"); !errors.Is(err, context.Canceled) {
			t.Errorf("err %v", err)
		}
		c.ExpectEvent(t, "/", "ignored")
	})
	t.Run("late reply is dropped", func(t *testing.T) {
		_, err := s.Timeout(10*time.Millisecond).EmitWithAck(context.Background(), "late")
		if !errors.Is(err, core.ErrAckTimeout) {
			t.Errorf("err %v", err)
		}
		answer("late", "too late")
		c.Barrier(t, "/")
	})
	t.Run("callback", func(t *testing.T) {
		got := make(chan string, 2)
		err := s.Emit("q", 1, core.AckFunc(func(reply core.Args, err error) {
			got <- fmt.Sprint(string(reply.Raw(0)), err)
		}))
		if err != nil {
			t.Fatal(err)
		}
		answer("q", "x")
		if g := recv(t, got); g != `"x"<nil>` {
			t.Errorf("callback got %s", g)
		}
		// A plain func literal works too, with a timeout.
		err = s.Timeout(10*time.Millisecond).Emit("ignored", func(reply core.Args, err error) {
			got <- fmt.Sprint(reply.Len(), err)
		})
		if err != nil {
			t.Fatal(err)
		}
		if g := recv(t, got); g != fmt.Sprint(0, core.ErrAckTimeout) {
			t.Errorf("callback got %s", g)
		}
		c.ExpectEvent(t, "/", "ignored")
		// A panicking callback is recovered.
		_ = s.Emit("q", core.AckFunc(func(core.Args, error) { panic("in callback") }))
		answer("q")
		c.Barrier(t, "/")
	})
	t.Run("disconnect", func(t *testing.T) {
		errs := make(chan error, 2)
		go func() {
			_, err := s.EmitWithAck(long, "pending")
			errs <- err
		}()
		_ = s.Emit("pending2", core.AckFunc(func(_ core.Args, err error) { errs <- err }))
		c.ExpectEvent(t, "/", "pending")
		c.ExpectEvent(t, "/", "pending2")
		c.Send("1")
		for range 2 {
			if err := recv(t, errs); !errors.Is(err, core.ErrNotConnected) {
				t.Errorf("pending ack: %v, want ErrNotConnected", err)
			}
		}
		if _, err := s.EmitWithAck(context.Background(), "after"); !errors.Is(err, core.ErrNotConnected) {
			t.Errorf("EmitWithAck after disconnect: %v", err)
		}
		if err := s.Emit("after"); !errors.Is(err, core.ErrNotConnected) {
			t.Errorf("Emit after disconnect: %v", err)
		}
		if err := s.Emit("after", core.AckFunc(func(core.Args, error) {})); !errors.Is(err, core.ErrNotConnected) {
			t.Errorf("Emit with ack after disconnect: %v", err)
		}
		if s.Context().Err() == nil {
			t.Error("the socket's context is not cancelled")
		}
	})
}

// TestBroadcastEmitWithAck checks aggregated acknowledgements.
func TestBroadcastEmitWithAck(t *testing.T) {
	ts := newServer(t, core.Options{})
	sockets := make(chan *core.Socket, 10)
	ts.OnConnect(func(s *core.Socket) { sockets <- s; s.Join("all") })
	var cs []*siotest.Client
	for range 3 {
		c := ts.dial(t)
		c.Join(t, "/", nil)
		recv(t, sockets)
		cs = append(cs, c)
	}
	// answerAll makes clients in who answer event with their index.
	answerAll := func(event string, who ...int) {
		for _, i := range who {
			p := cs[i].ExpectEvent(t, "/", event)
			cs[i].Send(siotest.EncodePacket('3', "/", p.ID, []any{i}))
		}
	}
	replies := func(rs []core.Args) []string {
		var out []string
		for _, r := range rs {
			out = append(out, string(r.Raw(0)))
		}
		slices.Sort(out)
		return out
	}

	t.Run("all reply", func(t *testing.T) {
		go answerAll("q", 0, 1, 2)
		rs, err := ts.To("all").Timeout(wait).EmitWithAck(context.Background(), "q")
		if err != nil || !slices.Equal(replies(rs), []string{"0", "1", "2"}) {
			t.Errorf("replies %v, %v", replies(rs), err)
		}
	})
	t.Run("partial on timeout", func(t *testing.T) {
		// The deadline passes once the server has read two replies.
		ctx := &expiring{done: make(chan struct{})}
		go func() {
			answerAll("q2", 0, 2)
			cs[0].Barrier(t, "/")
			cs[2].Barrier(t, "/")
			close(ctx.done)
		}()
		rs, err := ts.To("all").EmitWithAck(ctx, "q2")
		if !errors.Is(err, core.ErrAckTimeout) || !slices.Equal(replies(rs), []string{"0", "2"}) {
			t.Errorf("replies %v, %v", replies(rs), err)
		}
		cs[1].ExpectEvent(t, "/", "q2")
	})
	t.Run("Timeout", func(t *testing.T) {
		rs, err := ts.To("all").Timeout(20*time.Millisecond).EmitWithAck(context.Background(), "q5")
		if !errors.Is(err, core.ErrAckTimeout) || len(rs) != 0 {
			t.Errorf("replies %v, %v", replies(rs), err)
		}
		for _, c := range cs {
			c.ExpectEvent(t, "/", "q5")
		}
	})
	t.Run("except", func(t *testing.T) {
		go answerAll("q3", 0, 2)
		var except string
		for _, s := range fetchSockets(ts) {
			if s.Connected() && s.ConnID() == cs[1].EIO {
				except = s.ID()
			}
		}
		rs, err := ts.Except(except).Timeout(wait).EmitWithAck(context.Background(), "q3")
		if err != nil || !slices.Equal(replies(rs), []string{"0", "2"}) {
			t.Errorf("replies %v, %v", replies(rs), err)
		}
	})
	t.Run("nobody", func(t *testing.T) {
		rs, err := ts.To("empty").EmitWithAck(context.Background(), "q")
		if err != nil || len(rs) != 0 {
			t.Errorf("replies %v, %v", rs, err)
		}
	})
	t.Run("recipient leaves", func(t *testing.T) {
		done := make(chan struct{})
		go func() {
			answerAll("q4", 0)
			cs[1].ExpectEvent(t, "/", "q4")
			cs[1].Send("1") // leaves without answering
			answerAll("q4", 2)
			close(done)
		}()
		rs, err := ts.To("all").Timeout(wait).EmitWithAck(context.Background(), "q4")
		if err != nil || !slices.Equal(replies(rs), []string{"0", "2"}) {
			t.Errorf("replies %v, %v", replies(rs), err)
		}
		<-done
	})
}

// fetchSockets returns the local sockets of "/".
func fetchSockets(ts *testServer) []*core.Socket {
	var out []*core.Socket
	for _, id := range ts.Of("/").Adapter().Sockets(nil) {
		if s := ts.Of("/").Socket(id); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// expiring is a context whose deadline passes when the test closes done.
type expiring struct{ done chan struct{} }

func (e *expiring) Deadline() (time.Time, bool) { return time.Now().Add(time.Hour), true }
func (e *expiring) Done() <-chan struct{}       { return e.done }
func (e *expiring) Value(any) any               { return nil }
func (e *expiring) Err() error {
	select {
	case <-e.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// TestAckParameter checks handlers that take an Ack: they acknowledge
// when they call it (at once, later from another goroutine, or never),
// once; their error or panic is sent when they have not acknowledged.
func TestAckParameter(t *testing.T) {
	ts := newServer(t, core.Options{})
	later := make(chan core.Ack, 1)
	results := make(chan error, 10)
	ts.On("now", func(_ *core.Socket, n int, ack core.Ack) {
		results <- ack(n+1, "x")
		results <- ack("again")
	})
	ts.On("later", func(_ *core.Socket, ack core.Ack) { later <- ack })
	ts.On("never", func(*core.Socket, core.Ack) {})
	ts.On("fail", func(*core.Socket, core.Ack) error { return errors.New("bad") })
	ts.On("ack-then-fail", func(_ *core.Socket, ack core.Ack) error {
		results <- ack("done")
		return errors.New("ignored")
	})
	ts.On("panic", func(*core.Socket, core.Ack) { panic("boom") })
	ts.On("relay", func(_ *core.Socket, a core.Args, ack core.Ack) error { return ack(a) })
	ts.On("*", func(_ *core.Socket, event string, a core.Args, ack core.Ack) error {
		return ack("caught "+event, a.Len())
	})
	c := ts.dial(t)
	c.Join(t, "/", nil)

	if got := c.Call(t, "/", "now", 1).ArgsText(); got != `[2,"x"]` {
		t.Errorf("now: ack %s", got)
	}
	if err := recv(t, results); err != nil {
		t.Errorf("first call: %v", err)
	}
	if err := recv(t, results); !errors.Is(err, core.ErrAckSent) {
		t.Errorf("second call: %v, want ErrAckSent", err)
	}

	id := c.Request("/", "later")
	ack := recv(t, later)
	c.Barrier(t, "/") // the handler has returned: no acknowledgement yet
	for _, p := range c.Queued() {
		t.Errorf("before the deferred ack: %v", p)
	}
	go func() { results <- ack("late") }()
	if got := c.ExpectAck(t, "/", id).ArgsText(); got != `["late"]` {
		t.Errorf("later: ack %s", got)
	}
	if err := recv(t, results); err != nil {
		t.Errorf("deferred call: %v", err)
	}

	callNoAck(t, c, "/", "never")
	if got := c.Call(t, "/", "fail").ArgsText(); got != `[{"error":"bad"}]` {
		t.Errorf("fail: ack %s", got)
	}
	if got := c.Call(t, "/", "ack-then-fail").ArgsText(); got != `["done"]` {
		t.Errorf("ack-then-fail: ack %s", got)
	}
	recv(t, results)
	if got := c.Call(t, "/", "panic").ArgsText(); got != `[{"error":"handler panicked"}]` {
		t.Errorf("panic: ack %s", got)
	}
	if got := c.Call(t, "/", "relay", json.RawMessage(`{"b":1,"a":2}`), "s").ArgsText(); got != `[{"b":1,"a":2},"s"]` {
		t.Errorf("relay: ack %s", got)
	}
	if got := c.Call(t, "/", "other", 1, 2).ArgsText(); got != `["caught other",2]` {
		t.Errorf("catch-all: ack %s", got)
	}

	// No acknowledgement asked: the Ack does nothing. After the socket
	// has left, it fails.
	c.EmitOn("/", "later")
	if err := recv(t, later)("x"); err != nil {
		t.Errorf("Ack without an ack id: %v", err)
	}
	c.Request("/", "later")
	ack = recv(t, later)
	c.Send("1")
	waitFor(t, "the socket to leave", func() bool { return ts.Of("/").Len() == 0 })
	if err := ack("gone"); !errors.Is(err, core.ErrNotConnected) {
		t.Errorf("Ack after the socket left: %v, want ErrNotConnected", err)
	}
}

// TestEmitCallbackToSid checks python-socketio's emit(..., to=sid,
// callback=cb): To(sid).Emit with an AckFunc for one socket, and a clear
// error for a broadcast or an unknown sid.
func TestEmitCallbackToSid(t *testing.T) {
	ts := newServer(t, core.Options{})
	c, other := ts.dial(t), ts.dial(t)
	sid := c.Join(t, "/", nil)
	otherSid := other.Join(t, "/", nil)
	type reply struct {
		args string
		err  error
	}
	replies := make(chan reply, 4)
	cb := core.AckFunc(func(a core.Args, err error) { replies <- reply{a.String(), err} })

	if err := ts.To(sid).Emit("ask", 1, cb); err != nil {
		t.Fatalf("To(sid).Emit with a callback: %v", err)
	}
	p := c.ExpectEvent(t, "/", "ask")
	if p.ID < 0 || p.ArgsText() != `[1]` {
		t.Fatalf("got %v, want an event with an ack id and the argument 1", p)
	}
	c.Send(siotest.EncodePacket('3', "/", p.ID, []any{"yes", 2}))
	if r := recv(t, replies); r.err != nil || r.args != `["yes",2]` {
		t.Errorf("callback got %+v", r)
	}

	// A timeout, and a room with a single member.
	ts.Socket(otherSid).Join("solo")
	if err := ts.To("solo").Timeout(50*time.Millisecond).Emit("ask", cb); err != nil {
		t.Fatal(err)
	}
	other.ExpectEvent(t, "/", "ask") // never answered
	if r := recv(t, replies); !errors.Is(r.err, core.ErrAckTimeout) {
		t.Errorf("callback got %+v, want ErrAckTimeout", r)
	}

	ts.Socket(sid).Join("pair")
	ts.Socket(otherSid).Join("pair")
	for what, err := range map[string]error{
		"everyone":            ts.Emit("ask", cb),
		"a room of two":       ts.To("pair").Emit("ask", cb),
		"two sids":            ts.To(sid, otherSid).Emit("ask", cb),
		"a func(Args, error)": ts.To(sid, otherSid).Emit("ask", func(core.Args, error) {}),
	} {
		if !errors.Is(err, core.ErrAckBroadcast) || !strings.Contains(err.Error(), "EmitWithAck") {
			t.Errorf("%s: %v, want ErrAckBroadcast pointing to EmitWithAck", what, err)
		}
	}
	if err := ts.To("nobody").Emit("ask", cb); !errors.Is(err, core.ErrNoSocket) {
		t.Errorf("unknown sid: %v, want ErrNoSocket", err)
	}
	for _, cl := range []*siotest.Client{c, other} {
		for _, p := range cl.Rest(t, "/") {
			t.Errorf("unexpected %v", p)
		}
	}
	select {
	case r := <-replies:
		t.Errorf("unexpected callback %+v", r)
	default:
	}
}

// TestNilSocket checks that the nil *Socket that Socket returns for an
// unknown sid is safe to use: it behaves as a socket that has left.
func TestNilSocket(t *testing.T) {
	ts := newServer(t, core.Options{})
	s := ts.Socket("unknown")
	if s != nil || ts.Of("/").Socket("unknown") != nil || ts.Of("/other").Socket("") != nil {
		t.Fatal("a socket for an unknown sid")
	}
	ctx := context.Background()
	_, ackErr := s.EmitWithAck(ctx, "e")
	_, timeoutErr := s.Timeout(time.Second).EmitWithAck(ctx, "e")
	_, fetchErr := s.Broadcast().FetchSockets(ctx)
	for what, err := range map[string]error{
		"Emit":           s.Emit("e", 1),
		"Emit with ack":  s.Emit("e", core.AckFunc(func(core.Args, error) {})),
		"Volatile.Emit":  s.Volatile().Emit("e"),
		"Compress.Emit":  s.Compress(false).Emit("e"),
		"EmitWithAck":    ackErr,
		"Timeout":        timeoutErr,
		"Broadcast.Emit": s.Broadcast().Emit("e"),
		"To.Emit":        s.To("r").Emit("e"),
		"Except.Emit":    s.Except("r").Emit("e"),
		"UpdateSession":  s.UpdateSession(func(map[string]any) error { return nil }),
		"FetchSockets":   fetchErr,
		"Context":        context.Cause(s.Context()),
	} {
		if !errors.Is(err, core.ErrNoSocket) {
			t.Errorf("%s: %v, want ErrNoSocket", what, err)
		}
	}
	s.Join("r")
	s.Leave("r")
	s.SaveSession(map[string]any{"a": 1})
	s.SetData(1)
	s.Disconnect(true)
	s.Use(func(*core.Socket, string, core.Args) error { return nil })
	s.OnAny(func(string, core.Args) {})()
	s.OnAnyOutgoing(func(string, []any) {})()
	s.PrependAny(func(string, core.Args) {})()
	s.OffAny()
	s.OffAnyOutgoing()
	s.Broadcast().SocketsJoin("r")
	s.Broadcast().DisconnectSockets(true)
	if s.ID() != "" || s.Namespace() != nil || s.Connected() || s.Transport() != "" || s.ConnID() != "" ||
		s.Rooms() != nil || s.Session() != nil || s.Data() != nil || s.Recovered() || s.Handshake() == nil {
		t.Error("a nil socket reports state")
	}
	if _, ok := s.HostValue("k"); ok {
		t.Error("a nil socket has host values")
	}
	if len(ts.Of("/").Adapter().(*core.MemoryAdapter).Rooms()) != 0 {
		t.Error("a nil socket joined a room")
	}
}
