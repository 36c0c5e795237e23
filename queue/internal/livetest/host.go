package livetest

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

// Host is a core.Server served by stdsio on an httptest server, with the
// clients connected to it.
type Host struct {
	*core.Server
	// HTTP is the test server.
	HTTP *httptest.Server

	mu      sync.Mutex // guards clients and down
	clients []*Client
	down    bool
}

// Serve starts serving srv.
func Serve(srv *core.Server) *Host {
	return &Host{Server: srv, HTTP: httptest.NewServer(stdsio.Handler(srv))}
}

// Dial connects a client with the extra query (may be ""); Shutdown closes
// it.
func (h *Host) Dial(t testing.TB, query string) *Client {
	t.Helper()
	c := Dial(t, h.HTTP.URL+h.Options().Path, query)
	h.mu.Lock()
	h.clients = append(h.clients, c)
	h.mu.Unlock()
	return c
}

// Connect dials and joins nsp; it returns the client and its socket id.
func (h *Host) Connect(t testing.TB, nsp, query string, auth any) (*Client, string) {
	t.Helper()
	c := h.Dial(t, query)
	return c, c.Join(t, nsp, auth)
}

// IsDown reports whether Shutdown was called.
func (h *Host) IsDown() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down
}

// Shutdown closes the clients, shuts the server down and stops serving;
// later calls do nothing.
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
		c.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	if err := h.Server.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	h.HTTP.Close()
}
