package core_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/internal/siotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait for an event in these tests. It is generous: the
// machine may be loaded (-race, 2 cores), and no test sleeps to
// synchronise.
const wait = siotest.Wait

// WebSocket message types (gorilla/websocket's numbering).
const (
	wsText   = siotest.TextMessage
	wsBinary = siotest.BinaryMessage
	wsClose  = siotest.CloseMessage
)

// testServer is a core.Server with the clients of one test (package
// siotest's Host); it is shut down, its clients closed, when the test
// ends.
type testServer struct {
	*siotest.Host
}

// newServer returns a testServer for a server with opts.
func newServer(t testing.TB, opts core.Options) *testServer {
	return &testServer{siotest.NewHost(t, core.NewServer(opts))}
}

// request is the handshake request of a websocket-only client.
func (ts *testServer) request(query map[string][]string) *engineio.Request { return ts.Request(query) }

// dial connects a client over an in-memory pipe, through the engine's
// websocket entry (PrepareWebSocket, Ticket.Serve).
func (ts *testServer) dial(t testing.TB) *siotest.Client {
	t.Helper()
	return ts.DialPipe(t, nil, siotest.Options{})
}

// dialRequest is dial with a handshake request and a hook (see
// siotest.Options.Hook), which may be nil.
func (ts *testServer) dialRequest(t testing.TB, req *engineio.Request, hook func(*siotest.Client, siotest.Packet) bool) *siotest.Client {
	t.Helper()
	return ts.DialPipe(t, req, siotest.Options{Hook: hook})
}

// dialWS connects a client over a real websocket on loopback, through
// stdsio and gorilla/websocket. hook may be nil.
func (ts *testServer) dialWS(t testing.TB, hook func(*siotest.Client, siotest.Packet) bool) *siotest.Client {
	t.Helper()
	return ts.DialOptions(t, siotest.Options{Hook: hook})
}

// callNoAck sends an event asking for an acknowledgement and checks, after
// a barrier, that none came (the event has no handler, or it declined).
func callNoAck(t testing.TB, c *siotest.Client, nsp, event string, args ...any) {
	t.Helper()
	id := c.Request(nsp, event, args...)
	c.Barrier(t, nsp)
	for _, p := range c.Queued() {
		if p.IsAck() && p.Nsp == nsp && p.ID == id {
			t.Errorf("%s on %s: acknowledged %v, want no acknowledgement", event, nsp, p)
		}
	}
}

// recv receives from ch within the wait bound.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		var zero T
		t.Fatalf("timed out waiting for a %T", zero)
		return zero
	}
}

// waitFor polls cond until it holds or the wait bound passes.
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
