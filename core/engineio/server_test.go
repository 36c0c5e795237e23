package engineio

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestErrorAnswers(t *testing.T) {
	srv, logs := newTestServer(t, Options{
		AllowRequest: func(r *Request) error {
			if r.Query.Get("deny") != "" {
				return errors.New("go away")
			}
			return nil
		},
	})
	tests := []struct {
		name, method, query string
		status              int
		body                string
		log                 string
	}{
		{"no transport", "GET", "EIO=4", 400, `{"code":0,"message":"Transport unknown"}`, "unknown transport"},
		{"unknown transport", "GET", "EIO=4&transport=carrier-pigeon", 400, `{"code":0,"message":"Transport unknown"}`, "carrier-pigeon"},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=nope", 400, `{"code":1,"message":"Session ID unknown"}`, "unknown session id"},
		{"POST handshake", "POST", "EIO=4&transport=polling", 400, `{"code":2,"message":"Bad handshake method"}`, "handshake with method POST"},
		{"PUT handshake", "PUT", "EIO=4&transport=polling", 400, `{"code":2,"message":"Bad handshake method"}`, "handshake with method PUT"},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", 400, `{"code":3,"message":"Bad request"}`, "websocket transport without an upgrade"},
		{"forbidden", "GET", "EIO=4&transport=polling&deny=1", 403, `{"code":4,"message":"go away"}`, "AllowRequest: go away"},
		{"EIO 3", "GET", "EIO=3&transport=polling", 400, `{"code":5,"message":"Unsupported protocol version"}`, `EIO=\"3\"`},
		{"no EIO", "GET", "transport=polling", 400, `{"code":5,"message":"Unsupported protocol version"}`, `EIO=\"\"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := srv.ServePoll(context.Background(), testRequest(tt.method, tt.query, nil))
			if resp.Status != tt.status || string(resp.Body) != tt.body {
				t.Errorf("got %d %s, want %d %s", resp.Status, resp.Body, tt.status, tt.body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log does not say %q:\n%s", tt.log, logs)
			}
		})
	}
	if srv.Len() != 0 {
		t.Errorf("%d sessions opened by refused requests", srv.Len())
	}

	// The same through PrepareWebSocket.
	wsTests := []struct {
		name, query string
		status      int
		body        string
	}{
		{"polling transport", "EIO=4&transport=polling", 400, `{"code":0,"message":"Transport unknown"}`},
		{"unknown sid", "EIO=4&transport=websocket&sid=nope", 400, `{"code":1,"message":"Session ID unknown"}`},
		{"forbidden", "EIO=4&transport=websocket&deny=1", 403, `{"code":4,"message":"go away"}`},
		{"EIO 3", "EIO=3&transport=websocket", 400, `{"code":5,"message":"Unsupported protocol version"}`},
	}
	for _, tt := range wsTests {
		t.Run("websocket "+tt.name, func(t *testing.T) {
			ticket, resp := srv.PrepareWebSocket(testRequest("GET", tt.query, nil))
			if ticket != nil || resp == nil || resp.Status != tt.status || string(resp.Body) != tt.body {
				t.Fatalf("got %v, %+v; want %d %s", ticket, resp, tt.status, tt.body)
			}
		})
	}
}

func TestDisabledTransports(t *testing.T) {
	wsOnly, _ := newTestServer(t, Options{Transports: []string{TransportWebSocket}})
	resp := wsOnly.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling", nil))
	if resp.Status != 400 || string(resp.Body) != `{"code":0,"message":"Transport unknown"}` {
		t.Errorf("polling on a websocket-only server: %d %s", resp.Status, resp.Body)
	}
	pollOnly, _ := newTestServer(t, Options{Transports: []string{TransportPolling}})
	if _, resp := pollOnly.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket", nil)); resp == nil || string(resp.Body) != `{"code":0,"message":"Transport unknown"}` {
		t.Errorf("websocket on a polling-only server: %+v", resp)
	}
	// A polling-only server offers no upgrade.
	_, recs := openPoll(t, pollOnly)
	if !strings.Contains(recs[0], `"upgrades":[]`) {
		t.Errorf("open packet %s", recs[0])
	}
	// Nor does one with upgrades disabled, which also refuses them.
	noUp, _ := newTestServer(t, Options{DisableUpgrades: true})
	p, recs := openPoll(t, noUp)
	if !strings.Contains(recs[0], `"upgrades":[]`) {
		t.Errorf("open packet %s", recs[0])
	}
	if _, resp := noUp.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket&sid="+p.sid, nil)); resp == nil || resp.Status != 400 {
		t.Errorf("upgrade with DisableUpgrades: %+v", resp)
	}
}

var handshakeRE = regexp.MustCompile(`^0\{"sid":"([A-Za-z0-9_-]{20})","upgrades":(\[[^]]*\]),"pingInterval":(\d+),"pingTimeout":(\d+),"maxPayload":(\d+)\}$`)

func TestHandshakeJSON(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	_, recs := openPoll(t, srv)
	m := handshakeRE.FindStringSubmatch(recs[0])
	if len(recs) != 1 || m == nil {
		t.Fatalf("handshake answer %q", recs)
	}
	if m[2] != `["websocket"]` || m[3] != "25000" || m[4] != "20000" || m[5] != "1000000" {
		t.Errorf("handshake %s", recs[0])
	}

	srv2, _ := newTestServer(t, Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, MaxHTTPBufferSize: 1234})
	c, _ := serveWS(t, srv2, "EIO=4&transport=websocket")
	open := c.recv(t)
	m = handshakeRE.FindStringSubmatch(string(open.data))
	if open.typ != wsText || m == nil || m[2] != "[]" || m[3] != "300" || m[4] != "200" || m[5] != "1234" {
		t.Errorf("websocket handshake %v", open)
	}
	if srv2.Socket(m[1]) == nil {
		t.Errorf("no session %s", m[1])
	}

	// Ids are unique.
	seen := map[string]bool{}
	for range 100 {
		p, _ := openPoll(t, srv)
		if seen[p.sid] {
			t.Fatalf("duplicate sid %s", p.sid)
		}
		seen[p.sid] = true
	}
}

func TestGenerateID(t *testing.T) {
	srv, _ := newTestServer(t, Options{GenerateID: func(r *Request) (string, error) {
		if r.Query.Get("fail") != "" {
			return "", errors.New("no id today")
		}
		return "custom-" + r.Query.Get("n"), nil
	}})
	resp := srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling&n=1", nil))
	if sidOf(t, resp.Body) != "custom-1" {
		t.Errorf("sid from %s", resp.Body)
	}
	resp = srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling&n=1", nil))
	if resp.Status != 400 {
		t.Errorf("duplicate id: %d %s", resp.Status, resp.Body)
	}
	resp = srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling&fail=1", nil))
	if resp.Status != 400 {
		t.Errorf("failing GenerateID: %d %s", resp.Status, resp.Body)
	}
	if srv.Len() != 1 {
		t.Errorf("%d sessions", srv.Len())
	}
}

func TestInitialPacket(t *testing.T) {
	srv, _ := newTestServer(t, Options{InitialPacket: []byte("welcome")})
	_, recs := openPoll(t, srv)
	if len(recs) != 2 || recs[1] != "4welcome" {
		t.Errorf("handshake answer %q", recs)
	}
	c, _ := serveWS(t, srv, "EIO=4&transport=websocket")
	c.recv(t)
	if f := c.recv(t); f.String() != "4welcome" {
		t.Errorf("websocket initial packet %v", f)
	}
}

func TestPollingFraming(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	if sock.ID() != p.sid || sock.Transport() != TransportPolling {
		t.Fatalf("socket %s %s", sock.ID(), sock.Transport())
	}

	// Several packets in one POST arrive in order.
	p.mustPost("4one\x1ebAQID\x1e4two\x1e4\x1e6\x1e4three")
	for _, want := range []msgEvent{{sock, "one", false}, {sock, "\x01\x02\x03", true}, {sock, "two", false}, {sock, "", false}, {sock, "three", false}} {
		if got := rec.msg(t); got != want {
			t.Errorf("message %+v, want %+v", got, want)
		}
	}

	// Several messages sent are answered in one GET, in order.
	for _, m := range []*Message{TextMessage([]byte("a")), BinaryMessage([]byte{0xff, 0}), TextMessage([]byte("c"))} {
		if err := sock.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := sock.Send(TextMessage([]byte("d")), TextMessage([]byte("e"))); err != nil {
		t.Fatal(err)
	}
	if got, want := p.get(), []string{"4a", "b/wA=", "4c", "4d", "4e"}; !equal(got, want) {
		t.Errorf("GET %q, want %q", got, want)
	}

	// A pending GET is answered when a message arrives.
	got := make(chan []string)
	go func() { got <- p.get() }()
	waitFor(t, "pending GET", sock.Writable)
	_ = sock.SendText("late")
	if recs := <-got; !equal(recs, []string{"4late"}) {
		t.Errorf("GET %q", recs)
	}

}

func TestPollingBadPayload(t *testing.T) {
	for _, body := range []string{"", "9", "4a\x1e", "b@@@@", "0", "5"} {
		srv, logs := newTestServer(t, Options{})
		rec := newRecorder(srv)
		p, _ := openPoll(t, srv)
		resp := p.post(body)
		if resp.Status != 400 || string(resp.Body) != `{"code":3,"message":"Bad request"}` {
			t.Errorf("POST %q: %d %s", body, resp.Status, resp.Body)
		}
		if c := rec.closed(t); c.reason != ReasonParseError || !errors.Is(c.err, ErrInvalidPacket) {
			t.Errorf("POST %q closed with %s %v", body, c.reason, c.err)
		}
		// One line at info level says why.
		if n := strings.Count(logs.String(), "level=INFO"); n != 1 || !strings.Contains(logs.String(), `reason="parse error" err="engineio: invalid packet`) {
			t.Errorf("POST %q: %d info lines: %s", body, n, logs)
		}
	}
}

func TestPollingBodyTooLarge(t *testing.T) {
	srv, logs := newTestServer(t, Options{MaxHTTPBufferSize: 10})
	rec := newRecorder(srv)
	p, recs := openPoll(t, srv)
	if !strings.Contains(recs[0], `"maxPayload":10}`) {
		t.Errorf("open %s", recs[0])
	}
	sock := rec.conn(t)
	pending := make(chan []string)
	go func() { pending <- p.get() }()
	waitFor(t, "pending GET", sock.Writable)
	req := testRequest("POST", "EIO=4&transport=polling&sid="+p.sid, []byte("4123456789"))
	req.BodyTooLarge = true
	resp := srv.ServePoll(context.Background(), req)
	// As the reference server answers it: 413 with an empty body.
	if resp.Status != http.StatusRequestEntityTooLarge || len(resp.Body) != 0 {
		t.Errorf("%d %q", resp.Status, resp.Body)
	}
	if c := rec.closed(t); c.reason != ReasonTransportError || !errors.Is(c.err, ErrMessageTooLarge) {
		t.Errorf("closed with %s %v", c.reason, c.err)
	}
	// The pending GET gets a noop, not a close packet that the client
	// could read before the 413 (it would report "transport close").
	if recs := <-pending; !equal(recs, []string{"6"}) {
		t.Errorf("pending GET %q", recs)
	}
	if n := strings.Count(logs.String(), "level=INFO"); n != 1 || !strings.Contains(logs.String(), `msg="engineio: session closed" sid=`+p.sid+` reason="transport error" err="engineio: message larger than MaxHTTPBufferSize"`) {
		t.Errorf("%d info lines: %s", n, logs)
	}
}

func TestOverlappingGET(t *testing.T) {
	srv, logs := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	first := make(chan []string)
	go func() { first <- p.get() }()
	waitFor(t, "pending GET", sock.Writable)
	resp := p.getCtx(context.Background())
	if resp.Status != 400 || string(resp.Body) != `{"code":3,"message":"Bad request"}` {
		t.Errorf("second GET: %d %s", resp.Status, resp.Body)
	}
	if recs := <-first; !equal(recs, []string{"1"}) {
		t.Errorf("first GET %q", recs)
	}
	if c := rec.closed(t); c.reason != ReasonTransportError {
		t.Errorf("closed with %s", c.reason)
	}
	if !strings.Contains(logs.String(), "overlapping GET") {
		t.Errorf("log %s", logs)
	}
	if srv.Socket(p.sid) != nil {
		t.Error("session still open")
	}
}

func TestOverlappingPOST(t *testing.T) {
	srv, logs := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	inHandler := make(chan struct{})
	release := make(chan struct{})
	sock.OnMessage(func(data []byte, binary bool) {
		close(inHandler)
		<-release
	})
	first := make(chan *Response)
	go func() { first <- p.post("4slow") }()
	<-inHandler
	resp := p.post("4second")
	if resp.Status != 400 {
		t.Errorf("second POST: %d %s", resp.Status, resp.Body)
	}
	close(release)
	<-first
	if c := rec.closed(t); c.reason != ReasonTransportError {
		t.Errorf("closed with %s", c.reason)
	}
	if !strings.Contains(logs.String(), "overlapping POST") {
		t.Errorf("log %s", logs)
	}
}

func TestPollingMethodNotAllowed(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	p, _ := openPoll(t, srv)
	resp := srv.ServePoll(context.Background(), testRequest("PUT", "EIO=4&transport=polling&sid="+p.sid, nil))
	if resp.Status != 400 || string(resp.Body) != `{"code":3,"message":"Bad request"}` {
		t.Errorf("%d %s", resp.Status, resp.Body)
	}
}

func TestPollingClientWentAway(t *testing.T) {
	// A client whose pending GET goes away loses its session, as with the
	// reference server: the messages it was sent are not silently lost.
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan *Response)
	go func() { got <- p.getCtx(ctx) }()
	waitFor(t, "pending GET", sock.Writable)
	cancel()
	<-got
	if c := rec.closed(t); c.reason != ReasonTransportError {
		t.Errorf("closed with %s", c.reason)
	}
}

func TestPollingRequestDeadline(t *testing.T) {
	// A host's timeout on the request context ends the poll, not the
	// session.
	srv, _ := newTestServer(t, Options{})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	resp := p.getCtx(ctx)
	if resp.Status != 200 || string(resp.Body) != "6" {
		t.Errorf("GET: %d %q", resp.Status, resp.Body)
	}
	_ = sock.SendText("next")
	if recs := p.get(); !equal(recs, []string{"4next"}) {
		t.Errorf("GET %q", recs)
	}
}

func TestPollWindow(t *testing.T) {
	// A GET with nothing to say is answered with a noop at the end of the
	// poll window; here the ping comes first (interval < window).
	srv, _ := newTestServer(t, Options{PingInterval: 50 * time.Millisecond, PingTimeout: time.Minute})
	p, _ := openPoll(t, srv)
	if recs := p.get(); !equal(recs, []string{"2"}) {
		t.Errorf("GET %q", recs)
	}
}

func TestCookie(t *testing.T) {
	srv, _ := newTestServer(t, Options{Cookie: &CookieOptions{}})
	resp := srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling", nil))
	sid := sidOf(t, resp.Body)
	if got, want := resp.Header.Values("Set-Cookie"), []string{"io=" + sid + "; Path=/; HttpOnly; SameSite=Lax"}; !equal(got, want) {
		t.Errorf("Set-Cookie %q, want %q", got, want)
	}
	srv2, _ := newTestServer(t, Options{Cookie: &CookieOptions{Name: "sess", Path: "/app", Domain: "example.com", MaxAge: 60, Secure: true, SameSite: http.SameSiteStrictMode, AllowScripts: true}})
	resp = srv2.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling", nil))
	sid = sidOf(t, resp.Body)
	if got, want := resp.Header.Get("Set-Cookie"), "sess="+sid+"; Path=/app; Domain=example.com; Max-Age=60; Secure; SameSite=Strict"; got != want {
		t.Errorf("Set-Cookie %q, want %q", got, want)
	}
	// No cookie by default, and none on later requests.
	srv3, _ := newTestServer(t, Options{})
	resp = srv3.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling", nil))
	if v := resp.Header.Values("Set-Cookie"); v != nil {
		t.Errorf("Set-Cookie %q", v)
	}
}

func TestHTTPCompression(t *testing.T) {
	big := strings.Repeat("compress me ", 200) // > 1 KiB
	tests := []struct {
		accept, enc string
		size        string
	}{
		{"gzip", "gzip", big},
		{"gzip, deflate, br", "gzip", big},
		{"deflate", "deflate", big},
		{"br, deflate;q=0.5", "deflate", big},
		{"gzip;q=0, deflate", "deflate", big},
		{"br", "", big},
		{"", "", big},
		{"gzip, deflate", "", "small"},
	}
	for _, tt := range tests {
		srv, _ := newTestServer(t, Options{})
		rec := newRecorder(srv)
		p, _ := openPoll(t, srv)
		sock := rec.conn(t)
		_ = sock.SendText(tt.size)
		req := testRequest("GET", "EIO=4&transport=polling&sid="+p.sid, nil)
		req.Header.Set("Accept-Encoding", tt.accept)
		resp := srv.ServePoll(context.Background(), req)
		if got := resp.Header.Get("Content-Encoding"); got != tt.enc {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tt.accept, got, tt.enc)
			continue
		}
		var r io.Reader = bytes.NewReader(resp.Body)
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
		body, err := io.ReadAll(r)
		if err != nil || string(body) != "4"+tt.size {
			t.Errorf("Accept-Encoding %q: body %.40q…, %v", tt.accept, body, err)
		}
		if tt.enc != "" && len(resp.Body) >= len(body) {
			t.Errorf("compressed %d bytes into %d", len(body), len(resp.Body))
		}
	}

	// Off when disabled.
	srv, _ := newTestServer(t, Options{DisableHTTPCompression: true})
	rec := newRecorder(srv)
	p, _ := openPoll(t, srv)
	_ = rec.conn(t).SendText(big)
	req := testRequest("GET", "EIO=4&transport=polling&sid="+p.sid, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if resp := srv.ServePoll(context.Background(), req); resp.Header.Get("Content-Encoding") != "" {
		t.Error("compressed with DisableHTTPCompression")
	}
}

func TestCORS(t *testing.T) {
	get := func(srv *Server, origin string, mod func(*Request)) *Response {
		req := testRequest("GET", "EIO=4&transport=polling", nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if mod != nil {
			mod(req)
		}
		return srv.ServePoll(context.Background(), req)
	}

	t.Run("same origin by default", func(t *testing.T) {
		srv, logs := newTestServer(t, Options{})
		for _, o := range []string{"", "http://example.com", "http://EXAMPLE.com:80"} {
			if resp := get(srv, o, nil); resp.Status != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("origin %q: %d %v", o, resp.Status, resp.Header)
			}
		}
		for _, o := range []string{"https://example.com", "http://example.com:8080", "http://evil.example", "null", "garbage"} {
			resp := get(srv, o, nil)
			if resp.Status != 400 || string(resp.Body) != `{"code":3,"message":"Not an accepted origin."}` || resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("origin %q: %d %s %v", o, resp.Status, resp.Body, resp.Header)
			}
		}
		if !strings.Contains(logs.String(), `origin \"http://evil.example\" is not the server's own origin`) {
			t.Errorf("log %s", logs)
		}
		// Behind a proxy.
		resp := get(srv, "https://public.example", func(r *Request) {
			r.Header.Set("X-Forwarded-Proto", "https")
			r.Header.Set("X-Forwarded-Host", "public.example, internal")
		})
		if resp.Status != 200 {
			t.Errorf("forwarded: %d %s", resp.Status, resp.Body)
		}
		resp = get(srv, "https://example.com", func(r *Request) { r.TLS = true })
		if resp.Status != 200 {
			t.Errorf("TLS: %d %s", resp.Status, resp.Body)
		}
		// Also for the websocket transport.
		req := testRequest("GET", "EIO=4&transport=websocket", nil)
		req.Header.Set("Origin", "http://evil.example")
		if _, resp := srv.PrepareWebSocket(req); resp == nil || resp.Status != 400 {
			t.Errorf("websocket from another origin: %+v", resp)
		}
	})

	t.Run("allowed list", func(t *testing.T) {
		srv, logs := newTestServer(t, Options{CORS: CORSOptions{AllowedOrigins: []string{"https://app.example", "http://localhost:3000/"}}})
		for _, o := range []string{"https://app.example", "http://localhost:3000", "https://APP.example"} {
			resp := get(srv, o, nil)
			if resp.Status != 200 || resp.Header.Get("Access-Control-Allow-Origin") != o || resp.Header.Get("Vary") != "Origin" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("origin %q: %d %v", o, resp.Status, resp.Header)
			}
		}
		resp := get(srv, "https://evil.example", nil)
		if resp.Status != 400 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("refused origin: %d %v", resp.Status, resp.Header)
		}
		if !strings.Contains(logs.String(), `origin \"https://evil.example\" is not in the allowed origins`) {
			t.Errorf("log %s", logs)
		}
		// The server's own origin is always accepted.
		if resp := get(srv, "http://example.com", nil); resp.Status != 200 {
			t.Errorf("own origin: %d %s", resp.Status, resp.Body)
		}
		req := testRequest("GET", "EIO=4&transport=websocket", nil)
		req.Header.Set("Origin", "https://evil.example")
		if _, resp := srv.PrepareWebSocket(req); resp == nil || resp.Status != 400 {
			t.Errorf("websocket from a refused origin: %+v", resp)
		}
		req.Header.Set("Origin", "https://app.example")
		if _, resp := srv.PrepareWebSocket(req); resp != nil {
			t.Errorf("websocket from an allowed origin: %d %s", resp.Status, resp.Body)
		}
	})

	t.Run("credentials", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{CORS: CORSOptions{AllowedOrigins: []string{"*"}, AllowCredentials: true}})
		resp := get(srv, "https://any.example", nil)
		if resp.Status != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://any.example" ||
			resp.Header.Get("Access-Control-Allow-Credentials") != "true" || resp.Header.Get("Vary") != "Origin" {
			t.Errorf("%d %v", resp.Status, resp.Header)
		}
		// Error answers carry them too, so the page can read the error.
		resp = get(srv, "https://any.example", func(r *Request) { r.Query.Set("EIO", "3") })
		if resp.Status != 400 || resp.Header.Get("Access-Control-Allow-Origin") != "https://any.example" {
			t.Errorf("error answer: %d %v", resp.Status, resp.Header)
		}
	})

	t.Run("wildcard", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{CORS: CORSOptions{AllowedOrigins: []string{"*"}}})
		resp := get(srv, "https://any.example", nil)
		if resp.Status != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%d %v", resp.Status, resp.Header)
		}
	})

	t.Run("preflight", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{CORS: CORSOptions{AllowedOrigins: []string{"https://app.example"}, AllowCredentials: true, MaxAge: time.Hour}})
		req := testRequest("OPTIONS", "EIO=4&transport=polling", nil)
		req.Header.Set("Origin", "https://app.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type, x-custom")
		resp := srv.ServePoll(context.Background(), req)
		want := map[string]string{
			"Access-Control-Allow-Origin":      "https://app.example",
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods":     "GET, POST, OPTIONS",
			"Access-Control-Allow-Headers":     "content-type, x-custom",
			"Access-Control-Max-Age":           "3600",
		}
		if resp.Status != 204 || len(resp.Body) != 0 {
			t.Errorf("preflight: %d %s", resp.Status, resp.Body)
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		if srv.Len() != 0 {
			t.Error("a preflight opened a session")
		}
		req.Header.Set("Origin", "https://evil.example")
		if resp := srv.ServePoll(context.Background(), req); resp.Status != 400 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from a refused origin: %d %v", resp.Status, resp.Header)
		}

		srv2, _ := newTestServer(t, Options{CORS: CORSOptions{AllowedOrigins: []string{"*"}, AllowedHeaders: []string{"X-A", "X-B"}}})
		req.Header.Set("Origin", "https://evil.example")
		resp = srv2.ServePoll(context.Background(), req)
		if resp.Status != 204 || resp.Header.Get("Access-Control-Allow-Headers") != "X-A, X-B" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("preflight: %d %v", resp.Status, resp.Header)
		}
	})

	t.Run("host handled", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{CORS: CORSOptions{HostHandled: true, AllowedOrigins: []string{"https://app.example"}}})
		resp := get(srv, "https://evil.example", nil)
		if resp.Status != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Vary") != "" {
			t.Errorf("%d %v", resp.Status, resp.Header)
		}
		req := testRequest("OPTIONS", "EIO=4&transport=polling", nil)
		req.Header.Set("Origin", "https://evil.example")
		resp = srv.ServePoll(context.Background(), req)
		if resp.Status != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("preflight: %d %v", resp.Status, resp.Header)
		}
		req = testRequest("GET", "EIO=4&transport=websocket", nil)
		req.Header.Set("Origin", "https://evil.example")
		if _, resp := srv.PrepareWebSocket(req); resp != nil {
			t.Errorf("websocket: %d %s", resp.Status, resp.Body)
		}
	})
}
