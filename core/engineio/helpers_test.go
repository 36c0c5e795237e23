package engineio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// wait bounds every wait for an event in these tests. It is generous: the
// machine may be loaded, and no test sleeps to synchronise.
const wait = 10 * time.Second

// testRequest builds a Request as an adapter would for the default path.
func testRequest(method, query string, body []byte) *Request {
	q, err := url.ParseQuery(query)
	if err != nil {
		panic(err)
	}
	return &Request{
		Method:     method,
		Path:       DefaultPath,
		Query:      q,
		Header:     http.Header{},
		Host:       "example.com",
		RemoteAddr: "192.0.2.1:1234",
		Body:       body,
		Context:    context.Background(),
	}
}

// sidOf returns the sid of the open packet that starts a handshake answer.
func sidOf(t testing.TB, body []byte) string {
	t.Helper()
	rec, _, _ := bytes.Cut(body, []byte{recordSeparator})
	if len(rec) == 0 || rec[0] != byte(packetOpen) {
		t.Fatalf("not an open packet: %q", body)
	}
	var hs struct{ SID string }
	if err := json.Unmarshal(rec[1:], &hs); err != nil || hs.SID == "" {
		t.Fatalf("open packet %q: %v", rec, err)
	}
	return hs.SID
}

// records splits a polling payload into its records, as strings.
func records(body []byte) []string {
	var out []string
	for _, r := range bytes.Split(body, []byte{recordSeparator}) {
		out = append(out, string(r))
	}
	return out
}

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

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// event is something a recorder saw.
type closeEvent struct {
	sock   *Socket
	reason CloseReason
	err    error
}

type msgEvent struct {
	sock   *Socket
	data   string
	binary bool
}

// recorder records a server's sessions, messages and closes.
type recorder struct {
	conns  chan *Socket
	msgs   chan msgEvent
	closes chan closeEvent
	echo   bool // send every message back
}

func newRecorder(srv *Server) *recorder {
	r := &recorder{
		conns:  make(chan *Socket, 10000),
		msgs:   make(chan msgEvent, 10000),
		closes: make(chan closeEvent, 10000),
	}
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(data []byte, binary bool) {
			r.msgs <- msgEvent{s, string(data), binary}
			if r.echo {
				if binary {
					_ = s.SendBinary(bytes.Clone(data))
				} else {
					_ = s.Send(TextMessage(bytes.Clone(data)))
				}
			}
		})
		s.OnClose(func(reason CloseReason, err error) {
			r.closes <- closeEvent{s, reason, err}
		})
		r.conns <- s
	})
	return r
}

func (r *recorder) conn(t testing.TB) *Socket {
	t.Helper()
	select {
	case s := <-r.conns:
		return s
	case <-time.After(wait):
		t.Fatal("no connection")
	}
	return nil
}

func (r *recorder) msg(t testing.TB) msgEvent {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(wait):
		t.Fatal("no message")
	}
	return msgEvent{}
}

func (r *recorder) closed(t testing.TB) closeEvent {
	t.Helper()
	select {
	case c := <-r.closes:
		return c
	case <-time.After(wait):
		t.Fatal("no close")
	}
	return closeEvent{}
}

// newTestServer returns a server logging to a buffer, shut down when the
// test ends.
func newTestServer(t testing.TB, opts Options) (*Server, *logBuf) {
	t.Helper()
	logs := &logBuf{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv := New(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if n := srv.Len(); n != 0 {
			t.Errorf("%d sessions left after Shutdown", n)
		}
	})
	return srv, logs
}

// poll is a polling client that calls ServePoll directly.
type poll struct {
	t   testing.TB
	srv *Server
	sid string
}

func openPoll(t testing.TB, srv *Server) (*poll, []string) {
	t.Helper()
	resp := srv.ServePoll(context.Background(), testRequest(http.MethodGet, "EIO=4&transport=polling", nil))
	if resp.Status != http.StatusOK {
		t.Fatalf("handshake: %d %s", resp.Status, resp.Body)
	}
	return &poll{t: t, srv: srv, sid: sidOf(t, resp.Body)}, records(resp.Body)
}

func (p *poll) getCtx(ctx context.Context) *Response {
	return p.srv.ServePoll(ctx, testRequest(http.MethodGet, "EIO=4&transport=polling&sid="+p.sid, nil))
}

// get long-polls and expects 200.
func (p *poll) get() []string {
	p.t.Helper()
	resp := p.getCtx(context.Background())
	if resp.Status != http.StatusOK {
		p.t.Fatalf("GET: %d %s", resp.Status, resp.Body)
	}
	return records(resp.Body)
}

func (p *poll) post(body string) *Response {
	return p.srv.ServePoll(context.Background(), testRequest(http.MethodPost, "EIO=4&transport=polling&sid="+p.sid, []byte(body)))
}

// mustPost posts and expects 200 "ok".
func (p *poll) mustPost(body string) {
	p.t.Helper()
	if resp := p.post(body); resp.Status != http.StatusOK || string(resp.Body) != "ok" {
		p.t.Fatalf("POST %q: %d %s", body, resp.Status, resp.Body)
	}
}

// getUntil long-polls until a record satisfies match, answering pings, and
// returns the records seen.
func (p *poll) getUntil(match func(string) bool) []string {
	p.t.Helper()
	var all []string
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		recs := p.get()
		all = append(all, recs...)
		for _, r := range recs {
			if r == "2" {
				p.mustPost("3")
			}
			if match(r) {
				return all
			}
		}
	}
	p.t.Fatalf("no matching record; saw %q", all)
	return nil
}

// --- fake websocket connection ---

type frame struct {
	typ  int
	data []byte
}

func (f frame) String() string {
	switch f.typ {
	case wsBinary:
		return fmt.Sprintf("binary %x", f.data)
	case wsClose:
		return fmt.Sprintf("close %d %q", f.closeCode(), f.data[min(2, len(f.data)):])
	}
	return string(f.data)
}

// wsCloseError mimics gorilla's *websocket.CloseError text.
type wsCloseError struct{ code int }

func (e wsCloseError) Error() string { return fmt.Sprintf("websocket: close %d (normal)", e.code) }

var (
	errReadLimit = errors.New("websocket: read limit exceeded")
	errCloseSent = errors.New("websocket: close sent")
)

// fakeConn is an in-memory Conn. The test plays the client: send puts a
// frame for the server to read, recv takes a frame the server wrote.
type fakeConn struct {
	in      chan frame    // client → server
	out     chan frame    // server → client; unused when sink is set
	sink    func(frame)   // when set, receives every written frame
	readErr chan error    // the next ReadMessage returns this
	closed  chan struct{} // closed by Close
	once    sync.Once
	writes  atomic.Int64 // frames written
	// closeSent: a close frame was written; as gorilla's Conn, no frame
	// is written after it. wmu orders the writes, as gorilla's write lock.
	wmu       sync.Mutex
	closeSent bool // guarded by wmu

	mu           sync.Mutex // guards the fields below
	readDeadline time.Time
	writeDeadln  time.Time
	limit        int64
}

func newFakeConn(outBuf int) *fakeConn {
	return &fakeConn{
		in:      make(chan frame, 64),
		out:     make(chan frame, outBuf),
		readErr: make(chan error, 1),
		closed:  make(chan struct{}),
	}
}

func deadlineTimer(d time.Time) (<-chan time.Time, func()) {
	if d.IsZero() {
		return nil, func() {}
	}
	t := time.NewTimer(time.Until(d))
	return t.C, func() { t.Stop() }
}

func (c *fakeConn) ReadMessage() (int, []byte, error) {
	c.mu.Lock()
	dl, limit := c.readDeadline, c.limit
	c.mu.Unlock()
	timeout, stop := deadlineTimer(dl)
	defer stop()
	select {
	case f := <-c.in:
		if limit > 0 && int64(len(f.data)) > limit {
			return 0, nil, errReadLimit
		}
		return f.typ, f.data, nil
	case err := <-c.readErr:
		return 0, nil, err
	case <-c.closed:
		return 0, nil, &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}
	case <-timeout:
		return 0, nil, &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	}
}

func (c *fakeConn) WriteMessage(typ int, data []byte) error {
	c.mu.Lock()
	dl := c.writeDeadln
	c.mu.Unlock()
	return c.write(frame{typ, data}, dl)
}

// write delivers a frame the server wrote, within the deadline.
func (c *fakeConn) write(f frame, deadline time.Time) error {
	select {
	case <-c.closed:
		return &net.OpError{Op: "write", Net: "tcp", Err: net.ErrClosed}
	default:
	}
	c.wmu.Lock()
	if c.closeSent {
		c.wmu.Unlock()
		return errCloseSent
	}
	c.closeSent = f.typ == wsClose
	c.writes.Add(1)
	if c.sink != nil {
		c.sink(f)
		c.wmu.Unlock()
		return nil
	}
	c.wmu.Unlock()
	timeout, stop := deadlineTimer(deadline)
	defer stop()
	select {
	case c.out <- frame{f.typ, bytes.Clone(f.data)}:
		return nil
	case <-c.closed:
		return &net.OpError{Op: "write", Net: "tcp", Err: net.ErrClosed}
	case <-timeout:
		return &net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}
	}
}

// WriteControl is gorilla's: safe beside a running writer (it bypasses
// the write deadline of WriteMessage and uses its own).
func (c *fakeConn) WriteControl(typ int, data []byte, deadline time.Time) error {
	return c.write(frame{typ, data}, deadline)
}

// closeCode returns the status code of a close frame, 0 when it has none.
func (f frame) closeCode() int {
	if f.typ != wsClose || len(f.data) < 2 {
		return 0
	}
	return int(f.data[0])<<8 | int(f.data[1])
}

func (c *fakeConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline = t
	return nil
}

func (c *fakeConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeDeadln = t
	return nil
}

func (c *fakeConn) SetReadLimit(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit = n
}

func (c *fakeConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

func (c *fakeConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// send plays a client frame.
func (c *fakeConn) send(typ int, data string) { c.in <- frame{typ, []byte(data)} }

func (c *fakeConn) sendText(data string) { c.send(wsText, data) }

// recv returns the next frame the server wrote.
func (c *fakeConn) recv(t testing.TB) frame {
	t.Helper()
	select {
	case f := <-c.out:
		return f
	case <-time.After(wait):
		t.Fatal("no frame from the server")
	}
	return frame{}
}

// recvText returns the next text frame, answering pings on the way.
func (c *fakeConn) recvText(t testing.TB) string {
	t.Helper()
	for {
		f := c.recv(t)
		if f.typ == wsText && string(f.data) == "2" {
			c.sendText("3")
			continue
		}
		return f.String()
	}
}

// serveWS runs a websocket-only session on a fake conn; the returned channel
// closes when Serve returns.
func serveWS(t testing.TB, srv *Server, query string) (*fakeConn, <-chan struct{}) {
	t.Helper()
	ticket, resp := srv.PrepareWebSocket(testRequest(http.MethodGet, query, nil))
	if resp != nil {
		t.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
	}
	c := newFakeConn(256)
	return c, serveTicket(ticket, c)
}

// serveWSConn is serveWS on a given fake conn.
func serveWSConn(t testing.TB, srv *Server, query string, c *fakeConn) <-chan struct{} {
	t.Helper()
	ticket, resp := srv.PrepareWebSocket(testRequest(http.MethodGet, query, nil))
	if resp != nil {
		t.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
	}
	return serveTicket(ticket, c)
}

func serveTicket(ticket *Ticket, c Conn) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticket.Serve(c)
	}()
	return done
}

func waitDone(t testing.TB, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatalf("%s did not end", what)
	}
}
