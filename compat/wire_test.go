package compat

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// Engine.IO wire behaviours, checked with raw HTTP requests and a raw
// websocket client (gorilla/websocket) against a Socket.IO server mounted
// in each of the four host frameworks: what the reference server (Node's
// engine.io 6.6) does, byte for byte where the clients depend on it.

// wireHost is one adapter host around a Socket.IO server whose log lines
// are kept.
type wireHost struct {
	t    *testing.T
	srv  *core.Server
	base string // http://127.0.0.1:port/socket.io/
	logs *syncBuffer
}

func startWireHost(t *testing.T, h adapterHost, opts core.Options) *wireHost {
	t.Helper()
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := newAdapterServer(opts)
	app := startHost(t, h, []*core.Server{srv}, hostConfig{})
	return &wireHost{t: t, srv: srv, base: app.URL + srv.Options().Path, logs: logs}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// wireClient is the HTTP client of the wire tests: no keep-alive
// connection outlives a test (Fiber's shutdown would wait for it).
var wireClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}, Timeout: 30 * time.Second}

// do sends one request and returns its status, headers and body.
func (w *wireHost) do(method, query, body string, header ...string) (int, http.Header, string) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.base+"?"+query, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := wireClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, query, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// handshake opens a polling session and returns its id.
func (w *wireHost) handshake() string {
	w.t.Helper()
	status, _, body := w.do(http.MethodGet, "EIO=4&transport=polling", "")
	if status != 200 || !strings.HasPrefix(body, "0{") {
		w.t.Fatalf("handshake: %d %q", status, body)
	}
	var hs struct{ SID string }
	if err := json.Unmarshal([]byte(body[1:]), &hs); err != nil || hs.SID == "" {
		w.t.Fatalf("handshake %q: %v", body, err)
	}
	return hs.SID
}

// pollAsync starts a long-poll GET; its answer arrives on the channel once
// the server has it pending.
func (w *wireHost) pollAsync(sid string) <-chan [2]string {
	w.t.Helper()
	out := make(chan [2]string, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, w.base+"?EIO=4&transport=polling&sid="+sid, nil)
		resp, err := wireClient.Do(req)
		if err != nil {
			out <- [2]string{"error", err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out <- [2]string{http.StatusText(resp.StatusCode), string(b)}
	}()
	w.waitPending(sid)
	return out
}

// waitPending waits until the session has a GET waiting for data.
func (w *wireHost) waitPending(sid string) {
	w.t.Helper()
	waitUntil(w.t, 10*time.Second, "a pending GET", func() bool {
		s := w.srv.Engine().Socket(sid)
		return s != nil && s.Transport() == engineio.TransportPolling && s.Writable()
	})
}

// answer waits for a pollAsync answer.
func (w *wireHost) answer(ch <-chan [2]string) (status, body string) {
	w.t.Helper()
	select {
	case a := <-ch:
		return a[0], a[1]
	case <-time.After(20 * time.Second):
		w.t.Fatal("no answer to the pending GET")
	}
	return "", ""
}

// dial opens a websocket with the given query.
func (w *wireHost) dial(query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	u := "ws" + strings.TrimPrefix(w.base, "http") + "?" + query
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	return d.Dial(u, header)
}

// mustDial opens a websocket and fails the test if the handshake fails.
func (w *wireHost) mustDial(query string) *websocket.Conn {
	w.t.Helper()
	c, resp, err := w.dial(query, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		w.t.Fatalf("websocket %s: %v (HTTP %d)", query, err, status)
	}
	w.t.Cleanup(func() { c.Close() })
	return c
}

// read returns the next frame's text, failing on binary or errors.
func read(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("websocket read: %v", err)
	}
	if typ != websocket.TextMessage {
		t.Fatalf("websocket read: frame type %d %x", typ, b)
	}
	return string(b)
}

// closeError reads until the connection ends and returns how: the close
// frame's error, or the read error when it ended without one.
func closeError(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return err
		}
	}
}

// wantCloseCode checks that err is a close frame with the given code.
func wantCloseCode(t *testing.T, what string, err error, code int) {
	t.Helper()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code {
		t.Errorf("%s: connection ended with %v, want a close frame %d", what, err, code)
	}
}

// upgrade starts a polling → websocket upgrade of sid up to the probe
// answer.
func (w *wireHost) probe(sid string) *websocket.Conn {
	w.t.Helper()
	c := w.mustDial("EIO=4&transport=websocket&sid=" + sid)
	if err := c.WriteMessage(websocket.TextMessage, []byte("2probe")); err != nil {
		w.t.Fatal(err)
	}
	if got := read(w.t, c); got != "3probe" {
		w.t.Fatalf("probe answer %q", got)
	}
	return c
}

// A close packet POSTed while a GET is pending: the GET gets a noop, as
// the reference server's polling transport answers it.
func TestWireClientCloseWithPendingPoll(t *testing.T) {
	forEachHost(t, func(t *testing.T, h adapterHost) {
		w := startWireHost(t, h, core.Options{})
		sid := w.handshake()
		pending := w.pollAsync(sid)
		if status, _, body := w.do(http.MethodPost, "EIO=4&transport=polling&sid="+sid, "1"); status != 200 || body != "ok" {
			t.Errorf("POST close: %d %q", status, body)
		}
		if status, body := w.answer(pending); status != "OK" || body != "6" {
			t.Errorf("pending GET: %s %q, want a noop", status, body)
		}
	})
}

// A websocket for a session already on websocket completes its handshake
// and is closed with a close frame; so is one that arrives while another
// upgrade is in progress. The session is not affected.
func TestWireExtraWebSocket(t *testing.T) {
	forEachHost(t, func(t *testing.T, h adapterHost) {
		w := startWireHost(t, h, core.Options{})
		// A websocket-only session, then a second websocket for it.
		c := w.mustDial("EIO=4&transport=websocket")
		open := read(t, c)
		var hs struct{ SID string }
		_ = json.Unmarshal([]byte(open[1:]), &hs)
		extra, resp, err := w.dial("EIO=4&transport=websocket&sid="+hs.SID, nil)
		if err != nil {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.Fatalf("second websocket refused: %v (HTTP %d), want 101 then a close frame", err, status)
		}
		defer extra.Close()
		wantCloseCode(t, "second websocket", closeError(t, extra), websocket.CloseNoStatusReceived)
		if err := c.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
			t.Fatal(err)
		}
		for got := ""; !strings.HasPrefix(got, "40{"); got = read(t, c) {
		}

		// During an upgrade.
		sid := w.handshake()
		up := w.probe(sid)
		during := w.mustDial("EIO=4&transport=websocket&sid=" + sid)
		wantCloseCode(t, "websocket during an upgrade", closeError(t, during), websocket.CloseNoStatusReceived)
		if err := up.WriteMessage(websocket.TextMessage, []byte("5")); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 10*time.Second, "upgrade", func() bool {
			s := w.srv.Engine().Socket(sid)
			return s != nil && s.Transport() == engineio.TransportWebSocket
		})
	})
}

// A GET that arrives while an upgrade waits for the upgrade packet is held
// until the upgrade resolves: refused once it has completed (the check
// that would release it with a noop comes only 100 ms after the probe).
func TestWireGetDuringUpgrade(t *testing.T) {
	forEachHost(t, func(t *testing.T, h adapterHost) {
		w := startWireHost(t, h, core.Options{})
		var last string
		// The upgrade check (every 100 ms) may come first on a loaded
		// machine: then the GET gets its noop; try again.
		for range 3 {
			sid := w.handshake()
			up := w.probe(sid)
			pending := w.pollAsync(sid)
			if err := up.WriteMessage(websocket.TextMessage, []byte("5")); err != nil {
				t.Fatal(err)
			}
			status, body := w.answer(pending)
			if status == "Bad Request" && body == `{"code":3,"message":"Bad request"}` {
				return
			}
			last = status + " " + body
		}
		t.Errorf("GET pending during the upgrade: %s, want 400 once the upgrade completed", last)
	})
}

// The probe's noop is only for a GET still pending at a check: a GET that
// finds data after the probe gets the data alone.
func TestWireNoNoopAfterProbe(t *testing.T) {
	forEachHost(t, func(t *testing.T, h adapterHost) {
		w := startWireHost(t, h, core.Options{})
		var last string
		// The echo is acknowledged by a handler goroutine: on a loaded
		// machine the GET may wait for it long enough that a check (100 ms
		// after the probe) releases it with a noop; try again.
		for range 3 {
			sid := w.connect()
			w.probe(sid)
			if status, _, body := w.do(http.MethodPost, "EIO=4&transport=polling&sid="+sid, `421["echo","x"]`); status != 200 || body != "ok" {
				t.Fatalf("POST: %d %q", status, body)
			}
			status, _, body := w.do(http.MethodGet, "EIO=4&transport=polling&sid="+sid, "")
			if status == 200 && body == `431["x"]` {
				return
			}
			last = body
		}
		t.Errorf("GET after the probe: %q, want the ack alone", last)
	})
}

// connect opens a polling session and joins "/", collecting the CONNECT
// answer and the welcome event.
func (w *wireHost) connect() string {
	w.t.Helper()
	sid := w.handshake()
	if status, _, body := w.do(http.MethodPost, "EIO=4&transport=polling&sid="+sid, "40"); status != 200 || body != "ok" {
		w.t.Fatalf("CONNECT: %d %q", status, body)
	}
	var got string
	for !strings.Contains(got, "40{") || !strings.Contains(got, `"welcome"`) {
		status, _, body := w.do(http.MethodGet, "EIO=4&transport=polling&sid="+sid, "")
		if status != 200 {
			w.t.Fatalf("GET: %d %q", status, body)
		}
		got += body
	}
	return sid
}

// An oversized polling POST is answered 413 with an empty body; the
// pending GET gets a noop (not a close packet the client would read first)
// and the session closes with "transport error", one log line.
func TestWirePostTooLarge(t *testing.T) {
	forEachHost(t, func(t *testing.T, h adapterHost) {
		w := startWireHost(t, h, core.Options{Engine: engineio.Options{MaxHTTPBufferSize: 1000}})
		sid := w.handshake()
		pending := w.pollAsync(sid)
		status, _, body := w.do(http.MethodPost, "EIO=4&transport=polling&sid="+sid, "4"+strings.Repeat("x", 2000))
		if status != http.StatusRequestEntityTooLarge || body != "" {
			t.Errorf("oversized POST: %d %q, want 413 with an empty body", status, body)
		}
		if status, body := w.answer(pending); status != "OK" || body != "6" {
			t.Errorf("pending GET: %s %q, want a noop", status, body)
		}
		waitUntil(t, 10*time.Second, "the close logged", func() bool { return strings.Contains(w.logs.String(), "session closed") })
		logs := w.logs.String()
		if n := strings.Count(logs, "level=INFO"); n != 1 || !strings.Contains(logs, `reason="transport error" err="engineio: message larger than MaxHTTPBufferSize"`) {
			t.Errorf("%d info lines: %s", n, logs)
		}
	})
}

// Protocol errors on a websocket end with a close frame whose status code
// says what was wrong, and one log line with a readable reason.
func TestWireWebSocketProtocolErrors(t *testing.T) {
	tests := []struct {
		name  string
		typ   int
		frame string
		code  int
		log   string
	}{
		{"unknown packet type", websocket.TextMessage, "9", websocket.CloseProtocolError, `reason="parse error" err="engineio: invalid packet: unknown type '9'"`},
		{"invalid UTF-8", websocket.TextMessage, "42[\"\xff\"]", websocket.CloseInvalidFramePayloadData, `reason="parse error" err="engineio: invalid packet: text frame is not valid UTF-8"`},
		{"bad base64", websocket.TextMessage, "b!!!", websocket.CloseInvalidFramePayloadData, `reason="parse error" err="engineio: invalid packet: bad base64`},
		{"client ping", websocket.TextMessage, "2", websocket.CloseProtocolError, `reason="transport error" err="engineio: invalid heartbeat direction`},
		{"too big", websocket.TextMessage, "4" + strings.Repeat("x", 2000), websocket.CloseMessageTooBig, `reason="transport error" err="websocket: read limit exceeded"`},
	}
	forEachHost(t, func(t *testing.T, h adapterHost) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := startWireHost(t, h, core.Options{Engine: engineio.Options{MaxHTTPBufferSize: 1000}})
				c := w.mustDial("EIO=4&transport=websocket")
				read(t, c) // open
				if err := c.WriteMessage(tt.typ, []byte(tt.frame)); err != nil {
					t.Fatal(err)
				}
				wantCloseCode(t, tt.name, closeError(t, c), tt.code)
				waitUntil(t, 10*time.Second, "the close logged", func() bool { return strings.Contains(w.logs.String(), "session closed") })
				logs := w.logs.String()
				if n := strings.Count(logs, "level=INFO"); n != 1 || strings.Count(logs, tt.log) != 1 {
					t.Errorf("%d info lines, want one with %s: %s", n, tt.log, logs)
				}
			})
		}
	})
}
