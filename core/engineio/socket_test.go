package engineio

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSocketAccessors(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	if sock.ID() != p.sid || sock.Transport() != TransportPolling || srv.Socket(p.sid) != sock || srv.Len() != 1 {
		t.Errorf("socket %s %s", sock.ID(), sock.Transport())
	}
	if r := sock.Request(); r == nil || r.Query.Get("EIO") != "4" || r.Body != nil || r.RemoteAddr != "192.0.2.1:1234" {
		t.Errorf("request %+v", r)
	}
	if srv.Engine() != srv || srv.Path() != DefaultPath || srv.Options().PingInterval != DefaultPingInterval {
		t.Error("server accessors")
	}
	select {
	case <-sock.Done():
		t.Fatal("done before close")
	default:
	}
	sock.Close()
	if recs := p.get(); !equal(recs, []string{"1"}) {
		t.Errorf("GET %q", recs)
	}
	<-sock.Done()
	if err := sock.SendText("x"); err != ErrClosed {
		t.Errorf("Send after close: %v", err)
	}
	if srv.Socket(p.sid) != nil || srv.Len() != 0 {
		t.Error("session still registered")
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{Path: "socket.io", Cookie: &CookieOptions{}}.withDefaults()
	if o.Path != "/socket.io/" || o.PingInterval != 25*time.Second || o.PingTimeout != 20*time.Second ||
		o.UpgradeTimeout != 10*time.Second || o.MaxHTTPBufferSize != 1e6 || o.CompressionThreshold != 1024 ||
		o.MaxQueuedMessages != 4096 || o.Cookie.Name != "io" || o.Cookie.Path != "/" || o.Logger == nil ||
		!o.allows(TransportPolling) || !o.allows(TransportWebSocket) || o.QueueFull != QueueFullClose {
		t.Errorf("defaults %+v", o)
	}
	if QueueFullClose.String() != "close" || QueueFullDrop.String() != "drop" || QueueFullPolicy(9).String() != "unknown" {
		t.Error("QueueFullPolicy.String")
	}
}

func TestPingTimeout(t *testing.T) {
	const interval, timeout = 50 * time.Millisecond, 50 * time.Millisecond
	const slack = 2 * time.Second // an upper bound only; the machine may be loaded

	t.Run("polling", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{PingInterval: interval, PingTimeout: timeout})
		rec := newRecorder(srv)
		start := time.Now()
		p, _ := openPoll(t, srv)
		// The ping, never answered (a late timer on a loaded machine may
		// let the poll window end first, with a noop).
		for recs := p.get(); !equal(recs, []string{"2"}); recs = p.get() {
			if !equal(recs, []string{"6"}) {
				t.Fatalf("GET %q", recs)
			}
		}
		c := rec.closed(t)
		elapsed := time.Since(start)
		if c.reason != ReasonPingTimeout {
			t.Errorf("closed with %q", c.reason)
		}
		if elapsed < interval+timeout || elapsed > interval+timeout+slack {
			t.Errorf("closed after %v", elapsed)
		}
		// A poll after that learns the session is gone.
		if resp := p.getCtx(context.Background()); resp.Status != 400 {
			t.Errorf("GET after ping timeout: %d %s", resp.Status, resp.Body)
		}
	})

	t.Run("websocket", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{PingInterval: interval, PingTimeout: timeout})
		rec := newRecorder(srv)
		start := time.Now()
		c, done := serveWS(t, srv, "EIO=4&transport=websocket")
		c.recv(t) // open
		if f := c.recv(t); f.String() != "2" {
			t.Fatalf("frame %v", f)
		}
		ev := rec.closed(t)
		elapsed := time.Since(start)
		if ev.reason != ReasonPingTimeout {
			t.Errorf("closed with %q, %v", ev.reason, ev.err)
		}
		if elapsed < interval+timeout || elapsed > interval+timeout+slack {
			t.Errorf("closed after %v", elapsed)
		}
		waitDone(t, done, "Serve")
		if !c.isClosed() {
			t.Error("connection left open")
		}
	})
}

func TestPongKeepsAlive(t *testing.T) {
	// Short interval, generous timeout: answering takes a moment on a
	// loaded machine.
	opts := Options{PingInterval: 30 * time.Millisecond, PingTimeout: 2 * time.Second}

	t.Run("polling", func(t *testing.T) {
		srv, _ := newTestServer(t, opts)
		rec := newRecorder(srv)
		p, _ := openPoll(t, srv)
		sock := rec.conn(t)
		for range 5 {
			p.getUntil(func(r string) bool { return r == "2" }) // answers the ping
		}
		if srv.Socket(p.sid) != sock {
			t.Fatal("session closed")
		}
	})

	t.Run("websocket", func(t *testing.T) {
		srv, _ := newTestServer(t, opts)
		rec := newRecorder(srv)
		c, _ := serveWS(t, srv, "EIO=4&transport=websocket")
		sock := rec.conn(t)
		c.recv(t) // open
		for range 5 {
			if f := c.recv(t); f.String() != "2" {
				t.Fatalf("frame %v", f)
			}
			c.sendText("3")
		}
		select {
		case ev := <-rec.closes:
			t.Fatalf("closed: %s %v", ev.reason, ev.err)
		default:
		}
		if srv.Socket(sock.ID()) != sock {
			t.Fatal("session closed")
		}
	})
}

func TestHeartbeatAfterPong(t *testing.T) {
	// The next ping comes PingInterval after the pong, and an unanswered one
	// still times out after that.
	const interval, timeout = 40 * time.Millisecond, 40 * time.Millisecond
	srv, _ := newTestServer(t, Options{PingInterval: interval, PingTimeout: timeout})
	rec := newRecorder(srv)
	c, _ := serveWS(t, srv, "EIO=4&transport=websocket")
	c.recv(t)
	if f := c.recv(t); f.String() != "2" {
		t.Fatalf("frame %v", f)
	}
	pong := time.Now()
	c.sendText("3")
	if f := c.recv(t); f.String() != "2" {
		t.Fatalf("frame %v", f)
	}
	if d := time.Since(pong); d < interval {
		t.Errorf("second ping %v after the pong", d)
	}
	// The second ping is not answered.
	if ev := rec.closed(t); ev.reason != ReasonPingTimeout {
		t.Errorf("closed with %s", ev.reason)
	}
}

func TestServerClose(t *testing.T) {
	t.Run("polling", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{})
		rec := newRecorder(srv)
		p, _ := openPoll(t, srv)
		sock := rec.conn(t)
		_ = sock.SendText("a")
		_ = sock.SendText("b")
		sock.Close()
		sock.Close() // idempotent
		if err := sock.SendText("c"); err != ErrClosed {
			t.Errorf("Send while closing: %v", err)
		}
		// The queued messages first; the close packet alone in the next
		// poll, as the reference server sends it.
		if recs := p.get(); !equal(recs, []string{"4a", "4b"}) {
			t.Errorf("GET %q", recs)
		}
		if recs := p.get(); !equal(recs, []string{"1"}) {
			t.Errorf("second GET %q", recs)
		}
		if ev := rec.closed(t); ev.reason != ReasonForcedClose || ev.err != nil {
			t.Errorf("closed with %s %v", ev.reason, ev.err)
		}
		if srv.Len() != 0 {
			t.Error("session still registered")
		}
	})

	t.Run("polling pending GET", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{})
		rec := newRecorder(srv)
		p, _ := openPoll(t, srv)
		sock := rec.conn(t)
		got := make(chan []string)
		go func() { got <- p.get() }()
		waitFor(t, "pending GET", sock.Writable)
		sock.Close()
		if recs := <-got; !equal(recs, []string{"1"}) {
			t.Errorf("GET %q", recs)
		}
		if ev := rec.closed(t); ev.reason != ReasonForcedClose {
			t.Errorf("closed with %s", ev.reason)
		}
	})

	t.Run("websocket", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{})
		rec := newRecorder(srv)
		c, done := serveWS(t, srv, "EIO=4&transport=websocket")
		sock := rec.conn(t)
		c.recv(t)
		_ = sock.SendText("a")
		sock.Close()
		for _, want := range []string{"4a", "1"} {
			if f := c.recv(t); f.String() != want {
				t.Errorf("frame %v, want %s", f, want)
			}
		}
		if f := c.recv(t); f.typ != wsClose || string(f.data) != "\x03\xe8" {
			t.Errorf("close frame %v", f)
		}
		if ev := rec.closed(t); ev.reason != ReasonForcedClose || ev.err != nil {
			t.Errorf("closed with %s %v", ev.reason, ev.err)
		}
		waitDone(t, done, "Serve")
	})
}

// A control packet queued while a graceful close is draining must not go
// after the close packet, nor keep the session from closing.
func TestCloseDrainIgnoresLateControl(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingTimeout: time.Minute})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	sock.Close()
	p.mustPost("3") // a late pong
	if recs := p.get(); !equal(recs, []string{"1"}) {
		t.Errorf("GET %q, want the close packet last", recs)
	}
	if ev := rec.closed(t); ev.reason != ReasonForcedClose {
		t.Errorf("closed with %s", ev.reason)
	}
}

// A client that answers the close frame at once must not change the reason
// of a close the server started.
func TestGracefulCloseReason(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	ticket, resp := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket", nil))
	if resp != nil {
		t.Fatal(resp.Status)
	}
	c := newFakeConn(16)
	c.sink = func(f frame) {
		if f.typ == wsClose {
			// The client's close frame arrives before the writer resumes.
			c.readErr <- wsCloseError{1000}
			select {
			case <-c.closed:
			case <-time.After(time.Second):
			}
			return
		}
		c.out <- frame{f.typ, append([]byte(nil), f.data...)}
	}
	done := make(chan struct{})
	go func() { defer close(done); ticket.Serve(c) }()
	sock := rec.conn(t)
	c.recv(t)
	sock.Close()
	if ev := rec.closed(t); ev.reason != ReasonForcedClose {
		t.Errorf("closed with %s %v", ev.reason, ev.err)
	}
	waitDone(t, done, "Serve")
}

func TestClientClose(t *testing.T) {
	t.Run("polling close packet", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{})
		rec := newRecorder(srv)
		p, _ := openPoll(t, srv)
		p.mustPost("4bye\x1e1\x1e4ignored")
		if m := rec.msg(t); m.data != "bye" {
			t.Errorf("message %q", m.data)
		}
		if ev := rec.closed(t); ev.reason != ReasonTransportClose || ev.err != nil {
			t.Errorf("closed with %s %v", ev.reason, ev.err)
		}
		select {
		case m := <-rec.msgs:
			t.Errorf("message after close: %q", m.data)
		default:
		}
	})
	for name, readErr := range map[string]error{
		"close packet":  nil,
		"close frame":   wsCloseError{1000},
		"dropped conn":  errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"),
		"unexpectedEOF": io.ErrUnexpectedEOF,
		"bad frame":     errors.New("websocket: bad opcode 3"),
		"read limit":    errReadLimit,
	} {
		t.Run("websocket "+name, func(t *testing.T) {
			srv, _ := newTestServer(t, Options{})
			rec := newRecorder(srv)
			c, done := serveWS(t, srv, "EIO=4&transport=websocket")
			c.recv(t)
			want := ReasonTransportClose
			if readErr == nil {
				c.sendText("1")
			} else {
				c.readErr <- readErr
				if strings.HasPrefix(readErr.Error(), "websocket: ") && !strings.Contains(readErr.Error(), "close 1000") {
					want = ReasonTransportError // a protocol error
				}
			}
			if ev := rec.closed(t); ev.reason != want {
				t.Errorf("closed with %s %v, want %s", ev.reason, ev.err, want)
			}
			waitDone(t, done, "Serve")
		})
	}
}

func TestQueueFull(t *testing.T) {
	t.Run("close", func(t *testing.T) {
		srv, logs := newTestServer(t, Options{MaxQueuedMessages: 4})
		rec := newRecorder(srv)
		openPoll(t, srv) // and never poll again
		sock := rec.conn(t)
		for i := range 4 {
			if err := sock.SendText("m"); err != nil {
				t.Fatalf("Send %d: %v", i, err)
			}
		}
		if err := sock.SendText("one too many"); err != ErrQueueFull {
			t.Errorf("Send: %v", err)
		}
		if ev := rec.closed(t); ev.reason != ReasonTransportError || ev.err != ErrQueueFull {
			t.Errorf("closed with %s %v", ev.reason, ev.err)
		}
		if err := sock.SendText("m"); err != ErrClosed {
			t.Errorf("Send after close: %v", err)
		}
		if !strings.Contains(logs.String(), "outbound queue full, closing slow client") {
			t.Errorf("log %s", logs)
		}
	})

	t.Run("drop", func(t *testing.T) {
		srv, logs := newTestServer(t, Options{MaxQueuedMessages: 4, QueueFull: QueueFullDrop})
		rec := newRecorder(srv)
		p, _ := openPoll(t, srv)
		sock := rec.conn(t)
		for i := range 4 {
			_ = sock.SendText(string(rune('a' + i)))
		}
		if err := sock.SendText("dropped"); err != ErrQueueFull {
			t.Errorf("Send: %v", err)
		}
		if err := sock.Send(TextMessage(nil), TextMessage(nil)); err != ErrQueueFull {
			t.Errorf("Send of two: %v", err)
		}
		if recs := p.get(); !equal(recs, []string{"4a", "4b", "4c", "4d"}) {
			t.Errorf("GET %q", recs)
		}
		if err := sock.SendText("e"); err != nil {
			t.Errorf("Send after the queue drained: %v", err)
		}
		if srv.Socket(p.sid) == nil {
			t.Error("session closed")
		}
		const line = "outbound queue full, dropping messages until it drains"
		if n := strings.Count(logs.String(), line); n != 1 {
			t.Errorf("%d log lines for one streak of drops:\n%s", n, logs)
		}
		// A new streak after the queue drained is logged again.
		for range 4 {
			_ = sock.SendText("f")
		}
		if err := sock.SendText("dropped"); err != ErrQueueFull {
			t.Errorf("Send: %v", err)
		}
		if n := strings.Count(logs.String(), line); n != 2 {
			t.Errorf("%d log lines for two streaks", n)
		}
	})

	t.Run("websocket client that does not read", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{MaxQueuedMessages: 4})
		rec := newRecorder(srv)
		c := newFakeConn(0) // the client reads nothing
		done := serveWSConn(t, srv, "EIO=4&transport=websocket", c)
		sock := rec.conn(t)
		var err error
		for i := 0; i < 100 && err == nil; i++ {
			err = sock.SendText("m")
		}
		if err != ErrQueueFull {
			t.Fatalf("Send: %v", err)
		}
		if ev := rec.closed(t); ev.reason != ReasonTransportError || ev.err != ErrQueueFull {
			t.Errorf("closed with %s %v", ev.reason, ev.err)
		}
		waitDone(t, done, "Serve")
	})
}

// Send may be called with the caller's locks held; when it closes a slow
// client, the OnClose callback must not run on the caller's goroutine.
func TestSendDoesNotCallOnClose(t *testing.T) {
	srv, _ := newTestServer(t, Options{MaxQueuedMessages: 1})
	var mu sync.Mutex
	closed := make(chan CloseReason, 1)
	conns := make(chan *Socket, 1)
	srv.OnConnection(func(s *Socket) {
		s.OnClose(func(reason CloseReason, err error) {
			mu.Lock()
			defer mu.Unlock()
			closed <- reason
		})
		conns <- s
	})
	openPoll(t, srv)
	sock := <-conns
	sent := make(chan error, 1)
	go func() {
		mu.Lock()
		defer mu.Unlock()
		_ = sock.SendText("fits")
		sent <- sock.SendText("does not")
	}()
	select {
	case err := <-sent:
		if err != ErrQueueFull {
			t.Errorf("Send: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Send deadlocked in OnClose")
	}
	if r := <-closed; r != ReasonTransportError {
		t.Errorf("closed with %s", r)
	}
}

func TestPanicsRecovered(t *testing.T) {
	srv, logs := newTestServer(t, Options{})
	var mu sync.Mutex
	var got []string
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(data []byte, binary bool) {
			if string(data) == "panic" {
				panic("boom in OnMessage")
			}
			mu.Lock()
			got = append(got, string(data))
			mu.Unlock()
		})
		s.OnClose(func(CloseReason, error) { panic("boom in OnClose") })
		if s.Request().Query.Get("panic") != "" {
			panic("boom in OnConnection")
		}
	})
	p, _ := openPoll(t, srv)
	p.mustPost("4a\x1e4panic\x1e4b")
	mu.Lock()
	if !equal(got, []string{"a", "b"}) {
		t.Errorf("messages %q", got)
	}
	mu.Unlock()
	p.mustPost("1")
	resp := srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling&panic=1", nil))
	if resp.Status != 200 {
		t.Errorf("handshake with a panicking OnConnection: %d %s", resp.Status, resp.Body)
	}
	for _, s := range []string{"boom in OnMessage", "boom in OnClose", "boom in OnConnection", "callback=OnMessage", "callback=OnClose", "callback=OnConnection", "stack="} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("log does not say %q", s)
		}
	}
}

func TestWritable(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	if sock.Writable() {
		t.Error("writable without a pending GET")
	}
	got := make(chan []string)
	go func() { got <- p.get() }()
	waitFor(t, "pending GET", sock.Writable)
	_ = sock.SendText("x")
	<-got
	_ = sock.SendText("y")
	if sock.Writable() {
		t.Error("writable with a message queued and no GET")
	}
	p.get()

	c := newFakeConn(0)
	serveWSConn(t, srv, "EIO=4&transport=websocket", c)
	ws := rec.conn(t)
	c.recv(t)
	waitFor(t, "websocket writable", ws.Writable)
	// A writer blocked on a client that does not read is not writable.
	_ = ws.SendText("stuck")
	waitFor(t, "writer busy", func() bool { return !ws.Writable() })
	ws.closeNow(ReasonForcedClose, nil)
	if ws.Writable() {
		t.Error("writable after close")
	}
}

func TestShutdown(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingTimeout: 300 * time.Millisecond})
	rec := newRecorder(srv)
	idle, _ := openPoll(t, srv) // never collects its close packet
	pending, _ := openPoll(t, srv)
	rec.conn(t)
	rec.conn(t)
	got := make(chan []string)
	go func() { got <- pending.get() }()
	waitFor(t, "pending GET", srv.Socket(pending.sid).Writable)
	c, done := serveWS(t, srv, "EIO=4&transport=websocket")
	rec.conn(t)
	c.recv(t)

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if srv.Len() != 0 {
		t.Errorf("%d sessions after Shutdown", srv.Len())
	}
	for range 3 {
		if ev := rec.closed(t); ev.reason != ReasonServerShutdown {
			t.Errorf("closed with %s", ev.reason)
		}
	}
	if recs := <-got; !equal(recs, []string{"1"}) {
		t.Errorf("pending GET %q", recs)
	}
	if f := c.recv(t); f.String() != "1" {
		t.Errorf("websocket frame %v", f)
	}
	waitDone(t, done, "Serve")
	_ = idle

	// New sessions are refused on both transports.
	resp := srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling", nil))
	if resp.Status != 400 {
		t.Errorf("handshake after Shutdown: %d %s", resp.Status, resp.Body)
	}
	if _, resp := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket", nil)); resp == nil {
		t.Error("websocket after Shutdown accepted")
	}
}

func TestShutdownContextDone(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingTimeout: time.Hour})
	rec := newRecorder(srv)
	openPoll(t, srv) // never collects its close packet
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Errorf("Shutdown: %v", err)
	}
	if srv.Len() != 0 {
		t.Errorf("%d sessions", srv.Len())
	}
	if ev := rec.closed(t); ev.reason != ReasonServerShutdown {
		t.Errorf("closed with %s", ev.reason)
	}
}

// Shutdown racing handshakes: every session opened is closed, once, and the
// race detector sees no unsynchronised callback fields.
func TestShutdownRacesHandshakes(t *testing.T) {
	for range 20 {
		srv := New(Options{PingTimeout: time.Hour})
		var mu sync.Mutex
		opened, closed := 0, 0
		srv.OnConnection(func(s *Socket) {
			mu.Lock()
			opened++
			mu.Unlock()
			s.OnMessage(func([]byte, bool) {})
			s.OnClose(func(CloseReason, error) {
				mu.Lock()
				closed++
				mu.Unlock()
			})
		})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling", nil))
			})
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = srv.Shutdown(ctx)
		wg.Wait()
		if srv.Len() != 0 {
			t.Fatalf("%d sessions after Shutdown", srv.Len())
		}
		mu.Lock()
		if closed > opened {
			t.Fatalf("opened %d, closed %d", opened, closed)
		}
		mu.Unlock()
	}
}
