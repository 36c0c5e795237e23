package siotest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/stdsio"
)

// TestHeader is a header the handshake of every client a Host dials over
// HTTP carries, with the value "siotest", for tests of what a handshake
// reports.
const TestHeader = "X-Test"

// Host is a core.Server with the clients of a test: over HTTP (stdsio on
// an httptest server) or over in-memory pipes (DialPipe).
type Host struct {
	*core.Server
	// HTTP is the test server.
	HTTP *httptest.Server

	serving sync.WaitGroup // the Ticket.Serve goroutines of pipes

	mu      sync.Mutex // guards clients and down
	clients []*Client
	down    bool
}

// Serve starts serving srv on an httptest server.
func Serve(srv *core.Server) *Host {
	return &Host{Server: srv, HTTP: httptest.NewServer(stdsio.Handler(srv))}
}

// NewHost serves srv (see Serve) and shuts it down when the test ends.
func NewHost(t testing.TB, srv *core.Server) *Host {
	h := Serve(srv)
	t.Cleanup(func() { h.Shutdown(t) })
	return h
}

// URL returns the base URL of the server's endpoint, with its path.
func (h *Host) URL() string { return h.HTTP.URL + h.Options().Path }

func (h *Host) add(c *Client) {
	c.host = h
	h.mu.Lock()
	h.clients = append(h.clients, c)
	h.mu.Unlock()
}

// Dial opens an Engine.IO session over a websocket with the extra query
// (may be ""); Shutdown closes it.
func (h *Host) Dial(t testing.TB, query string) *Client {
	t.Helper()
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	return h.DialOptions(t, Options{Query: q})
}

// DialOptions is Dial with options (Path is the server's).
func (h *Host) DialOptions(t testing.TB, o Options) *Client {
	t.Helper()
	o.Path = h.Options().Path
	if o.Header == nil {
		o.Header = http.Header{}
	}
	o.Header.Set(TestHeader, "siotest")
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	c, err := Open(ctx, h.HTTP.URL, o)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	h.add(c)
	return c
}

// Connect dials and joins nsp; it returns the client and its socket id.
func (h *Host) Connect(t testing.TB, nsp, query string, auth any) (*Client, string) {
	t.Helper()
	c := h.Dial(t, query)
	return c, c.Join(t, nsp, auth)
}

// Request returns the handshake request of a websocket-only session with
// the extra query, for DialPipe and Engine().PrepareWebSocket.
func (h *Host) Request(query url.Values) *engineio.Request {
	return WebSocketRequest(h.Options().Path, query)
}

// WebSocketRequest returns the handshake request of a websocket-only
// session at path with the extra query, as an adapter would fill it.
func WebSocketRequest(path string, query url.Values) *engineio.Request {
	q := url.Values{"EIO": {"4"}, "transport": {"websocket"}}
	for k, v := range query {
		q[k] = v
	}
	return &engineio.Request{
		Method:     http.MethodGet,
		Path:       path,
		Query:      q,
		Header:     http.Header{"User-Agent": {"sio-test"}},
		Host:       "example.com",
		RemoteAddr: "192.0.2.1:1234",
		Context:    context.Background(),
	}
}

// DialPipe opens a websocket-only session over an in-memory Pipe, through
// the engine's websocket entry (PrepareWebSocket, Ticket.Serve) with req
// (nil: Request(nil)); Shutdown closes it.
func (h *Host) DialPipe(t testing.TB, req *engineio.Request, o Options) *Client {
	t.Helper()
	if req == nil {
		req = h.Request(nil)
	}
	ticket, resp := h.Engine().PrepareWebSocket(req)
	if resp != nil {
		t.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
	}
	server, client := Pipe()
	h.serving.Add(1)
	go func() {
		defer h.serving.Done()
		ticket.Serve(server)
	}()
	c, err := Start(client, o)
	if err != nil {
		t.Fatal(err)
	}
	h.add(c)
	return c
}

// IsDown reports whether Shutdown was called.
func (h *Host) IsDown() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down
}

// Shutdown shuts the server down (its clients receive their close
// packets), closes the clients and stops serving; later calls do nothing.
func (h *Host) Shutdown(t testing.TB) {
	h.mu.Lock()
	if h.down {
		h.mu.Unlock()
		return
	}
	h.down = true
	clients := h.clients
	h.mu.Unlock()
	for _, c := range clients {
		c.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	if err := h.Server.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	for _, c := range clients {
		c.Close()
	}
	h.serving.Wait()
	h.HTTP.Close()
}
