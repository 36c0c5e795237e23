package fibersio_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/fibersio"
	"github.com/socketio-go/sio/internal/connbench"
)

// benchSIO serves a Socket.IO server with the benchmark contract's "echo"
// handler through fibersio on a loopback listener; it returns the server
// and its Engine.IO URL.
func benchSIO(b *testing.B) (*core.Server, string) {
	opts := core.Options{}
	opts.Engine.PingInterval = time.Hour
	srv := core.NewServer(opts)
	srv.On("echo", func(_ *core.Socket, args core.Args) core.Args { return args })
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fibersio.New(srv, fibersio.Config{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = app.Listener(ln)
	}()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), connbench.Wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = app.ShutdownWithTimeout(time.Second)
		<-served
	})
	return srv, "http://" + ln.Addr().String() + srv.Options().Path
}

// BenchmarkIdleSession measures what an idle websocket session on Fiber
// keeps: heapB/session, stackB/session and goroutines/session (see
// internal/connbench), 500 sessions per operation.
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
