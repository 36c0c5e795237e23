package engineio

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// What one client can make a session hold: control packets, the outbound
// queue in bytes, and text that is not UTF-8.

// A polling client that posts pongs but never collects its ping does not
// keep the session alive: only a pong that can answer the ping counts, so
// the session closes with "ping timeout" (and its queue, never drained,
// goes with it).
func TestPongBeforePingCollected(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingInterval: 30 * time.Millisecond, PingTimeout: 150 * time.Millisecond})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	rec.conn(t)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				p.post("3")
			}
		}
	}()
	ev := rec.closed(t)
	if ev.reason != ReasonPingTimeout {
		t.Errorf("closed with %s %v, want ping timeout", ev.reason, ev.err)
	}
}

// The heartbeat queues one ping at a time, whatever the client does: the
// queue of a client that never polls holds one control packet at most.
func TestOnePingQueued(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingInterval: 20 * time.Millisecond, PingTimeout: time.Hour})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	waitFor(t, "the first ping", func() bool {
		sock.mu.Lock()
		defer sock.mu.Unlock()
		return len(sock.queue) > 0
	})
	for range 20 {
		p.post("3") // too early: the ping is still queued
		time.Sleep(5 * time.Millisecond)
	}
	sock.mu.Lock()
	n := len(sock.queue)
	sock.mu.Unlock()
	if n != 1 {
		t.Errorf("%d packets queued, want the one ping", n)
	}
	// Collected, the ping is answered as usual.
	if recs := p.get(); len(recs) != 1 || recs[0] != "2" {
		t.Fatalf("GET: %q", recs)
	}
	p.mustPost("3")
	sock.mu.Lock()
	awaiting := sock.awaitingPong
	sock.mu.Unlock()
	if awaiting {
		t.Error("the pong of a collected ping did not count")
	}
}

// Noops and pongs from the client, in a loop, queue nothing; a probe
// outside an upgrade is a client ping, which closes the session.
func TestControlLoopsQueueNothing(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	body := strings.Repeat("6\x1e3\x1e", 500) + "6"
	for range 20 {
		p.mustPost(body)
	}
	sock.mu.Lock()
	n := len(sock.queue)
	sock.mu.Unlock()
	if n != 0 {
		t.Errorf("%d packets queued by noops and pongs", n)
	}
	if resp := p.post("2probe"); resp.Status != 400 {
		t.Errorf("2probe over polling: %d %s", resp.Status, resp.Body)
	}
	if ev := rec.closed(t); ev.reason != ReasonTransportError || !errors.Is(ev.err, ErrHeartbeatDirection) {
		t.Errorf("closed with %s %v", ev.reason, ev.err)
	}

	// The same on a websocket: noops are not answered, a probe closes.
	c, done := serveWS(t, srv, "EIO=4&transport=websocket")
	c.recv(t) // open
	rec.conn(t)
	for range 1000 {
		c.sendText("6")
	}
	c.sendText("2probe")
	if ev := rec.closed(t); ev.reason != ReasonTransportError || !errors.Is(ev.err, ErrHeartbeatDirection) {
		t.Errorf("websocket: closed with %s %v", ev.reason, ev.err)
	}
	if f := c.recv(t); f.closeCode() != closeProtocolError {
		t.Errorf("websocket: answered %v, want close 1002", f)
	}
	waitDone(t, done, "Serve")
	if n := c.writes.Load(); n != 2 {
		t.Errorf("%d frames written, want the open packet and the close frame", n)
	}
}

// The default byte bound stops a client that does not read long before
// the message bound would: 100 KB messages overflow after 4 MiB.
func TestQueueBytesDefault(t *testing.T) {
	srv, logs := newTestServer(t, Options{})
	rec := newRecorder(srv)
	openPoll(t, srv) // never polls again
	sock := rec.conn(t)
	big := TextMessage(bytes.Repeat([]byte("x"), 100_000))
	sent := 0
	for ; sent < 1000; sent++ {
		if err := sock.Send(big); err != nil {
			if !errors.Is(err, ErrQueueFull) {
				t.Fatalf("Send: %v", err)
			}
			break
		}
	}
	if want := DefaultMaxQueueBytes / 100_000; sent != want {
		t.Errorf("%d messages of 100 KB queued, want %d", sent, want)
	}
	if ev := rec.closed(t); ev.reason != ReasonTransportError || !errors.Is(ev.err, ErrQueueFull) {
		t.Errorf("closed with %s %v", ev.reason, ev.err)
	}
	if !strings.Contains(logs.String(), "outbound queue full, closing slow client") {
		t.Errorf("no log line: %s", logs)
	}
}

// A shared (broadcast) message counts once per queue that holds it; the
// drop policy keeps the session; an empty queue takes a message larger
// than the bound.
func TestQueueBytesShared(t *testing.T) {
	srv, _ := newTestServer(t, Options{MaxQueueBytes: 1000, QueueFull: QueueFullDrop})
	rec := newRecorder(srv)
	var socks []*Socket
	for range 3 {
		openPoll(t, srv)
		socks = append(socks, rec.conn(t))
	}
	m := TextMessage(bytes.Repeat([]byte("y"), 600))
	for i, s := range socks {
		if err := s.Send(m); err != nil {
			t.Fatalf("session %d: first send: %v", i, err)
		}
	}
	for i, s := range socks {
		if err := s.Send(m); !errors.Is(err, ErrQueueFull) {
			t.Errorf("session %d: second send: %v, want ErrQueueFull (1200 bytes > 1000)", i, err)
		}
		if err := s.Send(TextMessage(make([]byte, 300))); err != nil {
			t.Errorf("session %d: 300 more bytes: %v", i, err)
		}
	}
	huge := TextMessage(bytes.Repeat([]byte("z"), 5000))
	p, _ := openPoll(t, srv)
	s := rec.conn(t)
	if err := s.Send(huge); err != nil {
		t.Errorf("empty queue refused a large message: %v", err)
	}
	if recs := p.get(); len(recs) != 1 || len(recs[0]) != 5001 {
		t.Errorf("GET: %d records", len(recs))
	}
	for _, s := range socks {
		select {
		case <-s.Done():
			t.Error("the drop policy closed a session")
		default:
		}
	}
}

// A polling payload that is not valid UTF-8 is a parse error, as a
// websocket text frame is: 400, the session closed, one log line.
func TestPollingInvalidUTF8(t *testing.T) {
	for _, body := range []string{"4\xff", "4ok\x1e4caf\xc3", "bAQID\x1e4\xed\xa0\x80"} {
		srv, logs := newTestServer(t, Options{})
		rec := newRecorder(srv)
		p, _ := openPoll(t, srv)
		rec.conn(t)
		if resp := p.post(body); resp.Status != 400 {
			t.Errorf("POST %q: %d %s", body, resp.Status, resp.Body)
		}
		ev := rec.closed(t)
		if ev.reason != ReasonParseError || !errors.Is(ev.err, ErrInvalidPacket) {
			t.Errorf("POST %q: closed with %s %v", body, ev.reason, ev.err)
		}
		select {
		case m := <-rec.msgs:
			t.Errorf("POST %q: message %q delivered", body, m.data)
		default:
		}
		if n := strings.Count(logs.String(), "level=INFO"); n != 1 || !strings.Contains(logs.String(), "not valid UTF-8") {
			t.Errorf("POST %q: %d info lines: %s", body, n, logs)
		}
	}
}

// The server never writes invalid UTF-8 as text: TextMessage replaces each
// run of invalid bytes with U+FFFD, on both transports.
func TestTextMessageValidUTF8(t *testing.T) {
	m := TextMessage([]byte("a\xffb\xc3(c\xed\xa0\x80"))
	if !utf8.Valid(m.Data()) || !utf8.Valid(m.frame) {
		t.Fatalf("TextMessage kept invalid UTF-8: %q", m.Data())
	}
	if got, want := string(m.Data()), "a\uFFFDb\uFFFD(c\uFFFD"; got != want {
		t.Errorf("data %q, want %q", got, want)
	}
	valid := []byte("héllo ✓")
	if got := TextMessage(valid).Data(); !bytes.Equal(got, valid) {
		t.Errorf("valid text changed: %q", got)
	}

	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	c, _ := serveWS(t, srv, "EIO=4&transport=websocket")
	c.recv(t) // open
	if err := rec.conn(t).SendText("raw \xfe\xff bytes"); err != nil {
		t.Fatal(err)
	}
	if f := c.recv(t); f.typ != wsText || string(f.data) != "4raw \uFFFD bytes" {
		t.Errorf("websocket frame %v", f)
	}
	p, _ := openPoll(t, srv)
	if err := rec.conn(t).SendText("\x80"); err != nil {
		t.Fatal(err)
	}
	if recs := p.get(); len(recs) != 1 || recs[0] != "4\uFFFD" {
		t.Errorf("polling records %q", recs)
	}
}
