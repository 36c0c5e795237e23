package floor

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/socketio-go/sio/internal/connbench"
)

// BenchmarkIdleSession measures what an idle websocket session keeps on
// the floor, as the adapters' BenchmarkIdleSession measure it on sio.
func BenchmarkIdleSession(b *testing.B) {
	s := New(time.Hour, time.Hour).(*server)
	ts := httptest.NewServer(s)
	b.Cleanup(ts.Close)
	joined := func() int {
		s.hub.mu.RLock()
		defer s.hub.mu.RUnlock()
		return len(s.hub.conns)
	}
	connbench.Measure(b, ts.URL+"/socket.io/", 500, joined)
}

// BenchmarkEcho measures one "echo" event and its acknowledgement over a
// loopback websocket, client included.
func BenchmarkEcho(b *testing.B) {
	ts := httptest.NewServer(New(time.Hour, time.Hour))
	b.Cleanup(ts.Close)
	connbench.Echo(b, ts.URL+"/socket.io/")
}
