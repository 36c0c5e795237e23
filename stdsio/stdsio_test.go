package stdsio_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/stdsio"
)

func TestErrorAnswers(t *testing.T) {
	e := newEnv(t, engineio.Options{AllowRequest: func(r *engineio.Request) error {
		if r.Query.Get("deny") != "" {
			return errors.New("not you")
		}
		return nil
	}})
	tests := []struct {
		name, method, query string
		status              int
		body                string
	}{
		{"no transport", "GET", "EIO=4", 400, `{"code":0,"message":"Transport unknown"}`},
		{"unknown transport", "GET", "EIO=4&transport=flying", 400, `{"code":0,"message":"Transport unknown"}`},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=abc", 400, `{"code":1,"message":"Session ID unknown"}`},
		{"unknown sid POST", "POST", "EIO=4&transport=polling&sid=abc", 400, `{"code":1,"message":"Session ID unknown"}`},
		{"POST handshake", "POST", "EIO=4&transport=polling", 400, `{"code":2,"message":"Bad handshake method"}`},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", 400, `{"code":3,"message":"Bad request"}`},
		{"forbidden", "GET", "EIO=4&transport=polling&deny=1", 403, `{"code":4,"message":"not you"}`},
		{"EIO 3", "GET", "EIO=3&transport=polling", 400, `{"code":5,"message":"Unsupported protocol version"}`},
		{"EIO 5", "GET", "EIO=5&transport=polling", 400, `{"code":5,"message":"Unsupported protocol version"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := ""
			if tt.method == "POST" {
				body = "4x"
			}
			resp, got := e.do(tt.method, tt.query, body, nil)
			if resp.StatusCode != tt.status || got != tt.body || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("got %d %s (%s), want %d %s", resp.StatusCode, got, resp.Header.Get("Content-Type"), tt.status, tt.body)
			}
		})
	}
	// Refused websocket requests are plain HTTP answers, not failed
	// upgrades.
	wsTests := []struct {
		name, query string
		status      int
		body        string
	}{
		{"unknown sid", "EIO=4&transport=websocket&sid=abc", 400, `{"code":1,"message":"Session ID unknown"}`},
		{"forbidden", "EIO=4&transport=websocket&deny=1", 403, `{"code":4,"message":"not you"}`},
		{"EIO 3", "EIO=3&transport=websocket", 400, `{"code":5,"message":"Unsupported protocol version"}`},
		{"polling transport", "EIO=4&transport=polling", 400, `{"code":0,"message":"Transport unknown"}`},
	}
	for _, tt := range wsTests {
		t.Run("websocket "+tt.name, func(t *testing.T) {
			_, resp, err := e.dial(tt.query, nil)
			if err == nil || resp == nil {
				t.Fatalf("dial: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || string(body) != tt.body {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, tt.status, tt.body)
			}
		})
	}
	if e.srv.Len() != 0 {
		t.Errorf("%d sessions", e.srv.Len())
	}
}

var handshakeRE = regexp.MustCompile(`^0\{"sid":"[A-Za-z0-9_-]{20}","upgrades":(\[[^]]*\]),"pingInterval":(\d+),"pingTimeout":(\d+),"maxPayload":(\d+)\}$`)

func TestHandshake(t *testing.T) {
	e := newEnv(t, engineio.Options{PingInterval: 1500 * time.Millisecond, PingTimeout: 1200 * time.Millisecond, MaxHTTPBufferSize: 5000})
	resp, body := e.do("GET", "EIO=4&transport=polling", "", nil)
	m := handshakeRE.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil || m[1] != `["websocket"]` || m[2] != "1500" || m[3] != "1200" || m[4] != "5000" {
		t.Errorf("polling handshake %d %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	c := e.mustDial("EIO=4&transport=websocket")
	open := readText(t, c)
	m = handshakeRE.FindStringSubmatch(open)
	if m == nil || m[1] != "[]" {
		t.Errorf("websocket handshake %q", open)
	}
	if s := e.srv.Socket(sidOf(t, open)); s == nil || s.Transport() != "websocket" {
		t.Error("no websocket session")
	}
}

func TestPolling(t *testing.T) {
	e := newEnv(t, engineio.Options{}, withEcho())
	sid, _ := e.handshake()
	sock := e.conn()
	// Several packets in one POST, text and base64 binary…
	e.post(sid, "4one\x1ebAAEC/w==\x1e4two\x1e4three")
	for _, want := range []msgEvent{{"one", false}, {"\x00\x01\x02\xff", true}, {"two", false}, {"three", false}} {
		if got := e.msg(); got != want {
			t.Errorf("message %+v, want %+v", got, want)
		}
	}
	// … are echoed in one GET, in order, binary as base64.
	if got, want := e.get(sid), []string{"4one", "bAAEC/w==", "4two", "4three"}; !equal(got, want) {
		t.Errorf("GET %q, want %q", got, want)
	}
	// A pending GET returns when a message is sent.
	got := make(chan []string)
	go func() { got <- e.get(sid) }()
	waitFor(t, "pending GET", sock.Writable)
	_ = sock.SendBinary([]byte("bin"))
	if recs := <-got; !equal(recs, []string{"b" + base64.StdEncoding.EncodeToString([]byte("bin"))}) {
		t.Errorf("GET %q", recs)
	}
}

func TestPostTooLarge(t *testing.T) {
	e := newEnv(t, engineio.Options{MaxHTTPBufferSize: 100})
	sid, recs := e.handshake()
	if !strings.HasSuffix(recs[0], `"maxPayload":100}`) {
		t.Errorf("open %s", recs[0])
	}
	e.post(sid, "4"+strings.Repeat("x", 99)) // exactly 100 bytes
	resp, body := e.do("POST", "EIO=4&transport=polling&sid="+sid, "4"+strings.Repeat("x", 100), nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || body != "" {
		t.Errorf("status %d %q", resp.StatusCode, body)
	}
	if ev := e.closed(); ev.reason != engineio.ReasonTransportError {
		t.Errorf("closed with %s", ev.reason)
	}
	if !strings.Contains(e.logs.String(), `err="engineio: message larger than MaxHTTPBufferSize"`) {
		t.Errorf("log %s", e.logs)
	}
}

func TestWebSocketFrameTooLarge(t *testing.T) {
	e := newEnv(t, engineio.Options{MaxHTTPBufferSize: 100})
	c := e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	writeText(t, c, "4"+strings.Repeat("x", 99))
	if m := e.msg(); len(m.data) != 99 {
		t.Errorf("message of %d bytes", len(m.data))
	}
	if err := c.WriteMessage(websocket.BinaryMessage, make([]byte, 101)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Errorf("read: %v", err)
	}
	if ev := e.closed(); ev.reason != engineio.ReasonTransportError {
		t.Errorf("closed with %s %v", ev.reason, ev.err)
	}
}

func TestOverlappingPolls(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	sid, _ := e.handshake()
	sock := e.conn()
	first := make(chan []string)
	go func() { first <- e.get(sid) }()
	waitFor(t, "pending GET", sock.Writable)
	resp, body := e.do("GET", "EIO=4&transport=polling&sid="+sid, "", nil)
	if resp.StatusCode != 400 || body != `{"code":3,"message":"Bad request"}` {
		t.Errorf("overlapping GET: %d %s", resp.StatusCode, body)
	}
	if recs := <-first; !equal(recs, []string{"1"}) {
		t.Errorf("first GET %q", recs)
	}
	if ev := e.closed(); ev.reason != engineio.ReasonTransportError {
		t.Errorf("closed with %s", ev.reason)
	}
	if resp, _ := e.do("GET", "EIO=4&transport=polling&sid="+sid, "", nil); resp.StatusCode != 400 {
		t.Errorf("GET after: %d", resp.StatusCode)
	}
}

func TestOverlappingPosts(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	sid, _ := e.handshake()
	sock := e.conn()
	inHandler, release := make(chan struct{}), make(chan struct{})
	sock.OnMessage(func([]byte, bool) {
		close(inHandler)
		<-release
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.do("POST", "EIO=4&transport=polling&sid="+sid, "4slow", nil)
	}()
	<-inHandler
	resp, body := e.do("POST", "EIO=4&transport=polling&sid="+sid, "4x", nil)
	if resp.StatusCode != 400 {
		t.Errorf("overlapping POST: %d %s", resp.StatusCode, body)
	}
	close(release)
	<-done
	if ev := e.closed(); ev.reason != engineio.ReasonTransportError {
		t.Errorf("closed with %s", ev.reason)
	}
}

func TestOriginRefused(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	evil := http.Header{"Origin": {"http://evil.example"}}
	resp, body := e.do("GET", "EIO=4&transport=polling", "", evil)
	if resp.StatusCode != 400 || body != `{"code":3,"message":"Not an accepted origin."}` || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("polling: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	_, resp, err := e.dial("EIO=4&transport=websocket", evil)
	if err == nil || resp == nil || resp.StatusCode != 400 {
		t.Fatalf("websocket: %v %v", err, resp)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != `{"code":3,"message":"Not an accepted origin."}` {
		t.Errorf("websocket: %s", b)
	}
	// One warning says why, the second refusal is at debug level.
	const why = `reason="origin \"http://evil.example\" is not the server's own origin and no allowed origins are configured"`
	if n, w := strings.Count(e.logs.String(), why), strings.Count(e.logs.String(), "level=WARN"); n != 2 || w != 1 {
		t.Errorf("log says why %d times (want 2), %d warnings (want 1):\n%s", n, w, e.logs)
	}
	// The server's own origin is fine on both transports.
	own := http.Header{"Origin": {e.ts.URL}}
	if resp, body := e.do("GET", "EIO=4&transport=polling", "", own); resp.StatusCode != 200 {
		t.Errorf("own origin: %d %s", resp.StatusCode, body)
	}
	if _, _, err := e.dial("EIO=4&transport=websocket", own); err != nil {
		t.Errorf("own origin websocket: %v", err)
	}
	waitFor(t, "two sessions", func() bool { return e.srv.Len() == 2 })
}

func TestCORSCredentials(t *testing.T) {
	e := newEnv(t, engineio.Options{CORS: engineio.CORSOptions{AllowedOrigins: []string{"https://app.example"}, AllowCredentials: true}})
	h := http.Header{"Origin": {"https://app.example"}}
	resp, body := e.do("GET", "EIO=4&transport=polling", "", h)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example",
		"Access-Control-Allow-Credentials": "true",
		"Vary":                             "Origin",
	} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	sid := sidOf(t, strings.Split(body, "\x1e")[0])
	resp, _ = e.do("POST", "EIO=4&transport=polling&sid="+sid, "4x", h)
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("POST headers %v", resp.Header)
	}
	if _, _, err := e.dial("EIO=4&transport=websocket", h); err != nil {
		t.Errorf("websocket: %v", err)
	}
	if _, resp, err := e.dial("EIO=4&transport=websocket", http.Header{"Origin": {"https://evil.example"}}); err == nil || resp.StatusCode != 400 {
		t.Errorf("websocket from a refused origin: %v", err)
	}
}

func TestPreflight(t *testing.T) {
	e := newEnv(t, engineio.Options{CORS: engineio.CORSOptions{AllowedOrigins: []string{"https://app.example"}, AllowCredentials: true}})
	resp, body := e.do("OPTIONS", "EIO=4&transport=polling", "", http.Header{
		"Origin":                         {"https://app.example"},
		"Access-Control-Request-Method":  {"POST"},
		"Access-Control-Request-Headers": {"content-type"},
	})
	if resp.StatusCode != 204 || body != "" {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET, POST, OPTIONS",
		"Access-Control-Allow-Headers":     "content-type",
	} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	resp, _ = e.do("OPTIONS", "EIO=4&transport=polling", "", http.Header{"Origin": {"https://evil.example"}})
	if resp.StatusCode != 400 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("refused preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestHostHandled(t *testing.T) {
	// The host sets its own CORS headers; the core neither sets nor
	// refuses anything.
	hostCORS := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "host-decides")
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, engineio.Options{CORS: engineio.CORSOptions{HostHandled: true}}, withWrapper(hostCORS))
	h := http.Header{"Origin": {"https://elsewhere.example"}}
	resp, body := e.do("GET", "EIO=4&transport=polling", "", h)
	if resp.StatusCode != 200 || resp.Header.Values("Access-Control-Allow-Origin")[0] != "host-decides" || len(resp.Header.Values("Access-Control-Allow-Origin")) != 1 {
		t.Errorf("%d %s %v", resp.StatusCode, body, resp.Header)
	}
	resp, _ = e.do("OPTIONS", "EIO=4&transport=polling", "", h)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("preflight %d %v", resp.StatusCode, resp.Header)
	}
	if _, _, err := e.dial("EIO=4&transport=websocket", h); err != nil {
		t.Errorf("websocket: %v", err)
	}
}

func TestCookie(t *testing.T) {
	e := newEnv(t, engineio.Options{Cookie: &engineio.CookieOptions{}})
	resp, body := e.do("GET", "EIO=4&transport=polling", "", nil)
	sid := sidOf(t, strings.Split(body, "\x1e")[0])
	if got, want := resp.Header.Values("Set-Cookie"), []string{"io=" + sid + "; Path=/; HttpOnly; SameSite=Lax"}; !equal(got, want) {
		t.Errorf("Set-Cookie %q, want %q", got, want)
	}
	// A websocket-only session gets it on the 101 answer.
	c, resp, err := e.dial("EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	sid = sidOf(t, readText(t, c))
	if got, want := resp.Header.Values("Set-Cookie"), []string{"io=" + sid + "; Path=/; HttpOnly; SameSite=Lax"}; !equal(got, want) {
		t.Errorf("websocket Set-Cookie %q, want %q", got, want)
	}
	// None by default.
	e2 := newEnv(t, engineio.Options{})
	if resp, _ := e2.do("GET", "EIO=4&transport=polling", "", nil); resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("Set-Cookie %q", resp.Header.Get("Set-Cookie"))
	}
}

func TestCompression(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	sid, _ := e.handshake()
	sock := e.conn()
	big := strings.Repeat("a long polling answer ", 100)
	for _, tt := range []struct{ accept, enc, msg string }{
		{"gzip, deflate", "gzip", big},
		{"deflate", "deflate", big},
		{"identity", "", big},
		{"gzip, deflate", "", "small"},
	} {
		_ = sock.SendText(tt.msg)
		resp, body := e.do("GET", "EIO=4&transport=polling&sid="+sid, "", http.Header{"Accept-Encoding": {tt.accept}})
		if got := resp.Header.Get("Content-Encoding"); got != tt.enc {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tt.accept, got, tt.enc)
			continue
		}
		var r io.Reader = strings.NewReader(body)
		switch tt.enc {
		case "gzip":
			zr, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		case "deflate":
			r = flate.NewReader(r)
		}
		plain, err := io.ReadAll(r)
		if err != nil || string(plain) != "4"+tt.msg {
			t.Errorf("Accept-Encoding %q: %.30q…, %v", tt.accept, plain, err)
		}
		if tt.enc != "" && len(body) >= len(plain)/2 {
			t.Errorf("%s: %d bytes for %d", tt.enc, len(body), len(plain))
		}
	}
}

func TestInitialPacket(t *testing.T) {
	e := newEnv(t, engineio.Options{InitialPacket: []byte(`{"hello":1}`)})
	_, recs := e.handshake()
	if len(recs) != 2 || recs[1] != `4{"hello":1}` {
		t.Errorf("handshake answer %q", recs)
	}
	c := e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	if got := readText(t, c); got != `4{"hello":1}` {
		t.Errorf("websocket %q", got)
	}
}

func TestUpgrade(t *testing.T) {
	e := newEnv(t, engineio.Options{}, withEcho())
	sid, _ := e.handshake()
	sock := e.conn()
	pending := make(chan []string)
	go func() { pending <- e.get(sid) }()
	waitFor(t, "pending GET", sock.Writable)

	c := e.mustDial("EIO=4&transport=websocket&sid=" + sid)
	writeText(t, c, "2probe")
	if got := readText(t, c); got != "3probe" {
		t.Fatalf("probe answer %q", got)
	}
	if recs := <-pending; !equal(recs, []string{"6"}) {
		t.Errorf("pending GET %q", recs)
	}
	_ = sock.SendText("queued before the upgrade")
	writeText(t, c, "5")
	if got := readText(t, c); got != "4queued before the upgrade" {
		t.Errorf("frame %q", got)
	}
	if sock.Transport() != "websocket" {
		t.Errorf("transport %s", sock.Transport())
	}
	writeText(t, c, "4echo me")
	if got := readText(t, c); got != "4echo me" {
		t.Errorf("echo %q", got)
	}
	if err := c.WriteMessage(websocket.BinaryMessage, []byte{9, 8}); err != nil {
		t.Fatal(err)
	}
	if typ, data, err := c.ReadMessage(); err != nil || typ != websocket.BinaryMessage || !bytes.Equal(data, []byte{9, 8}) {
		t.Errorf("binary echo %d %x %v", typ, data, err)
	}
	resp, body := e.do("GET", "EIO=4&transport=polling&sid="+sid, "", nil)
	if resp.StatusCode != 400 || body != `{"code":3,"message":"Bad request"}` {
		t.Errorf("late GET: %d %s", resp.StatusCode, body)
	}
	if e.srv.Socket(sid) != sock {
		t.Error("session closed by the late GET")
	}
}

func TestUpgradeAbandoned(t *testing.T) {
	e := newEnv(t, engineio.Options{UpgradeTimeout: 100 * time.Millisecond}, withEcho())
	sid, _ := e.handshake()
	sock := e.conn()
	c := e.mustDial("EIO=4&transport=websocket&sid=" + sid)
	writeText(t, c, "2probe")
	if got := readText(t, c); got != "3probe" {
		t.Fatalf("probe answer %q", got)
	}
	// And then nothing: the server drops the probe connection.
	_ = c.SetReadDeadline(time.Now().Add(wait))
	if _, _, err := c.ReadMessage(); err == nil {
		t.Fatal("probe connection still open")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("probe connection not dropped")
	}
	if sock.Transport() != "polling" || e.srv.Socket(sid) != sock {
		t.Fatal("session lost")
	}
	// The polling session keeps working: a round trip.
	e.post(sid, "4still polling")
	var got []string
	for len(got) == 0 {
		for _, r := range e.get(sid) {
			if r != "6" { // the probe's noop
				got = append(got, r)
			}
		}
	}
	if !equal(got, []string{"4still polling"}) {
		t.Fatalf("GET %q", got)
	}
}

func TestWebSocketOnly(t *testing.T) {
	e := newEnv(t, engineio.Options{Transports: []string{"websocket"}}, withEcho())
	if resp, _ := e.do("GET", "EIO=4&transport=polling", "", nil); resp.StatusCode != 400 {
		t.Errorf("polling on a websocket-only server: %d", resp.StatusCode)
	}
	c := e.mustDial("EIO=4&transport=websocket")
	if open := readText(t, c); !strings.Contains(open, `"upgrades":[]`) {
		t.Errorf("open %s", open)
	}
	sock := e.conn()
	writeText(t, c, "4hi")
	if got := readText(t, c); got != "4hi" {
		t.Errorf("echo %q", got)
	}
	// Server close: the close packet, then a close frame.
	sock.Close()
	if got := readText(t, c); got != "1" {
		t.Errorf("frame %q", got)
	}
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Errorf("read: %v", err)
	}
	if ev := e.closed(); ev.reason != engineio.ReasonForcedClose {
		t.Errorf("closed with %s", ev.reason)
	}
}

func TestClientClose(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	c := e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	writeText(t, c, "1")
	if ev := e.closed(); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("close packet: closed with %s", ev.reason)
	}
	c = e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	if ev := e.closed(); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("close frame: closed with %s", ev.reason)
	}
	c = e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	_ = c.NetConn().Close()
	if ev := e.closed(); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("dropped connection: closed with %s", ev.reason)
	}
	sid, _ := e.handshake()
	e.post(sid, "1")
	if ev := e.closed(); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("polling close packet: closed with %s", ev.reason)
	}
}

func TestPingTimeout(t *testing.T) {
	const interval, timeout = 50 * time.Millisecond, 50 * time.Millisecond
	e := newEnv(t, engineio.Options{PingInterval: interval, PingTimeout: timeout})
	start := time.Now()
	c := e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	if got := readText(t, c); got != "2" {
		t.Fatalf("frame %q", got)
	}
	ev := e.closed()
	if ev.reason != engineio.ReasonPingTimeout {
		t.Errorf("closed with %s %v", ev.reason, ev.err)
	}
	if d := time.Since(start); d > interval+timeout+2*time.Second {
		t.Errorf("closed after %v", d)
	}

	start = time.Now()
	sid, _ := e.handshake()
	// The ping, never answered (on a loaded machine the poll window may end
	// first, with a noop).
	for got := e.get(sid); !equal(got, []string{"2"}); got = e.get(sid) {
		if !equal(got, []string{"6"}) {
			t.Fatalf("GET %q", got)
		}
	}
	ev = e.closed()
	if ev.reason != engineio.ReasonPingTimeout {
		t.Errorf("polling: closed with %s %v", ev.reason, ev.err)
	}
	if d := time.Since(start); d > interval+timeout+2*time.Second {
		t.Errorf("polling: closed after %v", d)
	}
}

func TestPongKeepsAlive(t *testing.T) {
	e := newEnv(t, engineio.Options{PingInterval: 30 * time.Millisecond, PingTimeout: 3 * time.Second})
	c := e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	sock := e.conn()
	for range 5 {
		if got := readText(t, c); got != "2" {
			t.Fatalf("frame %q", got)
		}
		writeText(t, c, "3")
	}
	if e.srv.Socket(sock.ID()) != sock {
		t.Error("session closed")
	}
}

func TestShutdown(t *testing.T) {
	e := newEnv(t, engineio.Options{PingTimeout: 500 * time.Millisecond})
	var ws []*websocket.Conn
	for range 3 {
		c := e.mustDial("EIO=4&transport=websocket")
		readText(t, c)
		ws = append(ws, c)
	}
	sid, _ := e.handshake()
	e.handshake() // one that never polls again
	for range 5 {
		e.conn()
	}
	pending := make(chan []string)
	go func() { pending <- e.get(sid) }()
	waitFor(t, "pending GET", e.srv.Socket(sid).Writable)

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if e.srv.Len() != 0 {
		t.Errorf("%d sessions", e.srv.Len())
	}
	for range 5 {
		if ev := e.closed(); ev.reason != engineio.ReasonServerShutdown {
			t.Errorf("closed with %s", ev.reason)
		}
	}
	for _, c := range ws {
		if got := readText(t, c); got != "1" {
			t.Errorf("frame %q", got)
		}
	}
	if recs := <-pending; !equal(recs, []string{"1"}) {
		t.Errorf("pending GET %q", recs)
	}
	if resp, _ := e.do("GET", "EIO=4&transport=polling", "", nil); resp.StatusCode != 400 {
		t.Errorf("handshake after Shutdown: %d", resp.StatusCode)
	}
}

func TestPanicRecovered(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	e.srv.OnConnection(func(s *engineio.Socket) {
		s.OnMessage(func(data []byte, binary bool) {
			if string(data) == "panic" {
				panic("handler exploded")
			}
			_ = s.Send(engineio.TextMessage(data))
		})
		if s.Request().Query.Get("boom") != "" {
			panic("connection exploded")
		}
	})
	c := e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	writeText(t, c, "4panic")
	writeText(t, c, "4after")
	if got := readText(t, c); got != "4after" {
		t.Errorf("frame %q", got)
	}
	if _, body := e.do("GET", "EIO=4&transport=polling&boom=1", "", nil); !strings.HasPrefix(body, "0{") {
		t.Errorf("handshake %q", body)
	}
	for _, s := range []string{"handler exploded", "connection exploded", "panic in callback"} {
		if !strings.Contains(e.logs.String(), s) {
			t.Errorf("log does not say %q", s)
		}
	}
}

func TestQueueFull(t *testing.T) {
	big := engineio.TextMessage(bytes.Repeat([]byte("x"), 64<<10))
	t.Run("close", func(t *testing.T) {
		e := newEnv(t, engineio.Options{MaxQueuedMessages: 8})
		c := e.mustDial("EIO=4&transport=websocket") // and never read
		_ = c
		sock := e.conn()
		var err error
		for i := 0; i < 100000 && err == nil; i++ {
			err = sock.Send(big)
		}
		if err != engineio.ErrQueueFull {
			t.Fatalf("Send: %v", err)
		}
		if ev := e.closed(); ev.reason != engineio.ReasonTransportError || ev.err != engineio.ErrQueueFull {
			t.Errorf("closed with %s %v", ev.reason, ev.err)
		}
		if !strings.Contains(e.logs.String(), "outbound queue full, closing slow client") {
			t.Errorf("log %s", e.logs)
		}
	})
	t.Run("drop", func(t *testing.T) {
		e := newEnv(t, engineio.Options{MaxQueuedMessages: 8, QueueFull: engineio.QueueFullDrop})
		c := e.mustDial("EIO=4&transport=websocket")
		sock := e.conn()
		var err error
		sent := 0
		for ; sent < 100000 && err == nil; sent++ {
			err = sock.Send(big)
		}
		if err != engineio.ErrQueueFull {
			t.Fatalf("Send: %v", err)
		}
		if e.srv.Socket(sock.ID()) != sock {
			t.Fatal("session closed")
		}
		if !strings.Contains(e.logs.String(), "outbound queue full, dropping messages until it drains") {
			t.Errorf("log %s", e.logs)
		}
		// The client reads again: what was queued arrives, then more.
		readText(t, c) // open
		for range sent - 1 {
			if got := readText(t, c); len(got) != 64<<10+1 {
				t.Fatalf("frame of %d bytes", len(got))
			}
		}
		_ = sock.SendText("end")
		if got := readText(t, c); got != "4end" {
			t.Errorf("frame %.20q", got)
		}
	})
}

func TestWriteTimeoutDoesNotCutLongPolls(t *testing.T) {
	e := newEnv(t, engineio.Options{PingInterval: 600 * time.Millisecond, PingTimeout: 5 * time.Second},
		withHTTPServer(func(s *http.Server) { s.WriteTimeout = 100 * time.Millisecond }))
	sid, _ := e.handshake()
	start := time.Now()
	got := e.get(sid) // answered by the ping, after 600ms
	if !equal(got, []string{"2"}) || time.Since(start) < 500*time.Millisecond {
		t.Errorf("GET %q after %v", got, time.Since(start))
	}
	e.post(sid, "3")
	// Websockets too.
	c := e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	if got := readText(t, c); got != "2" {
		t.Errorf("frame %q", got)
	}
	writeText(t, c, "3")
	if got := readText(t, c); got != "2" {
		t.Errorf("frame %q", got)
	}
}

// A host ReadTimeout (set against slow clients) shorter than the poll
// window does not cut a long-poll either: it bounds reading the request,
// and net/http clears the deadline for its background read of the
// connection while the handler runs (a deadline there would cancel the
// request's context, closing the session as if the client had gone).
func TestReadTimeoutDoesNotCutLongPolls(t *testing.T) {
	e := newEnv(t, engineio.Options{PingInterval: 600 * time.Millisecond, PingTimeout: 5 * time.Second},
		withHTTPServer(func(s *http.Server) {
			s.ReadTimeout = 100 * time.Millisecond
			s.ReadHeaderTimeout = 100 * time.Millisecond
		}))
	sid, _ := e.handshake()
	for range 2 {
		start := time.Now()
		if got := e.get(sid); !equal(got, []string{"2"}) || time.Since(start) < 500*time.Millisecond {
			t.Fatalf("GET %q after %v", got, time.Since(start))
		}
		e.post(sid, "3")
	}
	// A websocket (hijacked, its deadlines are the core's).
	c := e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	if got := readText(t, c); got != "2" {
		t.Errorf("frame %q", got)
	}
}

func TestMiddlewarePaths(t *testing.T) {
	srv := engineio.New(engineio.Options{})
	var passed []string
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		passed = append(passed, r.URL.Path)
		w.WriteHeader(299)
	})
	h := stdsio.Middleware(srv)(next)
	for path, served := range map[string]bool{
		"/engine.io":      true,
		"/engine.io/":     true,
		"/engine.io/x":    true,
		"/engine.iox":     false,
		"/engine.io.html": false,
		"/":               false,
		"/other":          false,
		"/x/engine.io/":   false,
	} {
		passed = nil
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest("GET", path+"?EIO=4&transport=bogus", nil))
		if served {
			if rr.Code != 400 || rr.Body.String() != `{"code":0,"message":"Transport unknown"}` || passed != nil {
				t.Errorf("%s: %d %s, passed %v", path, rr.Code, rr.Body, passed)
			}
		} else if rr.Code != 299 || !equal(passed, []string{path}) {
			t.Errorf("%s: %d, passed %v", path, rr.Code, passed)
		}
	}
	rr := httptest.NewRecorder()
	stdsio.Handler(srv).ServeHTTP(rr, httptest.NewRequest("GET", "/other", nil))
	if rr.Code != 404 {
		t.Errorf("Handler on another path: %d", rr.Code)
	}
	// A server with a custom path.
	srv2 := engineio.New(engineio.Options{Path: "/rt"})
	rr = httptest.NewRecorder()
	stdsio.Handler(srv2).ServeHTTP(rr, httptest.NewRequest("GET", "/rt/?EIO=4&transport=polling", nil))
	if rr.Code != 200 || !strings.HasPrefix(rr.Body.String(), "0{") {
		t.Errorf("custom path: %d %s", rr.Code, rr.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_ = srv2.Shutdown(ctx)
}

// unwrapOnly hides every optional interface of the ResponseWriter it
// wraps, as many middleware wrappers do, but offers Unwrap.
type unwrapOnly struct{ w http.ResponseWriter }

func (u *unwrapOnly) Header() http.Header         { return u.w.Header() }
func (u *unwrapOnly) Write(b []byte) (int, error) { return u.w.Write(b) }
func (u *unwrapOnly) WriteHeader(code int)        { u.w.WriteHeader(code) }
func (u *unwrapOnly) Unwrap() http.ResponseWriter { return u.w }

func TestUnwrapOnlyWrapper(t *testing.T) {
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&unwrapOnly{w}, r)
		})
	}
	e := newEnv(t, engineio.Options{PingInterval: 400 * time.Millisecond, PingTimeout: 5 * time.Second}, withWrapper(wrap), withEcho(),
		withHTTPServer(func(s *http.Server) { s.WriteTimeout = 100 * time.Millisecond }))
	c := e.mustDial("EIO=4&transport=websocket")
	readText(t, c)
	writeText(t, c, "4through the wrapper")
	if got := readText(t, c); got != "4through the wrapper" {
		t.Errorf("echo %q", got)
	}
	// The write deadline is extended through Unwrap as well.
	sid, _ := e.handshake()
	if got := e.get(sid); !equal(got, []string{"2"}) {
		t.Errorf("GET %q", got)
	}
}

// A raw upgrade request on a connection we control: the 101 answer and the
// first frame, byte for byte.
func TestRawUpgrade(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	conn, err := net.Dial("tcp", e.ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 || resp.Header.Get("Sec-Websocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("%v %v", resp, err)
	}
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(br, hdr); err != nil || hdr[0] != 0x81 {
		t.Fatalf("frame header %x %v", hdr, err)
	}
	n := int(hdr[1] & 0x7f)
	if n == 126 {
		ext := make([]byte, 2)
		_, _ = io.ReadFull(br, ext)
		n = int(ext[0])<<8 | int(ext[1])
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil || !handshakeRE.Match(payload) {
		t.Errorf("first frame %q %v", payload, err)
	}
}

func TestPerMessageDeflate(t *testing.T) {
	e := newEnv(t, engineio.Options{PerMessageDeflate: true}, withEcho())
	d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: wait}
	c, resp, err := d.Dial("ws"+strings.TrimPrefix(e.base, "http")+"?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ext := resp.Header.Get("Sec-Websocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Errorf("extensions %q", ext)
	}
	readText(t, c)
	sock := e.conn()
	big := strings.Repeat("squeeze ", 1000)
	writeText(t, c, "4"+big)
	if got := readText(t, c); got != "4"+big {
		t.Errorf("echo of %d bytes", len(got))
	}
	_ = sock.Send(engineio.TextMessage([]byte("plain")).Uncompressed())
	if got := readText(t, c); got != "4plain" {
		t.Errorf("frame %q", got)
	}
	// Off by default.
	e2 := newEnv(t, engineio.Options{})
	c2, resp, err := d.Dial("ws"+strings.TrimPrefix(e2.base, "http")+"?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if ext := resp.Header.Get("Sec-Websocket-Extensions"); ext != "" {
		t.Errorf("extensions %q", ext)
	}
}

func TestContentLength(t *testing.T) {
	e := newEnv(t, engineio.Options{DisableHTTPCompression: true})
	sid, _ := e.handshake()
	sock := e.conn()
	_ = sock.SendText(strings.Repeat("x", 10000))
	resp, body := e.do("GET", "EIO=4&transport=polling&sid="+sid, "", nil)
	if resp.ContentLength != 10001 || len(body) != 10001 || len(resp.TransferEncoding) != 0 {
		t.Errorf("Content-Length %d, body %d, %v", resp.ContentLength, len(body), resp.TransferEncoding)
	}
}
