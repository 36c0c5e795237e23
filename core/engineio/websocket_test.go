package engineio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWebSocketOnly(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	rec.echo = true
	c, done := serveWS(t, srv, "EIO=4&transport=websocket")
	sock := rec.conn(t)
	if sock.Transport() != TransportWebSocket {
		t.Errorf("transport %s", sock.Transport())
	}
	open := c.recv(t)
	if open.typ != wsText || !strings.HasPrefix(string(open.data), `0{"sid":"`+sock.ID()+`","upgrades":[]`) {
		t.Errorf("open %v", open)
	}
	c.sendText("4hello")
	c.send(wsBinary, "\x00\x01\xff")
	c.sendText("4")
	c.sendText("6")
	for _, want := range []msgEvent{{sock, "hello", false}, {sock, "\x00\x01\xff", true}, {sock, "", false}} {
		if got := rec.msg(t); got != want {
			t.Errorf("message %+v, want %+v", got, want)
		}
	}
	for _, want := range []frame{{wsText, []byte("4hello")}, {wsBinary, []byte("\x00\x01\xff")}, {wsText, []byte("4")}} {
		if got := c.recv(t); got.typ != want.typ || string(got.data) != string(want.data) {
			t.Errorf("frame %v, want %v", got, want)
		}
	}
	// Other frame types are ignored.
	c.send(9, "")
	c.sendText("1")
	if ev := rec.closed(t); ev.reason != ReasonTransportClose {
		t.Errorf("closed with %s", ev.reason)
	}
	waitDone(t, done, "Serve")
	if !c.isClosed() {
		t.Error("connection left open")
	}
}

// A protocol error ends with a close frame whose status code says what was
// wrong, then the TCP close, and one log line with a readable reason.
func TestWebSocketBadFrames(t *testing.T) {
	tests := []struct {
		frame  string
		code   int
		reason CloseReason
		err    string
	}{
		{"", closeProtocolError, ReasonParseError, "engineio: invalid packet: empty"},
		{"9", closeProtocolError, ReasonParseError, "engineio: invalid packet: unknown type '9'"},
		{"0", closeProtocolError, ReasonParseError, "engineio: invalid packet: unexpected packet type '0'"},
		{"5", closeProtocolError, ReasonParseError, "engineio: invalid packet: unexpected packet type '5'"},
		{"b@@@", closeInvalidPayload, ReasonParseError, "engineio: invalid packet: bad base64: illegal base64 data at input byte 0"},
		{"4\xff\xfe", closeInvalidPayload, ReasonParseError, "engineio: invalid packet: text frame is not valid UTF-8"},
		{"2", closeProtocolError, ReasonTransportError, ErrHeartbeatDirection.Error()},
	}
	for _, tt := range tests {
		srv, logs := newTestServer(t, Options{})
		rec := newRecorder(srv)
		c, done := serveWS(t, srv, "EIO=4&transport=websocket")
		c.recv(t) // open
		c.sendText(tt.frame)
		ev := rec.closed(t)
		if ev.reason != tt.reason || ev.err == nil || ev.err.Error() != tt.err {
			t.Errorf("frame %q: closed with %s %v", tt.frame, ev.reason, ev.err)
		}
		if tt.reason == ReasonParseError && !errors.Is(ev.err, ErrInvalidPacket) {
			t.Errorf("frame %q: %v is not ErrInvalidPacket", tt.frame, ev.err)
		}
		if f := c.recv(t); f.closeCode() != tt.code {
			t.Errorf("frame %q: answered %v, want close %d", tt.frame, f, tt.code)
		}
		waitDone(t, done, "Serve")
		if !c.isClosed() {
			t.Errorf("frame %q: connection left open", tt.frame)
		}
		// One info line, with the reason once.
		want := fmt.Sprintf("reason=%q err=%q", tt.reason, tt.err)
		if n := strings.Count(logs.String(), "level=INFO"); n != 1 || strings.Count(logs.String(), want) != 1 {
			t.Errorf("frame %q: %d info lines, want one with %s: %s", tt.frame, n, want, logs)
		}
	}
}

func TestWebSocketReadLimit(t *testing.T) {
	srv, _ := newTestServer(t, Options{MaxHTTPBufferSize: 10})
	rec := newRecorder(srv)
	c, done := serveWS(t, srv, "EIO=4&transport=websocket")
	c.sendText("4123456789") // 10 bytes: fits
	if m := rec.msg(t); m.data != "123456789" {
		t.Errorf("message %q", m.data)
	}
	c.sendText("41234567890")
	if ev := rec.closed(t); ev.reason != ReasonTransportError {
		t.Errorf("closed with %s %v", ev.reason, ev.err)
	}
	waitDone(t, done, "Serve")
}

type failingConn struct{ *fakeConn }

func (failingConn) WriteMessage(int, []byte) error { return errors.New("broken pipe") }

func TestWebSocketWriteError(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	ticket, _ := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket", nil))
	c := failingConn{newFakeConn(1)}
	done := serveTicket(ticket, c)
	if ev := rec.closed(t); ev.reason != ReasonTransportError || ev.err == nil {
		t.Errorf("closed with %s %v", ev.reason, ev.err)
	}
	waitDone(t, done, "Serve")
}

func TestReadErrorReason(t *testing.T) {
	timeout := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	tests := []struct {
		err  error
		want CloseReason
	}{
		{nil, ReasonTransportClose},
		{io.EOF, ReasonTransportClose},
		{io.ErrUnexpectedEOF, ReasonTransportClose},
		{fmt.Errorf("read: %w", net.ErrClosed), ReasonTransportClose},
		{wsCloseError{1000}, ReasonTransportClose},
		{wsCloseError{1006}, ReasonTransportClose},
		{errors.New("read tcp: connection reset by peer"), ReasonTransportClose},
		{timeout, ReasonPingTimeout},
		{errReadLimit, ReasonTransportError},
		{errors.New("websocket: bad opcode 3"), ReasonTransportError},
	}
	for _, tt := range tests {
		if got := readErrorReason(tt.err); got != tt.want {
			t.Errorf("readErrorReason(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

func TestServeAfterShutdown(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	ticket, resp := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket", nil))
	if resp != nil {
		t.Fatal(resp.Status)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := newFakeConn(4)
	ticket.Serve(c)
	if f := c.recv(t); f.typ != wsClose {
		t.Errorf("frame %v", f)
	}
	if !c.isClosed() || srv.Len() != 0 {
		t.Error("session opened after Shutdown")
	}
}

// upgradeSetup opens a polling session and starts serving an upgrade
// ticket for it on a fake conn.
func upgradeSetup(t *testing.T, opts Options) (*Server, *recorder, *poll, *Socket, *fakeConn, <-chan struct{}, *logBuf) {
	t.Helper()
	srv, logs := newTestServer(t, opts)
	rec := newRecorder(srv)
	p, recs := openPoll(t, srv)
	if !strings.Contains(recs[0], `"upgrades":["websocket"]`) {
		t.Fatalf("open %s", recs[0])
	}
	sock := rec.conn(t)
	ticket, resp := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket&sid="+p.sid, nil))
	if resp != nil {
		t.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
	}
	c := newFakeConn(64)
	return srv, rec, p, sock, c, serveTicket(ticket, c), logs
}

func TestUpgrade(t *testing.T) {
	srv, rec, p, sock, c, done, _ := upgradeSetup(t, Options{})
	got := make(chan []string)
	go func() { got <- p.get() }()
	waitFor(t, "pending GET", sock.Writable)

	c.sendText("2probe")
	if f := c.recv(t); f.String() != "3probe" {
		t.Fatalf("probe answer %v", f)
	}
	// The pending GET is released with a noop.
	if recs := <-got; !equal(recs, []string{"6"}) {
		t.Errorf("pending GET %q", recs)
	}
	if sock.Transport() != TransportPolling {
		t.Error("upgraded before the upgrade packet")
	}
	// Messages sent now wait for the websocket (the client has paused
	// polling), and a POST still works.
	_ = sock.SendText("queued 1")
	_ = sock.SendBinary([]byte{1, 2})
	p.mustPost("4over polling")
	if m := rec.msg(t); m.data != "over polling" {
		t.Errorf("message %q", m.data)
	}
	c.sendText("5")
	for _, want := range []string{"4queued 1", "binary 0102"} {
		if f := c.recv(t); f.String() != want {
			t.Errorf("frame %v, want %s", f, want)
		}
	}
	if sock.Transport() != TransportWebSocket {
		t.Errorf("transport %s", sock.Transport())
	}
	_ = sock.SendText("after")
	if f := c.recv(t); f.String() != "4after" {
		t.Errorf("frame %v", f)
	}
	c.sendText("4over websocket")
	if m := rec.msg(t); m.data != "over websocket" {
		t.Errorf("message %q", m.data)
	}
	// Late polling requests are refused without closing the session.
	if resp := p.getCtx(context.Background()); resp.Status != 400 {
		t.Errorf("late GET: %d %s", resp.Status, resp.Body)
	}
	if resp := p.post("4late"); resp.Status != 400 {
		t.Errorf("late POST: %d %s", resp.Status, resp.Body)
	}
	if srv.Socket(p.sid) != sock {
		t.Fatal("session closed")
	}
	sock.Close()
	if f := c.recv(t); f.String() != "1" {
		t.Errorf("frame %v", f)
	}
	waitDone(t, done, "Serve")
	if ev := rec.closed(t); ev.reason != ReasonForcedClose {
		t.Errorf("closed with %s", ev.reason)
	}
}

// A GET that is pending while an upgrade waits for the upgrade packet is
// held until the upgrade resolves: once the upgrade completes, it is
// refused, as every later polling request is; the messages sent afterwards
// go to the websocket.
func TestUpgradeRefusesPendingPoll(t *testing.T) {
	srv, _, p, sock, c, _, _ := upgradeSetup(t, Options{})
	srv.upgradeCheck = time.Hour // no check releases the GET
	c.sendText("2probe")
	c.recv(t)
	got := make(chan *Response)
	go func() { got <- p.getCtx(context.Background()) }()
	waitFor(t, "pending GET", sock.Writable)
	c.sendText("5")
	select {
	case resp := <-got:
		if resp.Status != 400 || string(resp.Body) != `{"code":3,"message":"Bad request"}` {
			t.Errorf("pending GET: %d %s", resp.Status, resp.Body)
		}
	case <-time.After(wait):
		t.Fatal("pending GET not released by the upgrade")
	}
	for i := range 20 {
		_ = sock.SendText(fmt.Sprint(i))
		if f := c.recv(t); f.String() != fmt.Sprint("4", i) {
			t.Fatalf("frame %v", f)
		}
	}
}

// An upgrade that is abandoned while a GET is held leaves the GET as any
// long-poll: it is answered with the next message.
func TestUpgradeAbandonedWithPendingPoll(t *testing.T) {
	srv, _, p, sock, c, done, _ := upgradeSetup(t, Options{})
	srv.upgradeCheck = time.Hour
	c.sendText("2probe")
	c.recv(t)
	got := make(chan []string)
	go func() { got <- p.get() }()
	waitFor(t, "pending GET", sock.Writable)
	c.readErr <- io.ErrUnexpectedEOF // the probe connection drops
	waitDone(t, done, "Serve of the failed probe")
	select {
	case recs := <-got:
		t.Fatalf("GET answered %q by the failed upgrade", recs)
	default:
	}
	_ = sock.SendText("after")
	if recs := <-got; !equal(recs, []string{"4after"}) {
		t.Errorf("GET %q", recs)
	}
}

// While an upgrade waits for the upgrade packet, no noop is queued: a GET
// that finds data gets only the data, and the websocket gets no noop.
func TestUpgradeNoopNotQueued(t *testing.T) {
	srv, rec, p, sock, c, _, _ := upgradeSetup(t, Options{})
	srv.upgradeCheck = time.Hour
	rec.echo = true
	c.sendText("2probe")
	c.recv(t)
	p.mustPost("4hello")
	rec.msg(t)
	if recs := p.get(); !equal(recs, []string{"4hello"}) {
		t.Errorf("GET %q, want the echo without a noop", recs)
	}
	c.sendText("5")
	waitFor(t, "upgrade", func() bool { return sock.Transport() == TransportWebSocket })
	_ = sock.SendText("on ws")
	if f := c.recv(t); f.String() != "4on ws" {
		t.Errorf("frame %v, want no noop on the websocket", f)
	}
}

// A GET pending while the upgrade waits for the upgrade packet is released
// with a noop by the next check (the reference server checks every
// 100 ms), so the client can pause polling and send the upgrade packet.
func TestUpgradeCheckReleasesPoll(t *testing.T) {
	_, _, p, sock, c, _, _ := upgradeSetup(t, Options{})
	c.sendText("2probe")
	c.recv(t)
	for range 2 { // every check, while the client keeps polling
		if recs := p.get(); !equal(recs, []string{"6"}) {
			t.Errorf("GET %q", recs)
		}
	}
	c.sendText("5")
	waitFor(t, "upgrade", func() bool { return sock.Transport() == TransportWebSocket })
}

func TestUpgradeAbandoned(t *testing.T) {
	srv, rec, p, sock, c, done, logs := upgradeSetup(t, Options{UpgradeTimeout: 100 * time.Millisecond})
	rec.echo = true
	c.sendText("2probe")
	if f := c.recv(t); f.String() != "3probe" {
		t.Fatalf("probe answer %v", f)
	}
	// … and then nothing: the probe is dropped after UpgradeTimeout.
	waitDone(t, done, "Serve of an abandoned upgrade")
	if !c.isClosed() {
		t.Error("probe connection left open")
	}
	if !strings.Contains(logs.String(), "upgrade failed: no upgrade packet") {
		t.Errorf("log %s", logs)
	}
	if sock.Transport() != TransportPolling || srv.Socket(p.sid) != sock {
		t.Fatal("session lost")
	}
	// The polling session keeps working.
	p.mustPost("4still here")
	if m := rec.msg(t); m.data != "still here" {
		t.Errorf("message %q", m.data)
	}
	recs := p.getUntil(func(r string) bool { return r == "4still here" })
	if recs[0] != "6" && recs[0] != "4still here" {
		t.Errorf("GET %q", recs)
	}
	// And may try again.
	ticket, resp := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket&sid="+p.sid, nil))
	if resp != nil {
		t.Fatalf("second upgrade: %d %s", resp.Status, resp.Body)
	}
	c2 := newFakeConn(8)
	serveTicket(ticket, c2)
	c2.sendText("2probe")
	c2.recv(t)
	c2.sendText("5")
	_ = sock.SendText("on ws")
	if f := c2.recv(t); f.String() != "4on ws" {
		t.Errorf("frame %v", f)
	}
}

func TestUpgradeBadProbe(t *testing.T) {
	for _, first := range []string{"2", "4hello", "5"} {
		srv, _, p, sock, c, done, logs := upgradeSetup(t, Options{})
		c.sendText(first)
		waitDone(t, done, "Serve")
		if !strings.Contains(logs.String(), "upgrade failed: no probe") {
			t.Errorf("log %s", logs)
		}
		if sock.Transport() != TransportPolling || srv.Socket(p.sid) != sock {
			t.Errorf("probe %q: session lost", first)
		}
	}
	// A wrong packet instead of the upgrade packet.
	srv, _, p, sock, c, done, _ := upgradeSetup(t, Options{})
	c.sendText("2probe")
	c.recv(t)
	c.sendText("4hello")
	waitDone(t, done, "Serve")
	if sock.Transport() != TransportPolling || srv.Socket(p.sid) != sock {
		t.Error("session lost")
	}
}

// A session that closes while a probe waits for the upgrade packet releases
// the probe at once, not after UpgradeTimeout.
func TestUpgradeSessionClosedDuringProbe(t *testing.T) {
	srv, rec, _, _, c, done, _ := upgradeSetup(t, Options{UpgradeTimeout: time.Hour})
	c.sendText("2probe")
	c.recv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_ = srv.Shutdown(ctx)
	if ev := rec.closed(t); ev.reason != ReasonServerShutdown {
		t.Errorf("closed with %s", ev.reason)
	}
	waitDone(t, done, "Serve of a probe on a closed session")
}

func TestConcurrentUpgrade(t *testing.T) {
	srv, _, p, sock, c, _, _ := upgradeSetup(t, Options{})
	c.sendText("2probe")
	c.recv(t)
	ticket, resp := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket&sid="+p.sid, nil))
	if resp != nil {
		t.Fatal(resp.Status)
	}
	c2 := newFakeConn(4)
	ticket.Serve(c2) // returns at once: an upgrade is in progress
	if f := c2.recv(t); f.typ != wsClose || len(f.data) != 0 {
		t.Errorf("second probe connection got %v, want an empty close frame", f)
	}
	if !c2.isClosed() {
		t.Error("second probe connection left open")
	}
	c.sendText("5")
	_ = sock.SendText("x")
	if f := c.recv(t); f.String() != "4x" {
		t.Errorf("frame %v", f)
	}
}

// The upgrade completes while a graceful close drains: the close packet
// goes out on the websocket.
func TestUpgradeWhileClosing(t *testing.T) {
	_, rec, _, sock, c, done, _ := upgradeSetup(t, Options{})
	c.sendText("2probe")
	c.recv(t)
	sock.Close()
	c.sendText("5")
	if f := c.recv(t); f.String() != "6" && f.String() != "1" {
		t.Errorf("frame %v", f)
	}
	waitDone(t, done, "Serve")
	if ev := rec.closed(t); ev.reason != ReasonForcedClose {
		t.Errorf("closed with %s", ev.reason)
	}
}

// compressingConn records the compression asked for each frame.
type compressingConn struct {
	*fakeConn
	mu   sync.Mutex
	next bool
	log  []string
}

func (c *compressingConn) EnableWriteCompression(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next = on
}

func (c *compressingConn) WriteMessage(typ int, data []byte) error {
	c.mu.Lock()
	c.log = append(c.log, fmt.Sprint(string(data), "=", c.next))
	c.mu.Unlock()
	return c.fakeConn.WriteMessage(typ, data)
}

func TestPerMessageCompression(t *testing.T) {
	for _, deflate := range []bool{false, true} {
		srv, _ := newTestServer(t, Options{PerMessageDeflate: deflate})
		rec := newRecorder(srv)
		ticket, _ := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket", nil))
		if ticket.PerMessageDeflate() != deflate {
			t.Errorf("PerMessageDeflate %v", ticket.PerMessageDeflate())
		}
		c := &compressingConn{fakeConn: newFakeConn(16)}
		serveTicket(ticket, c)
		sock := rec.conn(t)
		c.recv(t)
		_ = sock.Send(TextMessage([]byte("a")), TextMessage([]byte("b")).Uncompressed(), TextMessage([]byte("c")))
		for range 3 {
			c.recv(t)
		}
		c.mu.Lock()
		got := c.log[1:]
		c.mu.Unlock()
		want := []string{"4a=true", "4b=false", "4c=true"}
		if !deflate {
			want = []string{"4a=false", "4b=false", "4c=false"} // never asked
		}
		if !equal(got, want) {
			t.Errorf("deflate %v: %q, want %q", deflate, got, want)
		}
	}
}

func TestAbort(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	c, done := serveWS(t, srv, "EIO=4&transport=websocket")
	sock := rec.conn(t)
	c.recv(t)
	_ = sock.SendText("discarded, perhaps")
	boom := errors.New("bad socket.io packet")
	sock.Abort(ReasonParseError, boom)
	if ev := rec.closed(t); ev.reason != ReasonParseError || ev.err != boom {
		t.Errorf("closed with %s %v", ev.reason, ev.err)
	}
	waitDone(t, done, "Serve")
}

func TestCookieHeaderOnTicket(t *testing.T) {
	srv, _ := newTestServer(t, Options{Cookie: &CookieOptions{Name: "eio"}})
	ticket, _ := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket", nil))
	h := ticket.Header()
	c := newFakeConn(4)
	serveTicket(ticket, c)
	open := c.recv(t)
	m := handshakeRE.FindStringSubmatch(string(open.data))
	if m == nil || h.Get("Set-Cookie") != "eio="+m[1]+"; Path=/; HttpOnly; SameSite=Lax" {
		t.Errorf("Set-Cookie %q for %s", h.Get("Set-Cookie"), open)
	}
	// No cookie on an upgrade: the session has one already.
	p, _ := openPoll(t, srv)
	ticket, _ = srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket&sid="+p.sid, nil))
	if ticket.Header() != nil {
		t.Errorf("upgrade header %v", ticket.Header())
	}
}
