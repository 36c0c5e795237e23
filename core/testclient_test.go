package core_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/stdsio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait for an event in these tests. It is generous: the
// machine may be loaded (-race, 2 cores), and no test sleeps to
// synchronise.
const wait = 10 * time.Second

// WebSocket message types (gorilla/websocket's numbering).
const (
	wsText   = websocket.TextMessage
	wsBinary = websocket.BinaryMessage
	wsClose  = websocket.CloseMessage
)

// ---------------------------------------------------------------------------
// Transports

// wire is the client end of a WebSocket connection: a *websocket.Conn, or
// one end of an in-memory pipe.
type wire interface {
	ReadMessage() (int, []byte, error)
	WriteMessage(typ int, data []byte) error
	Close() error
}

type wsMsg struct {
	typ  int
	data []byte
}

// pipe is an in-memory WebSocket connection: its server end satisfies
// engineio.Conn, so engineio.Ticket.Serve runs a real session over it
// without HTTP.
type pipe struct {
	toServer, toClient chan wsMsg
	closed             chan struct{}
	once               sync.Once
}

func newPipe() *pipe {
	return &pipe{
		toServer: make(chan wsMsg, 64),
		toClient: make(chan wsMsg, 256),
		closed:   make(chan struct{}),
	}
}

func (p *pipe) close() { p.once.Do(func() { close(p.closed) }) }

func (p *pipe) read(in chan wsMsg) (int, []byte, error) {
	select { // what was written before the close is still delivered
	case m := <-in:
		return m.typ, m.data, nil
	default:
	}
	select {
	case m := <-in:
		return m.typ, m.data, nil
	case <-p.closed:
		return 0, nil, net.ErrClosed
	}
}

func (p *pipe) write(out chan wsMsg, typ int, data []byte) error {
	select {
	case <-p.closed:
		return net.ErrClosed
	default:
	}
	select {
	case out <- wsMsg{typ, data}:
		return nil
	case <-p.closed:
		return net.ErrClosed
	}
}

// pipeServer is the server end of a pipe.
type pipeServer struct{ p *pipe }

func (e pipeServer) ReadMessage() (int, []byte, error) { return e.p.read(e.p.toServer) }
func (e pipeServer) WriteMessage(typ int, data []byte) error {
	return e.p.write(e.p.toClient, typ, data)
}
func (pipeServer) SetReadDeadline(time.Time) error  { return nil }
func (pipeServer) SetWriteDeadline(time.Time) error { return nil }
func (pipeServer) SetReadLimit(int64)               {}
func (e pipeServer) Close() error                   { e.p.close(); return nil }

// pipeClient is the client end of a pipe.
type pipeClient struct{ p *pipe }

func (e pipeClient) ReadMessage() (int, []byte, error) { return e.p.read(e.p.toClient) }
func (e pipeClient) WriteMessage(typ int, data []byte) error {
	return e.p.write(e.p.toServer, typ, bytes.Clone(data))
}
func (e pipeClient) Close() error { e.p.close(); return nil }

var _ engineio.Conn = pipeServer{}

// ---------------------------------------------------------------------------
// Server

// testServer is a core.Server with the clients of one test.
type testServer struct {
	*core.Server
	t       testing.TB
	serving sync.WaitGroup // Ticket.Serve goroutines

	mu      sync.Mutex
	http    *httptest.Server
	clients []*testClient
}

// newServer returns a server that is shut down, with its clients closed,
// when the test ends.
func newServer(t testing.TB, opts core.Options) *testServer {
	ts := &testServer{Server: core.NewServer(opts), t: t}
	t.Cleanup(ts.close)
	return ts
}

func (ts *testServer) close() {
	ts.mu.Lock()
	clients := ts.clients
	ts.mu.Unlock()
	for _, c := range clients {
		c.stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		ts.t.Errorf("Shutdown: %v", err)
	}
	for _, c := range clients {
		c.close()
	}
	ts.serving.Wait()
	if ts.http != nil {
		ts.http.Close()
	}
}

// request is the handshake request of a websocket-only client.
func (ts *testServer) request(query url.Values) *engineio.Request {
	q := url.Values{"EIO": {"4"}, "transport": {"websocket"}}
	for k, v := range query {
		q[k] = v
	}
	return &engineio.Request{
		Method:     http.MethodGet,
		Path:       ts.Options().Path,
		Query:      q,
		Header:     http.Header{"User-Agent": {"sio-test"}},
		Host:       "example.com",
		RemoteAddr: "192.0.2.1:1234",
		Context:    context.Background(),
	}
}

// dial connects a client over an in-memory pipe, through the engine's
// WebSocket entry (PrepareWebSocket, Ticket.Serve), and reads the
// Engine.IO handshake.
func (ts *testServer) dial(t testing.TB) *testClient {
	t.Helper()
	return ts.dialRequest(t, ts.request(nil), nil)
}

// dialRequest is dial with a handshake request and a hook (see
// testClient.hook), which may be nil.
func (ts *testServer) dialRequest(t testing.TB, req *engineio.Request, hook func(*testClient, tpacket) bool) *testClient {
	t.Helper()
	ticket, resp := ts.Engine().PrepareWebSocket(req)
	if resp != nil {
		t.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
	}
	p := newPipe()
	ts.serving.Add(1)
	go func() {
		defer ts.serving.Done()
		ticket.Serve(pipeServer{p})
	}()
	return ts.start(t, pipeClient{p}, hook)
}

// dialWS connects a client over a real WebSocket on loopback, through
// stdsio and gorilla/websocket. hook may be nil.
func (ts *testServer) dialWS(t testing.TB, hook func(*testClient, tpacket) bool) *testClient {
	t.Helper()
	ts.mu.Lock()
	if ts.http == nil {
		ts.http = httptest.NewServer(stdsio.Handler(ts.Server))
	}
	u := "ws" + strings.TrimPrefix(ts.http.URL, "http") + ts.Options().Path + "?EIO=4&transport=websocket"
	ts.mu.Unlock()
	conn, resp, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	resp.Body.Close()
	return ts.start(t, conn, hook)
}

// start reads the Engine.IO handshake and starts the client's reader.
func (ts *testServer) start(t testing.TB, w wire, hook func(*testClient, tpacket) bool) *testClient {
	t.Helper()
	c := &testClient{
		srv:  ts.Server,
		w:    w,
		hook: hook,
		in:   make(chan tpacket, 1024),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	ts.mu.Lock()
	ts.clients = append(ts.clients, c)
	ts.mu.Unlock()
	typ, data, err := w.ReadMessage()
	if err != nil || typ != wsText || len(data) == 0 || data[0] != '0' {
		w.Close()
		t.Fatalf("no open packet: %d %q %v", typ, data, err)
	}
	var hs struct{ SID string }
	if err := json.Unmarshal(data[1:], &hs); err != nil {
		t.Fatalf("open packet %q: %v", data, err)
	}
	c.eio = hs.SID
	go c.read()
	return c
}

// ---------------------------------------------------------------------------
// Client

// tpacket is a Socket.IO packet as the test client receives it.
type tpacket struct {
	typ  byte   // '0'..'6'
	nsp  string // "/" when absent
	id   int    // -1 when absent
	data string // the JSON payload; "" when absent
	att  [][]byte
}

// event returns the event name of an EVENT packet.
func (p tpacket) event() string {
	var a []json.RawMessage
	if json.Unmarshal([]byte(p.data), &a) != nil || len(a) == 0 {
		return ""
	}
	var name string
	_ = json.Unmarshal(a[0], &name)
	return name
}

// args returns the payload's array elements: for an EVENT, those after the
// name; for an ACK, all.
func (p tpacket) args() []json.RawMessage {
	var a []json.RawMessage
	_ = json.Unmarshal([]byte(p.data), &a)
	if (p.typ == '2' || p.typ == '5') && len(a) > 0 {
		a = a[1:]
	}
	return a
}

// argsText returns the arguments as compact JSON, e.g. `[1,"a"]`.
func (p tpacket) argsText() string {
	a := p.args()
	if a == nil {
		a = []json.RawMessage{}
	}
	b, _ := json.Marshal(a)
	var buf bytes.Buffer
	_ = json.Compact(&buf, b)
	return buf.String()
}

func (p tpacket) String() string {
	var b strings.Builder
	b.WriteByte(p.typ)
	if len(p.att) > 0 {
		b.WriteString(strconv.Itoa(len(p.att)) + "-")
	}
	if p.nsp != "/" {
		b.WriteString(p.nsp + ",")
	}
	if p.id >= 0 {
		b.WriteString(strconv.Itoa(p.id))
	}
	b.WriteString(p.data)
	for _, a := range p.att {
		fmt.Fprintf(&b, " <%x>", a)
	}
	return b.String()
}

// parsePacket parses the text of a Socket.IO packet (without the Engine.IO
// "4"). It returns the number of binary attachments announced.
func parsePacket(s string) (tpacket, int, error) {
	p := tpacket{nsp: "/", id: -1}
	if s == "" || s[0] < '0' || s[0] > '6' {
		return p, 0, fmt.Errorf("bad packet type in %q", s)
	}
	p.typ, s = s[0], s[1:]
	natt := 0
	if p.typ == '5' || p.typ == '6' {
		n, rest, ok := strings.Cut(s, "-")
		if !ok {
			return p, 0, fmt.Errorf("no attachment count")
		}
		var err error
		if natt, err = strconv.Atoi(n); err != nil {
			return p, 0, err
		}
		s = rest
	}
	if strings.HasPrefix(s, "/") {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			p.nsp, s = s, ""
		} else {
			p.nsp, s = s[:i], s[i+1:]
		}
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 {
		p.id, _ = strconv.Atoi(s[:i])
		s = s[i:]
	}
	p.data = s
	return p, natt, nil
}

// encodePacket builds the text of a Socket.IO packet.
func encodePacket(typ byte, nsp string, id int, data any, natt int) string {
	var b strings.Builder
	b.WriteByte(typ)
	if natt > 0 {
		b.WriteString(strconv.Itoa(natt) + "-")
	}
	if nsp != "" && nsp != "/" {
		b.WriteString(nsp + ",")
	}
	if id >= 0 {
		b.WriteString(strconv.Itoa(id))
	}
	switch d := data.(type) {
	case nil:
	case raw:
		b.WriteString(string(d))
	default:
		j, err := json.Marshal(d)
		if err != nil {
			panic(err)
		}
		b.Write(j)
	}
	return b.String()
}

// raw is JSON text sent as it is.
type raw string

// placeholder is the JSON that stands for binary attachment n.
func placeholder(n int) map[string]any { return map[string]any{"_placeholder": true, "num": n} }

// testClient is a minimal Socket.IO client speaking the wire protocol: it
// answers pings, reassembles binary packets and queues what it receives.
type testClient struct {
	srv  *core.Server
	w    wire
	eio  string // Engine.IO session id
	wmu  sync.Mutex
	ids  atomic.Int64
	in   chan tpacket
	quit chan struct{} // closed to stop delivering to in
	done chan struct{} // closed when the reader has returned
	once sync.Once

	// hook, when not nil, sees every packet on the reader first;
	// returning true consumes it.
	hook func(c *testClient, p tpacket) bool

	backlog []tpacket // packets skipped by expect; test goroutine only
}

func (c *testClient) read() {
	defer close(c.done)
	defer close(c.in)
	var pending *tpacket
	natt := 0
	for {
		typ, data, err := c.w.ReadMessage()
		if err != nil || typ == wsClose {
			return
		}
		if typ == wsBinary {
			if pending != nil {
				pending.att = append(pending.att, data)
				if len(pending.att) == natt {
					c.deliver(*pending)
					pending = nil
				}
			}
			continue
		}
		if len(data) == 0 {
			continue
		}
		switch data[0] {
		case '1': // close
			return
		case '2': // ping
			c.write(wsText, []byte("3"))
		case '4':
			p, n, err := parsePacket(string(data[1:]))
			if err != nil {
				return
			}
			if n > 0 {
				pending, natt = &p, n
				continue
			}
			c.deliver(p)
		}
	}
}

func (c *testClient) deliver(p tpacket) {
	if c.hook != nil && c.hook(c, p) {
		return
	}
	select {
	case c.in <- p:
	case <-c.quit:
	}
}

func (c *testClient) write(typ int, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.w.WriteMessage(typ, data)
}

// send sends a Socket.IO packet's text.
func (c *testClient) send(pkt string, att ...[]byte) {
	_ = c.write(wsText, []byte("4"+pkt))
	for _, a := range att {
		_ = c.write(wsBinary, a)
	}
}

// stop makes the reader drop packets instead of queueing them.
func (c *testClient) stop() { c.once.Do(func() { close(c.quit) }) }

// close closes the connection and waits for the reader.
func (c *testClient) close() {
	c.stop()
	_ = c.w.Close()
	<-c.done
}

// connect asks to join nsp with auth (nil: none) and returns the server's
// answer: a CONNECT or CONNECT_ERROR packet.
func (c *testClient) connect(t testing.TB, nsp string, auth any) tpacket {
	t.Helper()
	c.send(encodePacket('0', nsp, -1, auth, 0))
	return c.expect(t, "connect answer on "+nsp, func(p tpacket) bool {
		return p.nsp == nsp && (p.typ == '0' || p.typ == '4')
	})
}

// mustConnect joins nsp and returns the socket id.
func (c *testClient) mustConnect(t testing.TB, nsp string, auth any) string {
	t.Helper()
	p := c.connect(t, nsp, auth)
	var v struct{ SID string }
	if p.typ != '0' || json.Unmarshal([]byte(p.data), &v) != nil || v.SID == "" {
		t.Fatalf("connect to %s: got %v", nsp, p)
	}
	return v.SID
}

// emit sends an event without an acknowledgement id.
func (c *testClient) emit(nsp, event string, args ...any) {
	c.send(encodePacket('2', nsp, -1, append([]any{event}, args...), 0))
}

// emitID sends an event asking for an acknowledgement and returns its id.
func (c *testClient) emitID(nsp, event string, args ...any) int {
	id := int(c.ids.Add(1))
	c.send(encodePacket('2', nsp, id, append([]any{event}, args...), 0))
	return id
}

// call sends an event and waits for its acknowledgement.
func (c *testClient) call(t testing.TB, nsp, event string, args ...any) tpacket {
	t.Helper()
	return c.ack(t, nsp, c.emitID(nsp, event, args...))
}

// ack waits for the acknowledgement id on nsp.
func (c *testClient) ack(t testing.TB, nsp string, id int) tpacket {
	t.Helper()
	return c.expect(t, fmt.Sprintf("ack %d on %s", id, nsp), func(p tpacket) bool {
		return (p.typ == '3' || p.typ == '6') && p.nsp == nsp && p.id == id
	})
}

// expectEvent waits for event on nsp.
func (c *testClient) expectEvent(t testing.TB, nsp, event string) tpacket {
	t.Helper()
	return c.expect(t, "event "+event+" on "+nsp, func(p tpacket) bool {
		return (p.typ == '2' || p.typ == '5') && p.nsp == nsp && p.event() == event
	})
}

// expect returns the first packet, queued or to come, that match accepts;
// the others stay queued for later calls.
func (c *testClient) expect(t testing.TB, what string, match func(tpacket) bool) tpacket {
	t.Helper()
	for i, p := range c.backlog {
		if match(p) {
			c.backlog = append(c.backlog[:i], c.backlog[i+1:]...)
			return p
		}
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case p, ok := <-c.in:
			if !ok {
				t.Fatalf("connection closed while waiting for %s; received %v", what, c.backlog)
			}
			if match(p) {
				return p
			}
			c.backlog = append(c.backlog, p)
		case <-timer.C:
			t.Fatalf("timed out waiting for %s; received %v", what, c.backlog)
		}
	}
}

// barrier makes a round trip on nsp: once it returns, every packet the
// server sent this client from its handlers before is queued. Its event
// has a handler that does nothing, so the server answers an empty
// acknowledgement.
func (c *testClient) barrier(t testing.TB, nsp string) {
	t.Helper()
	c.srv.Of(nsp).On("__barrier__", func(*core.Socket) {})
	c.call(t, nsp, "__barrier__")
}

// callNoAck sends an event asking for an acknowledgement and checks, after
// a barrier, that none came (the event has no handler, or it declined).
func (c *testClient) callNoAck(t testing.TB, nsp, event string, args ...any) {
	t.Helper()
	id := c.emitID(nsp, event, args...)
	c.barrier(t, nsp)
	for _, p := range c.backlog {
		if (p.typ == '3' || p.typ == '6') && p.nsp == nsp && p.id == id {
			t.Errorf("%s on %s: acknowledged %v, want no acknowledgement", event, nsp, p)
		}
	}
}

// rest returns the packets received and not yet expected, after a barrier.
func (c *testClient) rest(t testing.TB, nsp string) []tpacket {
	t.Helper()
	c.barrier(t, nsp)
	for {
		select {
		case p, ok := <-c.in:
			if !ok {
				out := c.backlog
				c.backlog = nil
				return out
			}
			c.backlog = append(c.backlog, p)
		default:
			out := c.backlog
			c.backlog = nil
			return out
		}
	}
}

// waitClosed waits until the server closes the connection, and returns the
// packets received meanwhile.
func (c *testClient) waitClosed(t testing.TB) []tpacket {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case p, ok := <-c.in:
			if !ok {
				return c.backlog
			}
			c.backlog = append(c.backlog, p)
		case <-timer.C:
			t.Fatalf("the connection was not closed; received %v", c.backlog)
		}
	}
}

// ---------------------------------------------------------------------------
// Helpers

// recv receives from ch within the wait bound.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		var zero T
		t.Fatalf("timed out waiting for a %T", zero)
		return zero
	}
}

// waitFor polls cond until it holds or the wait bound passes.
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

// jsonText is the compact JSON of v.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
