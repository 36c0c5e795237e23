// Package floor is the benchmark floor: a raw gorilla/websocket server that
// speaks just enough of Engine.IO v4 / Socket.IO v5 over websocket to satisfy
// the benchmark contract (open packet, CONNECT reply, pings, the "echo" ack
// and the "bcast" broadcast of one prepared frame). It has no long-polling,
// no namespaces but "/", no rooms and no binary packets; what a real server
// does beyond this is what the floor does not pay for.
package floor

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// New returns the floor server's handler (mount it at the Engine.IO path)
// and starts its heartbeat, which pings every client each pingInterval.
func New(pingInterval, pingTimeout time.Duration) http.Handler {
	s := &server{
		hub: hub{conns: make(map[*conn]struct{})},
		upgrader: websocket.Upgrader{
			// Read buffer 0: reuse the HTTP server's; writes borrow from a pool.
			WriteBufferPool: &sync.Pool{},
			CheckOrigin:     func(*http.Request) bool { return true },
		},
		pingInterval: pingInterval,
		pingTimeout:  pingTimeout,
		open:         []byte(`0{"sid":"`),
		openSuffix: []byte(fmt.Sprintf(`","upgrades":[],"pingInterval":%d,"pingTimeout":%d,"maxPayload":1000000}`,
			pingInterval.Milliseconds(), pingTimeout.Milliseconds())),
	}
	go s.heartbeat()
	return s
}

const writeWait = 10 * time.Second

// conn is one websocket client.
type conn struct {
	ws       *websocket.Conn
	mu       sync.Mutex // serialises writes (gorilla allows one writer)
	lastRead atomic.Int64
	joined   bool // joined "/"; touched only by the conn's reader goroutine
}

func (c *conn) write(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

func (c *conn) writePrepared(pm *websocket.PreparedMessage) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
	return c.ws.WritePreparedMessage(pm)
}

// hub is the set of clients joined to "/".
type hub struct {
	mu    sync.RWMutex // guards conns
	conns map[*conn]struct{}
}

func (h *hub) add(c *conn)    { h.mu.Lock(); h.conns[c] = struct{}{}; h.mu.Unlock() }
func (h *hub) remove(c *conn) { h.mu.Lock(); delete(h.conns, c); h.mu.Unlock() }

func (h *hub) snapshot(buf []*conn) []*conn {
	h.mu.RLock()
	for c := range h.conns {
		buf = append(buf, c)
	}
	h.mu.RUnlock()
	return buf
}

// snapshots recycles the recipient lists of broadcasts.
var snapshots = sync.Pool{New: func() any { return new([]*conn) }}

// broadcast writes one prepared frame to every joined client.
func (h *hub) broadcast(frame []byte) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, frame)
	if err != nil {
		return
	}
	sp := snapshots.Get().(*[]*conn)
	list := h.snapshot((*sp)[:0])
	for _, c := range list {
		if err := c.writePrepared(pm); err != nil {
			_ = c.ws.Close()
		}
	}
	clear(list)
	*sp = list[:0]
	snapshots.Put(sp)
}

// server is the floor's http.Handler.
type server struct {
	hub          hub
	upgrader     websocket.Upgrader
	pingInterval time.Duration
	pingTimeout  time.Duration
	open         []byte // open packet prefix up to the sid
	openSuffix   []byte
}

func newSID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("EIO") != "4" || q.Get("transport") != "websocket" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"code":0,"message":"Transport unknown"}`))
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &conn{ws: ws}
	c.lastRead.Store(time.Now().UnixNano())
	defer func() {
		if c.joined {
			s.hub.remove(c)
		}
		_ = ws.Close()
	}()
	open := make([]byte, 0, len(s.open)+20+len(s.openSuffix))
	open = append(append(append(open, s.open...), newSID()...), s.openSuffix...)
	if c.write(open) != nil {
		return
	}
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		c.lastRead.Store(time.Now().UnixNano())
		if !s.handle(c, msg) {
			return
		}
	}
}

var (
	echoPrefix  = []byte(`["echo"`)
	bcastPrefix = []byte(`["bcast"`)
)

// handle processes one Engine.IO packet; false closes the connection.
func (s *server) handle(c *conn, msg []byte) bool {
	if len(msg) == 0 {
		return true
	}
	switch msg[0] {
	case '3': // pong
		return true
	case '1': // close
		return false
	case '4':
	default:
		return true
	}
	p := msg[1:]
	if len(p) == 0 {
		return true
	}
	switch p[0] {
	case '0': // CONNECT "/" (optionally with auth payload)
		if len(p) > 1 && p[1] != '{' {
			return c.write([]byte(`44{"message":"Invalid namespace"}`)) == nil
		}
		if !c.joined {
			c.joined = true
			s.hub.add(c)
		}
		return c.write([]byte(`40{"sid":"`+newSID()+`"}`)) == nil
	case '1': // DISCONNECT
		if c.joined {
			c.joined = false
			s.hub.remove(c)
		}
		return true
	case '2': // EVENT
	default:
		return true
	}
	if !c.joined {
		return true
	}
	// 2<id>[...]
	i := 1
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	id, data := p[1:i], p[i:]
	switch {
	case bytes.HasPrefix(data, echoPrefix):
		if len(id) == 0 {
			return true
		}
		rest := data[len(echoPrefix):] // "]" or ",args...]"
		ack := make([]byte, 0, 3+len(id)+len(rest))
		ack = append(append(append(ack, "43"...), id...), '[')
		if len(rest) > 0 && rest[0] == ',' {
			ack = append(ack, rest[1:]...)
		} else {
			ack = append(ack, ']')
		}
		return c.write(ack) == nil
	case bytes.HasPrefix(data, bcastPrefix):
		frame := make([]byte, 0, 2+len(data))
		frame = append(append(frame, "42"...), data...)
		s.hub.broadcast(frame)
		if len(id) > 0 {
			return c.write(append(append([]byte("43"), id...), "[]"...)) == nil
		}
	}
	return true
}

// heartbeat pings every client each interval and drops the silent ones.
func (s *server) heartbeat() {
	ping := []byte("2")
	t := time.NewTicker(s.pingInterval)
	defer t.Stop()
	var buf []*conn
	for range t.C {
		limit := time.Now().Add(-s.pingInterval - s.pingTimeout).UnixNano()
		buf = s.hub.snapshot(buf[:0])
		for _, c := range buf {
			if c.lastRead.Load() < limit || c.write(ping) != nil {
				_ = c.ws.Close()
			}
		}
	}
}
