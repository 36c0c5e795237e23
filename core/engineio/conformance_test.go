package engineio

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Behaviours of the reference server (engine.io 6.6) that clients rely on.

// A close packet POSTed while a GET is pending: the GET is answered with a
// noop, as the reference server's polling transport answers it; a close
// decided by the server still sends the close packet.
func TestClientCloseAnswersPendingPollWithNoop(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	pending := make(chan []string)
	go func() { pending <- p.get() }()
	waitFor(t, "pending GET", sock.Writable)
	p.mustPost("1")
	if recs := <-pending; !equal(recs, []string{"6"}) {
		t.Errorf("pending GET %q, want a noop", recs)
	}
	if ev := rec.closed(t); ev.reason != ReasonTransportClose {
		t.Errorf("closed with %s", ev.reason)
	}

	// The server's own close.
	p, _ = openPoll(t, srv)
	sock = rec.conn(t)
	go func() { pending <- p.get() }()
	waitFor(t, "pending GET", sock.Writable)
	sock.Abort(ReasonForcedClose, nil)
	if recs := <-pending; !equal(recs, []string{"1"}) {
		t.Errorf("pending GET %q, want a close packet", recs)
	}
}

// A websocket for a session that is already on websocket is accepted
// (the adapter completes the handshake) and closed with a close frame, as
// the specification requires; the session is not affected.
func TestExtraWebSocketClosed(t *testing.T) {
	for _, mode := range []string{"websocket-only", "upgraded"} {
		t.Run(mode, func(t *testing.T) {
			srv, _ := newTestServer(t, Options{})
			rec := newRecorder(srv)
			rec.echo = true
			var c *fakeConn
			var sid string
			if mode == "upgraded" {
				_, _, p, _, uc, _, _ := upgradeSetupOn(t, srv, rec)
				uc.sendText("2probe")
				uc.recv(t)
				uc.sendText("5")
				c, sid = uc, p.sid
			} else {
				c, _ = serveWS(t, srv, "EIO=4&transport=websocket")
				sid = rec.conn(t).ID()
				c.recv(t)
			}
			waitFor(t, "websocket", func() bool { return srv.Socket(sid).Transport() == TransportWebSocket })
			ticket, resp := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket&sid="+sid, nil))
			if resp != nil {
				t.Fatalf("extra websocket refused before its handshake: %d %s", resp.Status, resp.Body)
			}
			extra := newFakeConn(4)
			ticket.Serve(extra)
			if f := extra.recv(t); f.typ != wsClose {
				t.Errorf("extra websocket got %v, want a close frame", f)
			}
			if !extra.isClosed() {
				t.Error("extra websocket left open")
			}
			c.sendText("4still")
			if f := c.recvText(t); f != "4still" {
				t.Errorf("session's websocket: %q", f)
			}
		})
	}
}

// upgradeSetupOn is upgradeSetup on a given server.
func upgradeSetupOn(t *testing.T, srv *Server, rec *recorder) (*Server, *recorder, *poll, *Socket, *fakeConn, <-chan struct{}, *logBuf) {
	t.Helper()
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	ticket, resp := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket&sid="+p.sid, nil))
	if resp != nil {
		t.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
	}
	c := newFakeConn(64)
	return srv, rec, p, sock, c, serveTicket(ticket, c), nil
}

// Any packet received while the server waits for a pong moves the pong
// deadline once per ping, as the reference server does.
func TestHeartbeatExtendedByPackets(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingInterval: 20 * time.Millisecond, PingTimeout: time.Hour})
	rec := newRecorder(srv)
	c, _ := serveWS(t, srv, "EIO=4&transport=websocket")
	sock := rec.conn(t)
	c.recv(t) // open
	if f := c.recv(t); f.String() != "2" {
		t.Fatalf("frame %v, want a ping", f)
	}
	deadline := func() time.Time {
		sock.mu.Lock()
		defer sock.mu.Unlock()
		return sock.timerAt
	}
	first := deadline()
	c.sendText("4busy")
	rec.msg(t)
	second := deadline()
	if !second.After(first) {
		t.Fatalf("a message while waiting for the pong left the deadline at %v", first)
	}
	c.sendText("4busier")
	rec.msg(t)
	if d := deadline(); !d.Equal(second) {
		t.Errorf("a second message moved the deadline again (%v → %v)", second, d)
	}
	// The pong ends the wait; the next ping may be extended again.
	c.sendText("3")
	if f := c.recv(t); f.String() != "2" {
		t.Fatalf("frame %v, want the next ping", f)
	}
	next := deadline()
	c.sendText("4again")
	rec.msg(t)
	if d := deadline(); !d.After(next) {
		t.Errorf("the next ping's deadline was not extended")
	}
}

// A pong is still required: extended once, the wait ends with "ping
// timeout".
func TestHeartbeatExtendedOnlyOnce(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingInterval: 20 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	rec := newRecorder(srv)
	c, _ := serveWS(t, srv, "EIO=4&transport=websocket")
	c.recv(t)
	if f := c.recv(t); f.String() != "2" {
		t.Fatalf("frame %v", f)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a client that talks but never answers the ping
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				select {
				case c.in <- frame{wsText, []byte("4chatter")}:
				case <-stop:
					return
				}
			}
		}
	}()
	if ev := rec.closed(t); ev.reason != ReasonPingTimeout {
		t.Errorf("closed with %s %v", ev.reason, ev.err)
	}
}

// A client ping over polling is a protocol error too ("transport error",
// the reference server's "invalid heartbeat direction"); no pong is sent.
func TestClientPingPolling(t *testing.T) {
	srv, logs := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	resp := p.post("2hey")
	if resp.Status != 400 {
		t.Errorf("POST: %d %s", resp.Status, resp.Body)
	}
	if ev := rec.closed(t); ev.reason != ReasonTransportError || !errors.Is(ev.err, ErrHeartbeatDirection) {
		t.Errorf("closed with %s %v", ev.reason, ev.err)
	}
	if !strings.Contains(logs.String(), "invalid heartbeat direction") {
		t.Errorf("log %s", logs)
	}
}

// A client with forceBase64 sends binary as "b" + base64 text frames; a
// session opened with b64=1 gets binary the same way.
func TestWebSocketBase64(t *testing.T) {
	for _, query := range []string{"EIO=4&transport=websocket", "EIO=4&transport=websocket&b64=1"} {
		srv, _ := newTestServer(t, Options{})
		rec := newRecorder(srv)
		rec.echo = true
		c, _ := serveWS(t, srv, query)
		c.recv(t)
		c.sendText("bAQID")
		if m := rec.msg(t); m.data != "\x01\x02\x03" || !m.binary {
			t.Errorf("%s: message %+v", query, m)
		}
		f := c.recv(t)
		if strings.HasSuffix(query, "b64=1") {
			if f.typ != wsText || string(f.data) != "bAQID" {
				t.Errorf("%s: echo %v, want the text frame bAQID", query, f)
			}
		} else if f.typ != wsBinary || string(f.data) != "\x01\x02\x03" {
			t.Errorf("%s: echo %v, want a binary frame", query, f)
		}
	}
}

// The same after an upgrade: the websocket's b64 decides.
func TestUpgradeBase64(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	ticket, resp := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket&b64=1&sid="+p.sid, nil))
	if resp != nil {
		t.Fatal(resp.Status)
	}
	c := newFakeConn(8)
	serveTicket(ticket, c)
	c.sendText("2probe")
	c.recv(t)
	c.sendText("5")
	waitFor(t, "upgrade", func() bool { return sock.Transport() == TransportWebSocket })
	_ = sock.SendBinary([]byte{0xff})
	if f := c.recv(t); f.typ != wsText || string(f.data) != "b/w==" {
		t.Errorf("frame %v", f)
	}
}

// Options.InitialHeaders and Options.Headers add the application's headers
// to the handshake and to every successful answer, the websocket 101s
// included; error answers get none.
func TestApplicationHeaders(t *testing.T) {
	var initialSeen, seen []string
	srv, _ := newTestServer(t, Options{
		Cookie: &CookieOptions{},
		InitialHeaders: func(h http.Header, r *Request) {
			initialSeen = append(initialSeen, r.Query.Get("transport"))
			h.Set("X-Initial", "1")
		},
		Headers: func(h http.Header, r *Request) {
			seen = append(seen, r.Method)
			h.Set("X-Every", "1")
		},
	})
	resp := srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling", nil))
	if resp.Header.Get("X-Initial") != "1" || resp.Header.Get("X-Every") != "1" || !strings.HasPrefix(resp.Header.Get("Set-Cookie"), "io=") {
		t.Errorf("handshake headers %v", resp.Header)
	}
	p := &poll{t: t, srv: srv, sid: sidOf(t, resp.Body)}
	resp = p.post("6")
	if resp.Header.Get("X-Every") != "1" || resp.Header.Get("X-Initial") != "" {
		t.Errorf("POST headers %v", resp.Header)
	}
	_ = srv.Socket(p.sid).SendText("x")
	resp = p.getCtx(context.Background())
	if resp.Header.Get("X-Every") != "1" || resp.Header.Get("X-Initial") != "" {
		t.Errorf("GET headers %v", resp.Header)
	}
	resp = srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling&sid=nope", nil))
	if resp.Status != 400 || resp.Header.Get("X-Every") != "" {
		t.Errorf("error answer %d %v", resp.Status, resp.Header)
	}

	// The 101s.
	ticket, _ := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket", nil))
	if h := ticket.Header(); h.Get("X-Initial") != "1" || h.Get("X-Every") != "1" || !strings.HasPrefix(h.Get("Set-Cookie"), "io=") {
		t.Errorf("websocket-only 101 headers %v", h)
	}
	ticket, _ = srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket&sid="+p.sid, nil))
	if h := ticket.Header(); h.Get("X-Initial") != "" || h.Get("X-Every") != "1" || h.Get("Set-Cookie") != "" {
		t.Errorf("upgrade 101 headers %v", h)
	}
	if want := []string{"polling", "websocket"}; !equal(initialSeen, want) {
		t.Errorf("InitialHeaders saw %q, want %q", initialSeen, want)
	}
	if want := []string{"GET", "POST", "GET", "GET", "GET"}; !equal(seen, want) {
		t.Errorf("Headers saw %q, want %q", seen, want)
	}
}

// A panic in a header callback is logged; the answer goes out.
func TestApplicationHeadersPanic(t *testing.T) {
	srv, logs := newTestServer(t, Options{Headers: func(http.Header, *Request) { panic("boom") }})
	resp := srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling", nil))
	if resp.Status != 200 || !strings.Contains(logs.String(), "panic in callback") {
		t.Errorf("%d %s", resp.Status, logs)
	}
}

// A refused origin is answered 400 "Not an accepted origin." on both
// transports, and warned about once per origin per minute.
func TestOriginRefusalWarning(t *testing.T) {
	srv, logs := newTestServer(t, Options{CORS: CORSOptions{AllowedOrigins: []string{"https://app.example"}}})
	for range 3 {
		for _, origin := range []string{"https://evil.example", "https://other.example"} {
			req := testRequest("GET", "EIO=4&transport=polling", nil)
			req.Header.Set("Origin", origin)
			resp := srv.ServePoll(context.Background(), req)
			if resp.Status != 400 || string(resp.Body) != `{"code":3,"message":"Not an accepted origin."}` {
				t.Errorf("polling: %d %s", resp.Status, resp.Body)
			}
			req = testRequest("GET", "EIO=4&transport=websocket", nil)
			req.Header.Set("Origin", origin)
			if _, resp := srv.PrepareWebSocket(req); resp == nil || resp.Status != 400 || string(resp.Body) != `{"code":3,"message":"Not an accepted origin."}` {
				t.Errorf("websocket: %+v", resp)
			}
		}
	}
	out := logs.String()
	for _, origin := range []string{"https://evil.example", "https://other.example"} {
		if n := strings.Count(out, `level=WARN msg="engineio: origin refused; list it in the allowed origins (CORS.AllowedOrigins) to accept it" origin=`+origin); n != 1 {
			t.Errorf("%d warnings for %s: %s", n, origin, out)
		}
	}
	if n := strings.Count(out, "level=INFO"); n != 0 {
		t.Errorf("%d info lines besides the warnings: %s", n, out)
	}
}

func TestOriginWarningsBounded(t *testing.T) {
	var w originWarnings
	now := time.Now()
	for i := range maxOriginWarnings + 10 {
		w.due(strings.Repeat("x", 300)+string(rune('a'+i%26))+strings.Repeat("y", i), now)
	}
	if len(w.last) > maxOriginWarnings {
		t.Errorf("%d origins remembered", len(w.last))
	}
	if !w.due("late", now.Add(originWarnEvery)) {
		t.Error("no warning once the epoch ended")
	}
	if w.due("late", now.Add(originWarnEvery+time.Second)) {
		t.Error("a second warning within the interval")
	}
}

// SendMessage and NewMessage take the pair OnMessage gives.
func TestSendMessagePair(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(data []byte, binary bool) { _ = s.SendMessage(data, binary) })
	})
	c, _ := serveWS(t, srv, "EIO=4&transport=websocket")
	c.recv(t)
	c.sendText("4text")
	c.send(wsBinary, "\x00bin")
	if f := c.recv(t); f.typ != wsText || string(f.data) != "4text" {
		t.Errorf("text echo %v", f)
	}
	if f := c.recv(t); f.typ != wsBinary || string(f.data) != "\x00bin" {
		t.Errorf("binary echo %v", f)
	}
	if m := NewMessage([]byte("x"), true); !m.Binary() || string(m.Data()) != "x" {
		t.Errorf("NewMessage binary: %v %q", m.Binary(), m.Data())
	}
	if m := NewMessage([]byte("x"), false); m.Binary() || string(m.Data()) != "x" {
		t.Errorf("NewMessage text: %v %q", m.Binary(), m.Data())
	}
}

// blockingCloseConn is a fakeConn whose Close blocks until released, as a
// slow adapter's might.
type blockingCloseConn struct {
	*fakeConn
	entered chan struct{}
	release chan struct{}
	first   atomic.Bool
}

// SetReadDeadline ends a blocked read when t has passed, as a real
// connection's does.
func (c *blockingCloseConn) SetReadDeadline(t time.Time) error {
	if !t.After(time.Now()) {
		select {
		case c.readErr <- &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}:
		default:
		}
	}
	return c.fakeConn.SetReadDeadline(t)
}

// Close blocks the first caller only.
func (c *blockingCloseConn) Close() error {
	if c.first.CompareAndSwap(false, true) {
		close(c.entered)
		<-c.release
	}
	return c.fakeConn.Close()
}

// Serve does not return while another goroutine closing the session still
// uses the connection: an adapter may recycle it once Serve has returned.
func TestServeWaitsForTheClosingGoroutine(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	ticket, _ := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket", nil))
	c := &blockingCloseConn{fakeConn: newFakeConn(8), entered: make(chan struct{}), release: make(chan struct{})}
	done := serveTicket(ticket, c)
	sock := rec.conn(t)
	c.recv(t)
	go sock.Abort(ReasonForcedClose, nil) // its read deadline ends the reader
	<-c.entered
	select {
	case <-done:
		t.Error("Serve returned while the connection was being closed")
	case <-time.After(50 * time.Millisecond):
	}
	close(c.release)
	waitDone(t, done, "Serve")
}
