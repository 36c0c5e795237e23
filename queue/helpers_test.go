package queue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/stdsio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait in these tests; no test sleeps to synchronise.
const wait = 10 * time.Second

// ---------------------------------------------------------------------------
// Cluster

// node is one server of a test cluster, served by stdsio on httptest.
type node struct {
	*core.Server
	http *httptest.Server
	logs *logBuf

	mu      sync.Mutex
	clients []*client
	down    bool
}

// cluster is n servers linked by one MemoryBus.
type cluster struct {
	t     *testing.T
	bus   queue.Bus
	nodes []*node
}

// clusterConfig adjusts a test cluster.
type clusterConfig struct {
	queue  queue.Options
	server func(i int, o *core.Options)
	bus    func(queue.Bus) queue.Bus
}

// newCluster starts n servers on one MemoryBus; everything is shut down
// when the test ends.
func newCluster(t *testing.T, n int, cfg clusterConfig) *cluster {
	t.Helper()
	mem := queue.NewMemoryBus()
	rec := &wireRecorder{Bus: mem}
	var bus queue.Bus = rec
	if cfg.bus != nil {
		bus = cfg.bus(rec)
	}
	c := &cluster{t: t, bus: bus}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			nd.shutdown(t)
		}
		if n := rec.json.Load(); cfg.queue.Encoding == queue.EncodingJSON && n == 0 {
			t.Errorf("no JSON message published with %v", cfg.queue.Encoding)
		}
		if err := mem.Close(); err != nil {
			t.Errorf("bus Close: %v", err)
		}
	})
	for i := range n {
		c.add(i, cfg)
	}
	c.waitCount(n)
	return c
}

// eachEncoding runs test once with each encoding.
func eachEncoding(t *testing.T, test func(*testing.T, queue.Encoding)) {
	for _, enc := range []queue.Encoding{queue.EncodingMsgpack, queue.EncodingJSON} {
		t.Run(enc.String(), func(t *testing.T) { test(t, enc) })
	}
}

// wireRecorder counts the JSON messages published on a bus.
type wireRecorder struct {
	queue.Bus
	json atomic.Int64
}

func (w *wireRecorder) Publish(ctx context.Context, channel string, msg []byte) error {
	if queue.IsJSON(msg) {
		w.json.Add(1)
	}
	return w.Bus.Publish(ctx, channel, msg)
}

// add starts one more server.
func (c *cluster) add(i int, cfg clusterConfig) *node {
	logs := &logBuf{}
	opts := core.Options{
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ClientManager: queue.NewManager(c.bus, cfg.queue),
		AckTimeout:    wait,
	}
	if cfg.server != nil {
		cfg.server(i, &opts)
	}
	nd := &node{Server: core.NewServer(opts), logs: logs}
	nd.http = httptest.NewServer(stdsio.Handler(nd.Server))
	c.nodes = append(c.nodes, nd)
	return nd
}

// waitCount waits until every live server counts n servers.
func (c *cluster) waitCount(n int) {
	c.t.Helper()
	for i, nd := range c.nodes {
		if nd.isDown() {
			continue
		}
		waitFor(c.t, fmt.Sprintf("server %d to count %d servers", i, n), func() bool {
			return nd.ServerCount(context.Background()) == n
		})
	}
}

func (nd *node) isDown() bool {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.down
}

// shutdown closes the node's clients and shuts the server down.
func (nd *node) shutdown(t testing.TB) {
	nd.mu.Lock()
	if nd.down {
		nd.mu.Unlock()
		return
	}
	nd.down = true
	clients := nd.clients
	nd.mu.Unlock()
	for _, c := range clients {
		c.close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := nd.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	nd.http.Close()
}

// logBuf is a concurrency-safe log sink.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// ---------------------------------------------------------------------------
// Client

// packet is a Socket.IO packet as the client receives it (JSON parser).
type packet struct {
	typ  byte // '0'..'6'
	nsp  string
	id   int // -1 when absent
	data string
	att  [][]byte
}

func (p packet) isEvent() bool { return p.typ == '2' || p.typ == '5' }

// event returns the event name and arguments of an EVENT packet.
func (p packet) event() (string, []json.RawMessage) {
	var a []json.RawMessage
	if json.Unmarshal([]byte(p.data), &a) != nil || len(a) == 0 {
		return "", nil
	}
	var name string
	_ = json.Unmarshal(a[0], &name)
	return name, a[1:]
}

// argsText returns the event arguments as compact JSON.
func (p packet) argsText() string {
	_, a := p.event()
	if p.typ == '3' || p.typ == '6' {
		_ = json.Unmarshal([]byte(p.data), &a)
	}
	if a == nil {
		a = []json.RawMessage{}
	}
	b, _ := json.Marshal(a)
	var buf bytes.Buffer
	_ = json.Compact(&buf, b)
	return buf.String()
}

func (p packet) String() string {
	s := string(p.typ) + p.nsp + "," + p.data
	if p.id >= 0 {
		s += " id=" + strconv.Itoa(p.id)
	}
	for _, a := range p.att {
		s += fmt.Sprintf(" <%x>", a)
	}
	return s
}

// ackFunc answers an event the server sent with an ack id; ok false: no
// answer.
type ackFunc func(event string, args []json.RawMessage) (reply []any, ok bool)

// client is a minimal Socket.IO client over a real WebSocket.
type client struct {
	conn *websocket.Conn
	wmu  sync.Mutex
	in   chan packet
	done chan struct{}
	ids  atomic.Int64
	acks atomic.Pointer[ackFunc]
	once sync.Once

	backlog []packet // test goroutine only
}

// dial connects a websocket client to nd with the extra query (may be "").
func (nd *node) dial(t testing.TB, query string) *client {
	t.Helper()
	u := "ws" + strings.TrimPrefix(nd.http.URL, "http") + nd.Options().Path + "?EIO=4&transport=websocket"
	if query != "" {
		u += "&" + query
	}
	conn, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"X-Test": {"queue"}})
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	resp.Body.Close()
	c := &client{conn: conn, in: make(chan packet, 1024), done: make(chan struct{})}
	nd.mu.Lock()
	nd.clients = append(nd.clients, c)
	nd.mu.Unlock()
	typ, data, err := conn.ReadMessage()
	if err != nil || typ != websocket.TextMessage || len(data) == 0 || data[0] != '0' {
		t.Fatalf("no open packet: %q %v", data, err)
	}
	go c.read()
	return c
}

// connect dials nd and joins nsp; it returns the client and its socket id.
func (nd *node) connect(t testing.TB, nsp string, query string, auth any) (*client, string) {
	t.Helper()
	c := nd.dial(t, query)
	return c, c.join(t, nsp, auth)
}

// onAck sets how the client answers events asking for an acknowledgement.
func (c *client) onAck(fn ackFunc) { c.acks.Store(&fn) }

func (c *client) read() {
	defer close(c.done)
	defer close(c.in)
	var pending *packet
	natt := 0
	for {
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		if typ == websocket.BinaryMessage {
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
		case '1':
			return
		case '2':
			c.write(websocket.TextMessage, []byte("3"))
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

func (c *client) deliver(p packet) {
	if p.isEvent() && p.id >= 0 {
		if fn := c.acks.Load(); fn != nil {
			name, args := p.event()
			if reply, ok := (*fn)(name, args); ok {
				c.send(encodePacket('3', p.nsp, p.id, reply))
			}
		}
	}
	select {
	case c.in <- p:
	default: // a test that does not read; drop
	}
}

func (c *client) write(typ int, data []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.WriteMessage(typ, data)
}

func (c *client) send(pkt string) { c.write(websocket.TextMessage, []byte("4"+pkt)) }

// close closes the connection and waits for the reader.
func (c *client) close() {
	c.once.Do(func() { _ = c.conn.Close() })
	<-c.done
}

// join asks to join nsp and returns the socket id.
func (c *client) join(t testing.TB, nsp string, auth any) string {
	t.Helper()
	c.send(encodePacket('0', nsp, -1, auth))
	p := c.expect(t, "connect to "+nsp, func(p packet) bool { return p.nsp == nsp && (p.typ == '0' || p.typ == '4') })
	var v struct{ SID string }
	if p.typ != '0' || json.Unmarshal([]byte(p.data), &v) != nil || v.SID == "" {
		t.Fatalf("connect to %s: %v", nsp, p)
	}
	return v.SID
}

// call sends an event and waits for its acknowledgement.
func (c *client) call(t testing.TB, nsp, event string, args ...any) packet {
	t.Helper()
	id := int(c.ids.Add(1))
	c.send(encodePacket('2', nsp, id, append([]any{event}, args...)))
	return c.expect(t, fmt.Sprintf("ack %d", id), func(p packet) bool {
		return (p.typ == '3' || p.typ == '6') && p.nsp == nsp && p.id == id
	})
}

// expectEvent waits for event on nsp.
func (c *client) expectEvent(t testing.TB, nsp, event string) packet {
	t.Helper()
	return c.expect(t, "event "+event+" on "+nsp, func(p packet) bool {
		name, _ := p.event()
		return p.isEvent() && p.nsp == nsp && name == event
	})
}

// nextEvent returns the next event on nsp, queued or to come.
func (c *client) nextEvent(t testing.TB, nsp string) packet {
	t.Helper()
	return c.expect(t, "an event on "+nsp, func(p packet) bool { return p.isEvent() && p.nsp == nsp })
}

// expect returns the first packet, queued or to come, that match accepts.
func (c *client) expect(t testing.TB, what string, match func(packet) bool) packet {
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

// waitClosed waits until the server closes the connection.
func (c *client) waitClosed(t testing.TB) {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case p, ok := <-c.in:
			if !ok {
				return
			}
			c.backlog = append(c.backlog, p)
		case <-timer.C:
			t.Fatalf("the connection was not closed; received %v", c.backlog)
		}
	}
}

// parsePacket parses a Socket.IO packet's text; it returns the number of
// binary attachments announced.
func parsePacket(s string) (packet, int, error) {
	p := packet{nsp: "/", id: -1}
	if s == "" || s[0] < '0' || s[0] > '6' {
		return p, 0, fmt.Errorf("bad packet %q", s)
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

// encodePacket builds a Socket.IO packet's text.
func encodePacket(typ byte, nsp string, id int, data any) string {
	var b strings.Builder
	b.WriteByte(typ)
	if nsp != "" && nsp != "/" {
		b.WriteString(nsp + ",")
	}
	if id >= 0 {
		b.WriteString(strconv.Itoa(id))
	}
	if data != nil {
		j, err := json.Marshal(data)
		if err != nil {
			panic(err)
		}
		b.Write(j)
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// Helpers

// waitFor polls cond until it holds or the wait bound passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// argTexts returns each reply's arguments as compact JSON, sorted.
func argTexts(t testing.TB, replies []core.Args) []string {
	t.Helper()
	out := make([]string, 0, len(replies))
	for _, r := range replies {
		vals, err := r.Values()
		if err != nil {
			t.Fatalf("reply values: %v", err)
		}
		if vals == nil {
			vals = []any{}
		}
		b, _ := json.Marshal(vals)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}
