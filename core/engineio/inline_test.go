package engineio

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The open packet is written without encoding/json, byte for byte as
// encoding/json writes it.
func TestOpenPacketMatchesJSON(t *testing.T) {
	for _, opts := range []Options{{}, {DisableUpgrades: true}, {PingInterval: 1500 * time.Millisecond, PingTimeout: time.Second, MaxHTTPBufferSize: 12345}} {
		srv := New(opts)
		for _, id := range []string{"AbC-_09xyzAbC-_09xyz", "", `q"uo\te`, "<&>", "é", "a\x01b"} {
			for _, transport := range []string{TransportPolling, TransportWebSocket} {
				upgrades := []string{}
				if transport == TransportPolling && !opts.DisableUpgrades {
					upgrades = append(upgrades, TransportWebSocket)
				}
				want, _ := json.Marshal(handshake{SID: id, Upgrades: upgrades,
					PingInterval: srv.opts.PingInterval.Milliseconds(), PingTimeout: srv.opts.PingTimeout.Milliseconds(),
					MaxPayload: srv.opts.MaxHTTPBufferSize})
				m := srv.openMessage(id, transport)
				if got := string(m.frame); got != "0"+string(want) || string(m.data) != string(want) {
					t.Errorf("id %q on %s: %s, want 0%s", id, transport, got, want)
				}
			}
		}
	}
}

func TestTextFrame(t *testing.T) {
	m := TextFrame([]byte("?hello"))
	if string(m.frame) != "4hello" || string(m.data) != "hello" || m.binary {
		t.Errorf("frame %q data %q", m.frame, m.data)
	}
	// Invalid UTF-8 is replaced, as TextMessage replaces it.
	if m := TextFrame([]byte("?a\xffb")); string(m.frame) != "4a\uFFFDb" {
		t.Errorf("invalid UTF-8: %q", m.frame)
	}
}

// seqConn records the order of the reads and writes on a fake conn.
type seqConn struct {
	*fakeConn
	mu  sync.Mutex // guards log
	log []string
}

func (c *seqConn) note(s string) {
	c.mu.Lock()
	c.log = append(c.log, s)
	c.mu.Unlock()
}

func (c *seqConn) ReadMessage() (int, []byte, error) {
	c.note("read")
	return c.fakeConn.ReadMessage()
}

func (c *seqConn) WriteMessage(typ int, data []byte) error {
	if len(data) > 0 && data[0] == '0' {
		c.note("write open")
	} else {
		c.note("write " + string(data))
	}
	return c.fakeConn.WriteMessage(typ, data)
}

func (c *seqConn) events() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.log, ", ")
}

// A reply sent by the message callback is written by the reader before it
// reads again, and the open packet by the goroutine that serves the
// session: neither waits for a writer goroutine.
func TestReplyWrittenByTheReader(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingInterval: time.Hour})
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(data []byte, _ bool) { _ = s.Reply(TextMessage([]byte("re:" + string(data)))) })
	})
	ticket, resp := srv.PrepareWebSocket(testRequest(http.MethodGet, "EIO=4&transport=websocket", nil))
	if resp != nil {
		t.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
	}
	c := &seqConn{fakeConn: newFakeConn(16)}
	done := serveTicket(ticket, c)
	c.recv(t) // the open packet
	c.sendText("4a")
	if got := c.recvText(t); got != "4re:a" {
		t.Fatalf("reply %q", got)
	}
	c.sendText("4b")
	if got := c.recvText(t); got != "4re:b" {
		t.Fatalf("reply %q", got)
	}
	waitFor(t, "the third read", func() bool { return strings.Count(c.events(), "read") == 3 })
	if got, want := c.events(), "write open, read, write 4re:a, read, write 4re:b, read"; got != want {
		t.Errorf("events %s, want %s", got, want)
	}
	c.sendText("1")
	waitDone(t, done, "Serve")
}

// A message callback that releases the reader may wait for the client's
// next message; the session goes on (pongs, close) meanwhile, and Serve
// returns once the released callback has returned.
func TestReleaseReader(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingInterval: time.Hour})
	next := make(chan string, 1)
	release := make(chan struct{})
	returned := make(chan struct{})
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(data []byte, _ bool) {
			switch string(data) {
			case "wait":
				s.ReleaseReader()
				s.ReleaseReader() // no effect: released already
				msg := <-next
				_ = s.Reply(TextMessage([]byte("got " + msg)))
				<-release
				close(returned)
			default:
				next <- string(data)
			}
		})
	})
	c, done := serveWS(t, srv, "EIO=4&transport=websocket")
	c.recv(t)
	c.sendText("4wait")
	c.sendText("4x")
	if got := c.recvText(t); got != "4got x" {
		t.Fatalf("reply %q", got)
	}
	c.sendText("1") // the close, read by the reader that goes on
	waitFor(t, "the session to close", func() bool { return srv.Len() == 0 })
	select {
	case <-done:
		t.Fatal("Serve returned while the released callback runs")
	default:
	}
	close(release)
	<-returned
	waitDone(t, done, "Serve")
}

// ReleaseReader does nothing outside a message callback of the websocket
// reader.
func TestReleaseReaderOutsideCallback(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingInterval: time.Hour})
	rec := newRecorder(srv)
	rec.echo = true
	c, done := serveWS(t, srv, "EIO=4&transport=websocket")
	c.recv(t)
	sock := rec.conn(t)
	sock.ReleaseReader()
	c.sendText("4a")
	if got := c.recvText(t); got != "4a" {
		t.Fatalf("echo %q", got)
	}
	sock.mu.Lock()
	gen := sock.readerGen
	sock.mu.Unlock()
	if gen != 0 {
		t.Errorf("reader released %d times", gen)
	}
	c.sendText("1")
	waitDone(t, done, "Serve")
}
