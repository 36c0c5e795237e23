package stdsio_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/connbench"
	"github.com/socketio-go/sio/stdsio"
)

// benchSIO serves a Socket.IO server with the benchmark contract's "echo"
// handler through stdsio on a loopback listener; it returns the server and
// its Engine.IO URL.
func benchSIO(b *testing.B) (*core.Server, string) {
	opts := core.Options{}
	opts.Engine.PingInterval = time.Hour
	srv := core.NewServer(opts)
	srv.On("echo", func(_ *core.Socket, args core.Args) core.Args { return args })
	ts := httptest.NewServer(stdsio.Handler(srv))
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return srv, ts.URL + srv.Options().Path
}

// BenchmarkIdleSession measures what an idle websocket session on
// net/http keeps: heapB/session, stackB/session and goroutines/session
// (see internal/connbench), 500 sessions per operation.
func BenchmarkIdleSession(b *testing.B) {
	srv, base := benchSIO(b)
	connbench.Measure(b, base, 500, srv.Of("/").Len)
}

// BenchmarkEcho measures one "echo" event and its acknowledgement over a
// loopback websocket, client included.
func BenchmarkEcho(b *testing.B) {
	_, base := benchSIO(b)
	connbench.Echo(b, base)
}
