package stdsio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/stdsio"
)

// wait bounds every wait in these tests; nothing sleeps to synchronise.
const wait = 15 * time.Second

// logBuf collects a server's log output.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type closeEvent struct {
	sock   *engineio.Socket
	reason engineio.CloseReason
	err    error
}

type msgEvent struct {
	data   string
	binary bool
}

// env is a sio server behind an httptest server, and a client for it.
type env struct {
	t      testing.TB
	srv    *engineio.Server
	ts     *httptest.Server
	logs   *logBuf
	client *http.Client
	base   string // ts.URL + the server's path

	conns  chan *engineio.Socket
	msgs   chan msgEvent
	closes chan closeEvent
}

type envOption func(*envConfig)

type envConfig struct {
	handler   func(http.Handler) http.Handler // wraps the sio handler
	configure func(*http.Server)
	echo      bool
}

func withWrapper(w func(http.Handler) http.Handler) envOption {
	return func(c *envConfig) { c.handler = w }
}

func withHTTPServer(f func(*http.Server)) envOption {
	return func(c *envConfig) { c.configure = f }
}

func withEcho() envOption { return func(c *envConfig) { c.echo = true } }

func newEnv(t testing.TB, opts engineio.Options, options ...envOption) *env {
	t.Helper()
	var cfg envConfig
	for _, o := range options {
		o(&cfg)
	}
	e := &env{
		t:      t,
		logs:   &logBuf{},
		conns:  make(chan *engineio.Socket, 10000),
		msgs:   make(chan msgEvent, 10000),
		closes: make(chan closeEvent, 10000),
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	e.srv = engineio.New(opts)
	e.srv.OnConnection(func(s *engineio.Socket) {
		s.OnMessage(func(data []byte, binary bool) {
			select {
			case e.msgs <- msgEvent{string(data), binary}:
			default:
			}
			if cfg.echo {
				if binary {
					_ = s.SendBinary(bytes.Clone(data))
				} else {
					_ = s.Send(engineio.TextMessage(data))
				}
			}
		})
		s.OnClose(func(reason engineio.CloseReason, err error) {
			select {
			case e.closes <- closeEvent{s, reason, err}:
			default:
			}
		})
		select {
		case e.conns <- s:
		default:
		}
	})
	var h http.Handler = stdsio.Handler(e.srv)
	if cfg.handler != nil {
		h = cfg.handler(h)
	}
	e.ts = httptest.NewUnstartedServer(h)
	if cfg.configure != nil {
		cfg.configure(e.ts.Config)
	}
	e.ts.Start()
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}
	e.client = &http.Client{Transport: tr}
	e.base = e.ts.URL + e.srv.Path()
	// Cleanups run last-in first-out: the sio server first, so pending
	// long-polls end and the HTTP server can close.
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		e.ts.Close()
		tr.CloseIdleConnections()
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_ = e.srv.Shutdown(ctx)
	})
	return e
}

// do sends a request and returns the answer with its body read.
func (e *env) do(method, query, body string, header http.Header) (*http.Response, string) {
	e.t.Helper()
	return e.doCtx(context.Background(), method, e.base+"?"+query, body, header)
}

func (e *env) doCtx(ctx context.Context, method, url, body string, header http.Header) (*http.Response, string) {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp, string(b)
}

// handshake opens a polling session and returns its sid and the records
// of the handshake answer.
func (e *env) handshake() (string, []string) {
	e.t.Helper()
	resp, body := e.do("GET", "EIO=4&transport=polling", "", nil)
	if resp.StatusCode != 200 {
		e.t.Fatalf("handshake: %d %s", resp.StatusCode, body)
	}
	recs := strings.Split(body, "\x1e")
	return sidOf(e.t, recs[0]), recs
}

func sidOf(t testing.TB, open string) string {
	t.Helper()
	var hs struct{ SID string }
	if !strings.HasPrefix(open, "0") || json.Unmarshal([]byte(open[1:]), &hs) != nil || hs.SID == "" {
		t.Fatalf("not an open packet: %q", open)
	}
	return hs.SID
}

// get long-polls sid and expects 200.
func (e *env) get(sid string) []string {
	e.t.Helper()
	resp, body := e.do("GET", "EIO=4&transport=polling&sid="+sid, "", nil)
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET: %d %s", resp.StatusCode, body)
	}
	return strings.Split(body, "\x1e")
}

// post sends a payload and expects 200 "ok".
func (e *env) post(sid, payload string) {
	e.t.Helper()
	resp, body := e.do("POST", "EIO=4&transport=polling&sid="+sid, payload, nil)
	if resp.StatusCode != 200 || body != "ok" {
		e.t.Fatalf("POST %q: %d %s", payload, resp.StatusCode, body)
	}
}

// dial opens a websocket to the server with the given query.
func (e *env) dial(query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	u := "ws" + strings.TrimPrefix(e.base, "http") + "?" + query
	d := websocket.Dialer{HandshakeTimeout: wait}
	c, resp, err := d.Dial(u, header)
	if err == nil {
		e.t.Cleanup(func() { c.Close() })
	}
	return c, resp, err
}

func (e *env) mustDial(query string) *websocket.Conn {
	e.t.Helper()
	c, resp, err := e.dial(query, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		e.t.Fatalf("dial %s: %v (%d)", query, err, status)
	}
	return c
}

func readText(t testing.TB, c *websocket.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	typ, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.TextMessage {
		t.Fatalf("frame type %d: %x", typ, data)
	}
	return string(data)
}

func writeText(t testing.TB, c *websocket.Conn, s string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		t.Fatalf("write %q: %v", s, err)
	}
}

func (e *env) conn() *engineio.Socket {
	e.t.Helper()
	select {
	case s := <-e.conns:
		return s
	case <-time.After(wait):
		e.t.Fatal("no connection")
	}
	return nil
}

func (e *env) msg() msgEvent {
	e.t.Helper()
	select {
	case m := <-e.msgs:
		return m
	case <-time.After(wait):
		e.t.Fatal("no message")
	}
	return msgEvent{}
}

func (e *env) closed() closeEvent {
	e.t.Helper()
	select {
	case c := <-e.closes:
		return c
	case <-time.After(wait):
		e.t.Fatal("no close")
	}
	return closeEvent{}
}

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

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// doNoFail is do for goroutines other than the test's: it reports errors
// as status 0.
func (e *env) doNoFail(ctx context.Context, method, query, body string) (int, string) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.base+"?"+query, r)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err.Error()
	}
	return resp.StatusCode, string(b)
}

func sidOfNoFail(body string) string {
	open, _, _ := strings.Cut(body, "\x1e")
	var hs struct{ SID string }
	if len(open) > 0 {
		_ = json.Unmarshal([]byte(open[1:]), &hs)
	}
	return hs.SID
}
