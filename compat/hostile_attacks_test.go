package compat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketio-go/sio/core/engineio"
)

// TestHostile runs every attack of the hostile-client suite (see
// hostile_test.go) against the net/http and Fiber adapters.
func TestHostile(t *testing.T) {
	for _, host := range []string{"std", "fiber"} {
		t.Run(host, func(t *testing.T) {
			e := startHostile(t, host)
			n := hostileScale()
			e.attack(t, "ping-flood-websocket", func(t *testing.T) { e.pingFloodWebSocket(t, 300*n) })
			e.attack(t, "ping-flood-polling", func(t *testing.T) { e.pingFloodPolling(t, 300*n) })
			e.attack(t, "pongs-without-polling", e.pongsWithoutPolling)
			e.attack(t, "noop-and-probe-loops", e.controlLoops)
			e.attack(t, "slow-reader", func(t *testing.T) { e.slowReader(t, 500*n) })
			e.attack(t, "partial-binary-bytes", func(t *testing.T) { e.partialBinary(t, 10*n) })
			e.attack(t, "partial-binary-timeout", e.partialTimeout)
			e.attack(t, "invalid-utf8-input", e.invalidUTF8Input)
			e.attack(t, "invalid-utf8-relayed", e.invalidUTF8Relayed)
			e.attack(t, "static-traversal", func(t *testing.T) { e.staticTraversal(t, 300*n) })
			e.attack(t, "quota-sessions", func(t *testing.T) { e.quotaSessions(t, 200*n) })
			e.attack(t, "quota-handshake-rate", e.quotaRate)
			e.attack(t, "event-flood", func(t *testing.T) { e.eventFlood(t, 2000*n) })
			e.attack(t, "slow-requests", func(t *testing.T) { e.slowRequests(t, 100*n) })
		})
	}
}

// --- attackers' clients ---

// ws opens a websocket as client address xff, reads the open packet and,
// with connect, joins "/".
func (e *hostileEnv) ws(t *testing.T, xff string, connect bool) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	c, resp, err := d.Dial("ws://"+e.host+"/socket.io/?EIO=4&transport=websocket", http.Header{"X-Forwarded-For": {xff}})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("websocket as %s: %v (HTTP %d)", xff, err, status)
	}
	t.Cleanup(func() { c.Close() })
	if got := read(t, c); !strings.HasPrefix(got, "0{") {
		t.Fatalf("open packet %q", got)
	}
	if connect {
		if err := c.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
			t.Fatal(err)
		}
		for got := read(t, c); !strings.HasPrefix(got, "40"); got = read(t, c) {
		}
	}
	return c
}

// request sends one HTTP request as client address xff and returns its
// status and body.
func (e *hostileEnv) request(method, query, body, xff string) (int, http.Header, string, error) {
	req, err := http.NewRequest(method, e.url+"/socket.io/?"+query, strings.NewReader(body))
	if err != nil {
		return 0, nil, "", err
	}
	req.Header.Set("X-Forwarded-For", xff)
	resp, err := hostileHTTP.RoundTrip(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), nil
}

// poll opens a polling session as xff and returns its id.
func (e *hostileEnv) poll(t *testing.T, xff string) string {
	t.Helper()
	status, _, body, err := e.request(http.MethodGet, "EIO=4&transport=polling", "", xff)
	if err != nil || status != 200 {
		t.Fatalf("handshake as %s: %d %q %v", xff, status, body, err)
	}
	var hs struct{ SID string }
	if err := json.Unmarshal([]byte(strings.TrimPrefix(body, "0")), &hs); err != nil {
		t.Fatalf("handshake %q: %v", body, err)
	}
	return hs.SID
}

func (e *hostileEnv) post(sid, body, xff string) int {
	status, _, _, err := e.request(http.MethodPost, "EIO=4&transport=polling&sid="+sid, body, xff)
	if err != nil {
		return 0
	}
	return status
}

// --- the attacks ---

// Client pings of 100 KB that the server would answer with pongs of 100
// KB, to a websocket that is never read: the first ping closes the
// session ("transport error": invalid heartbeat direction).
func (e *hostileEnv) pingFloodWebSocket(t *testing.T, count int) {
	xff := "203.0.113.1"
	c := e.ws(t, xff, false)
	ping := append([]byte("2"), bytes.Repeat([]byte("p"), 100_000)...)
	for range count {
		_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if c.WriteMessage(websocket.TextMessage, ping) != nil {
			break
		}
	}
	e.waitClosed(t, xff, 1, engineio.ReasonTransportError, 10*time.Second)
}

// The same over polling: POSTs of pings, never a GET.
func (e *hostileEnv) pingFloodPolling(t *testing.T, count int) {
	xff := "203.0.113.2"
	sid := e.poll(t, xff)
	ping := "2" + strings.Repeat("p", 100_000)
	for range count {
		if e.post(sid, ping, xff) != 200 {
			break
		}
	}
	e.waitClosed(t, xff, 1, engineio.ReasonTransportError, 10*time.Second)
}

// A polling client that never polls but posts a pong every 200 ms, to
// keep a session whose queue is never drained: the pongs do not answer a
// ping it never collected, and the session closes with "ping timeout".
func (e *hostileEnv) pongsWithoutPolling(t *testing.T) {
	xff := "203.0.113.3"
	sid := e.poll(t, xff)
	deadline := time.Now().Add(12 * time.Second)
	for time.Now().Before(deadline) && e.post(sid, "3", xff) == 200 {
		time.Sleep(200 * time.Millisecond)
	}
	e.waitClosed(t, xff, 1, engineio.ReasonPingTimeout, time.Second)
}

// Noops by the thousand on both transports hold nothing; a probe outside
// an upgrade is a client ping, which closes the session.
func (e *hostileEnv) controlLoops(t *testing.T) {
	xff := "203.0.113.4"
	c := e.ws(t, xff, false)
	for range 20_000 {
		if c.WriteMessage(websocket.TextMessage, []byte("6")) != nil {
			t.Fatal("a noop closed the websocket")
		}
	}
	_ = c.WriteMessage(websocket.TextMessage, []byte("2probe"))
	sid := e.poll(t, xff)
	noops := strings.Repeat("6\x1e", 1000) + "6"
	for range 20 {
		if status := e.post(sid, noops, xff); status != 200 {
			t.Fatalf("noops over polling: %d", status)
		}
	}
	if status := e.post(sid, "2probe", xff); status != 400 {
		t.Errorf("2probe over polling: %d, want 400", status)
	}
	e.waitClosed(t, xff, 2, engineio.ReasonTransportError, 10*time.Second)
}

// A client that asks for many 100 KB messages and never reads them: the
// outbound queue's byte bound closes it ("transport error").
func (e *hostileEnv) slowReader(t *testing.T, count int) {
	xff := "203.0.113.5"
	c := e.ws(t, xff, true)
	if err := c.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`42["pull",%d,100000]`, count))); err != nil {
		t.Fatal(err)
	}
	e.waitClosed(t, xff, 1, engineio.ReasonTransportError, 20*time.Second)
}

// Clients that announce 5 attachments of 900 KB and send 4: the bytes a
// packet holds are bounded by MaxHTTPBufferSize ("parse error").
func (e *hostileEnv) partialBinary(t *testing.T, clients int) {
	att := bytes.Repeat([]byte{0xAB}, 900_000)
	header := `455-["up"` + strings.Repeat(`,{"_placeholder":true,"num":0}`, 5) + `]`
	var wg sync.WaitGroup
	for i := range clients {
		xff := fmt.Sprintf("203.0.114.%d", i+1)
		c := e.ws(t, xff, true)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.WriteMessage(websocket.TextMessage, []byte(header)) != nil {
				return
			}
			for range 4 {
				_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
				if c.WriteMessage(websocket.BinaryMessage, att) != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := range clients {
		e.waitClosed(t, fmt.Sprintf("203.0.114.%d", i+1), 1, engineio.ReasonParseError, 10*time.Second)
	}
}

// A packet whose second attachment never comes: closed after
// AttachmentTimeout ("parse error").
func (e *hostileEnv) partialTimeout(t *testing.T) {
	xff := "203.0.113.7"
	c := e.ws(t, xff, true)
	_ = c.WriteMessage(websocket.TextMessage, []byte(`452-["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`))
	_ = c.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
	start := time.Now()
	e.waitClosed(t, xff, 1, engineio.ReasonParseError, 10*time.Second)
	if d := time.Since(start); d < time.Second {
		t.Errorf("closed after %v, before the attachment timeout", d)
	}
}

// Text that is not UTF-8, in an event a handler relays raw to the control
// clients, over both transports: refused on input (1007, 400; "parse
// error"), so nothing reaches the controls.
func (e *hostileEnv) invalidUTF8Input(t *testing.T) {
	xff := "203.0.113.8"
	c := e.ws(t, xff, true)
	_ = c.WriteMessage(websocket.TextMessage, []byte("42[\"bcast\",\"caf\xe9\"]"))
	wantCloseCode(t, "websocket", closeError(t, c), websocket.CloseInvalidFramePayloadData)
	sid := e.poll(t, xff)
	e.post(sid, "40", xff)
	if status := e.post(sid, "42[\"bcast\",\"caf\xe9\"]", xff); status != 400 {
		t.Errorf("polling: %d, want 400", status)
	}
	e.waitClosed(t, xff, 2, engineio.ReasonParseError, 10*time.Second)
	for _, ctl := range e.controls {
		if ctl.sawEvent(`"bcast"`) {
			t.Errorf("control client (%s) received the relayed event", ctl.transport)
		}
	}
}

// A handler relays raw bytes (not UTF-8) as a JSON string to the control
// clients: the server writes them with U+FFFD, and the controls' ws and
// XHR connections survive.
func (e *hostileEnv) invalidUTF8Relayed(t *testing.T) {
	xff := "203.0.113.9"
	c := e.ws(t, xff, true)
	_ = c.WriteMessage(websocket.TextMessage, []byte(`451-["relay",{"_placeholder":true,"num":0}]`))
	_ = c.WriteMessage(websocket.BinaryMessage, []byte("ok \xff\xfe"))
	deadline := time.Now().Add(10 * time.Second)
	for _, ctl := range e.controls {
		for !ctl.sawEvent("ok \uFFFD") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if !ctl.sawEvent("ok \uFFFD") {
			t.Errorf("control client (%s) did not receive the relayed text with U+FFFD", ctl.transport)
		}
	}
}

// Traversal attempts on a static folder: 403 for every way out of the
// folder (.., encoded, a link that leads out), 404 for its siblings.
func (e *hostileEnv) staticTraversal(t *testing.T, count int) {
	cases := []struct {
		path string
		code int
	}{
		{"/pub/../pub_private.txt", 403}, {"/pub/%2e%2e/secret.txt", 403}, {"/pub/..%2fsecret.txt", 403},
		{"/pub/..%5csecret.txt", 403}, {"/pub/link.txt", 403}, {"/pub_private.txt", 404}, {"/pub/", 200},
	}
	for i := range count {
		c := cases[i%len(cases)]
		req, _ := http.NewRequest(http.MethodGet, e.url+c.path, nil)
		resp, err := hostileHTTP.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code || bytes.Contains(b, []byte("SECRET")) || bytes.Contains(b, []byte("PRIVATE")) {
			t.Fatalf("GET %s: %d %q, want %d", c.path, resp.StatusCode, b, c.code)
		}
	}
}

// Handshakes by the hundred from one address: MaxSessionsPerAddress
// (20) are accepted, the others refused with 429 and the Engine.IO error
// body, each seen by the Refused observer.
func (e *hostileEnv) quotaSessions(t *testing.T, count int) {
	xff := "203.0.113.10"
	ok := 0
	for range count {
		status, _, body, err := e.request(http.MethodGet, "EIO=4&transport=polling", "", xff)
		switch {
		case err != nil:
			t.Fatal(err)
		case status == 200:
			ok++
		case status != http.StatusTooManyRequests || !strings.HasPrefix(body, `{"code":4,"message":"Too many`):
			t.Fatalf("refusal: %d %q", status, body)
		}
	}
	if ok != 20 {
		t.Errorf("%d sessions accepted from one address, want 20", ok)
	}
	if got := e.refused(xff); len(got) != count-ok || len(got) > 0 && !strings.Contains(got[0], "quota: Too many sessions from this address") {
		t.Errorf("Refused observer: %d refusals (%q), want %d", len(got), got[:min(1, len(got))], count-ok)
	}
}

// Handshakes at full speed for a second, each session closed at once: the
// handshake rate (burst 20, 10/s) bounds them, the refusals say when to
// retry.
func (e *hostileEnv) quotaRate(t *testing.T) {
	xff := "203.0.113.11"
	ok, refused := 0, 0
	start := time.Now()
	for time.Since(start) < time.Second {
		status, h, body, err := e.request(http.MethodGet, "EIO=4&transport=polling", "", xff)
		if err != nil {
			t.Fatal(err)
		}
		if status == 200 {
			ok++
			var hs struct{ SID string }
			_ = json.Unmarshal([]byte(strings.TrimPrefix(body, "0")), &hs)
			e.post(hs.SID, "1", xff)
			continue
		}
		refused++
		if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
			t.Fatalf("refusal: %d %q, Retry-After %q", status, body, h.Get("Retry-After"))
		}
	}
	if max := 20 + int(10*time.Since(start).Seconds()) + 1; ok > max || refused == 0 {
		t.Errorf("%d handshakes accepted in %v (at most %d), %d refused", ok, time.Since(start), max, refused)
	}
}

// Events by the thousand from one socket: the event rate limit (burst 200,
// 100/s, policy disconnect) closes its connection.
func (e *hostileEnv) eventFlood(t *testing.T, count int) {
	xff := "203.0.113.12"
	c := e.ws(t, xff, true)
	for range count {
		if c.WriteMessage(websocket.TextMessage, []byte(`42["spam"]`)) != nil {
			break
		}
	}
	e.waitClosed(t, xff, 1, engineio.ReasonForcedClose, 10*time.Second)
	if !strings.Contains(e.logs.String(), `reason="event rate limit exceeded"`) {
		t.Error(`no log line with reason="event rate limit exceeded"`)
	}
}

// Slow requests: clients that never finish their headers, one that
// trickles a POST body, cut off by the host's read timeouts (1 s for the
// headers and 2 s in all on net/http, 2 s on Fiber); a long-poll that
// waits longer than those for its ping is not.
func (e *hostileEnv) slowRequests(t *testing.T, clients int) {
	xff := "203.0.113.13"
	sid := e.poll(t, xff)
	polled := make(chan string, 1)
	go func() {
		status, _, body, err := e.request(http.MethodGet, "EIO=4&transport=polling&sid="+sid, "", xff)
		polled <- fmt.Sprintf("%d %q %v", status, body, err)
	}()
	var wg sync.WaitGroup
	var cut atomic.Int64
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := slowHeaders(e.host, 10*time.Second); err != nil {
				t.Error(err)
				return
			}
			cut.Add(1)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := slowBody(e.host, sid, 10*time.Second); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	if got := cut.Load(); got != int64(clients) {
		t.Errorf("%d of %d slow clients cut off", got, clients)
	}
	select {
	case got := <-polled:
		if got != `200 "2" <nil>` {
			t.Errorf("long-poll answered %s, want its ping", got)
		}
	case <-time.After(10 * time.Second):
		t.Error("the long-poll did not end")
	}
}

// slowBody posts to a polling session a body that announces 100,000 bytes
// and sends 10 every 200 ms; it returns once the server closes the
// connection, or an error after limit.
func slowBody(host, sid string, limit time.Duration) error {
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	head := "POST /socket.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: " + host +
		"\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
	if _, err := c.Write([]byte(head)); err != nil {
		return err
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = io.Copy(io.Discard, c)
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(limit)
	for {
		select {
		case <-closed:
			return nil
		case <-tick.C:
			if _, err := c.Write([]byte("4aaaaaaaaa")); err != nil && !errors.Is(err, net.ErrClosed) {
				<-closed
				return nil
			}
		case <-deadline:
			return fmt.Errorf("a POST body sent 50 bytes a second still read after %v", limit)
		}
	}
}
