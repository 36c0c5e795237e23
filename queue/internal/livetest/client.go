// Package livetest runs real Socket.IO servers and clients for queue's
// tests and the conformance kit queue/queuetest: a Host serves a
// core.Server on httptest; a Client is a real websocket connection with
// the JSON parser (binary attachments included), several namespaces, and
// answers to the server's acknowledgement requests.
package livetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Wait bounds every wait of a Client; nothing sleeps to synchronise.
const Wait = 10 * time.Second

// Packet is a Socket.IO Packet as the Client receives it (JSON parser).
type Packet struct {
	Type byte   // '0'..'6'
	Nsp  string // the namespace
	ID   int    // the ack id, -1 when absent
	Data string // the JSON data, as received
	Att  [][]byte
}

// IsEvent reports whether p is an EVENT or BINARY_EVENT.
func (p Packet) IsEvent() bool { return p.Type == '2' || p.Type == '5' }

// Event returns the event name and arguments of an EVENT Packet.
func (p Packet) Event() (string, []json.RawMessage) {
	var a []json.RawMessage
	if json.Unmarshal([]byte(p.Data), &a) != nil || len(a) == 0 {
		return "", nil
	}
	var name string
	_ = json.Unmarshal(a[0], &name)
	return name, a[1:]
}

// ArgsText returns the event arguments as compact JSON.
func (p Packet) ArgsText() string {
	_, a := p.Event()
	if p.Type == '3' || p.Type == '6' {
		_ = json.Unmarshal([]byte(p.Data), &a)
	}
	if a == nil {
		a = []json.RawMessage{}
	}
	b, _ := json.Marshal(a)
	var buf bytes.Buffer
	_ = json.Compact(&buf, b)
	return buf.String()
}

// String describes p for test failures.
func (p Packet) String() string {
	s := string(p.Type) + p.Nsp + "," + p.Data
	if p.ID >= 0 {
		s += " id=" + strconv.Itoa(p.ID)
	}
	for _, a := range p.Att {
		s += fmt.Sprintf(" <%x>", a)
	}
	return s
}

// AckFunc answers an event the server sent with an ack id; ok false: no
// answer.
type AckFunc func(event string, args []json.RawMessage) (reply []any, ok bool)

// Client is a minimal Socket.IO client over a real WebSocket (JSON
// parser): it joins namespaces, sends events, answers the server's
// acknowledgement requests with its AckFunc and queues what it receives.
type Client struct {
	conn *websocket.Conn
	wmu  sync.Mutex
	in   chan Packet
	done chan struct{}
	ids  atomic.Int64
	acks atomic.Pointer[AckFunc]
	once sync.Once

	backlog []Packet // test goroutine only
}

// Dial opens a websocket connection to the Socket.IO server at base (its
// http:// URL and path, such as "http://127.0.0.1:8080/socket.io/") with
// the extra query (may be ""), and reads the Engine.IO open packet. The
// handshake carries the header X-Test: queue.
func Dial(t testing.TB, base, query string) *Client {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "?EIO=4&transport=websocket"
	if query != "" {
		u += "&" + query
	}
	conn, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"X-Test": {"queue"}})
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	resp.Body.Close()
	c := &Client{conn: conn, in: make(chan Packet, 1024), done: make(chan struct{})}
	typ, data, err := conn.ReadMessage()
	if err != nil || typ != websocket.TextMessage || len(data) == 0 || data[0] != '0' {
		_ = conn.Close()
		t.Fatalf("no open packet: %q %v", data, err)
	}
	go c.read()
	return c
}

// OnAck sets how the Client answers events asking for an acknowledgement.
func (c *Client) OnAck(fn AckFunc) { c.acks.Store(&fn) }

func (c *Client) read() {
	defer close(c.done)
	defer close(c.in)
	var pending *Packet
	natt := 0
	for {
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		if typ == websocket.BinaryMessage {
			if pending != nil {
				pending.Att = append(pending.Att, data)
				if len(pending.Att) == natt {
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

func (c *Client) deliver(p Packet) {
	if p.IsEvent() && p.ID >= 0 {
		if fn := c.acks.Load(); fn != nil {
			name, args := p.Event()
			if reply, ok := (*fn)(name, args); ok {
				c.Send(EncodePacket('3', p.Nsp, p.ID, reply))
			}
		}
	}
	select {
	case c.in <- p:
	default: // a test that does not read; drop
	}
}

func (c *Client) write(typ int, data []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.WriteMessage(typ, data)
}

// Send writes the Socket.IO packet text pkt (see EncodePacket).
func (c *Client) Send(pkt string) { c.write(websocket.TextMessage, []byte("4"+pkt)) }

// Close closes the connection and waits for the reader.
func (c *Client) Close() {
	c.once.Do(func() { _ = c.conn.Close() })
	<-c.done
}

// Join asks to join nsp and returns the socket id.
func (c *Client) Join(t testing.TB, nsp string, auth any) string {
	t.Helper()
	c.Send(EncodePacket('0', nsp, -1, auth))
	p := c.Expect(t, "connect to "+nsp, func(p Packet) bool { return p.Nsp == nsp && (p.Type == '0' || p.Type == '4') })
	var v struct{ SID string }
	if p.Type != '0' || json.Unmarshal([]byte(p.Data), &v) != nil || v.SID == "" {
		t.Fatalf("connect to %s: %v", nsp, p)
	}
	return v.SID
}

// Call sends an event and waits for its acknowledgement.
func (c *Client) Call(t testing.TB, nsp, event string, args ...any) Packet {
	t.Helper()
	id := int(c.ids.Add(1))
	c.Send(EncodePacket('2', nsp, id, append([]any{event}, args...)))
	return c.Expect(t, fmt.Sprintf("ack %d", id), func(p Packet) bool {
		return (p.Type == '3' || p.Type == '6') && p.Nsp == nsp && p.ID == id
	})
}

// ExpectEvent waits for event on nsp.
func (c *Client) ExpectEvent(t testing.TB, nsp, event string) Packet {
	t.Helper()
	return c.Expect(t, "event "+event+" on "+nsp, func(p Packet) bool {
		name, _ := p.Event()
		return p.IsEvent() && p.Nsp == nsp && name == event
	})
}

// NextEvent returns the next event on nsp, queued or to come.
func (c *Client) NextEvent(t testing.TB, nsp string) Packet {
	t.Helper()
	return c.Expect(t, "an event on "+nsp, func(p Packet) bool { return p.IsEvent() && p.Nsp == nsp })
}

// Expect returns the first Packet, queued or to come, that match accepts.
func (c *Client) Expect(t testing.TB, what string, match func(Packet) bool) Packet {
	t.Helper()
	for i, p := range c.backlog {
		if match(p) {
			c.backlog = append(c.backlog[:i], c.backlog[i+1:]...)
			return p
		}
	}
	timer := time.NewTimer(Wait)
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

// WaitClosed waits until the server closes the connection.
func (c *Client) WaitClosed(t testing.TB) {
	t.Helper()
	timer := time.NewTimer(Wait)
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

// parsePacket parses a Socket.IO Packet's text; it returns the number of
// binary attachments announced.
func parsePacket(s string) (Packet, int, error) {
	p := Packet{Nsp: "/", ID: -1}
	if s == "" || s[0] < '0' || s[0] > '6' {
		return p, 0, fmt.Errorf("bad Packet %q", s)
	}
	p.Type, s = s[0], s[1:]
	natt := 0
	if p.Type == '5' || p.Type == '6' {
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
			p.Nsp, s = s, ""
		} else {
			p.Nsp, s = s[:i], s[i+1:]
		}
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 {
		p.ID, _ = strconv.Atoi(s[:i])
		s = s[i:]
	}
	p.Data = s
	return p, natt, nil
}

// EncodePacket builds a Socket.IO Packet's text.
func EncodePacket(typ byte, nsp string, id int, data any) string {
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
