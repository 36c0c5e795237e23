package core_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// Two loggers, as python-socketio's logger and engineio_logger: the
// Socket.IO layer at Debug shows every step of a socket, the Engine.IO
// layer at Info only its refusals and failures. OnConnectionError (Node's
// io.engine.on("connection_error")) sees every refused request.
func ExampleOptions_logging() {
	text := func(level slog.Level) *slog.Logger {
		return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
			Level: level,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{} // no time, for the example's output
				}
				return a
			},
		}))
	}
	srv := core.NewServer(core.Options{
		Logger:       text(slog.LevelDebug).With("layer", "socket.io"),
		EngineLogger: text(slog.LevelInfo).With("layer", "engine.io"),
	})
	srv.Engine().OnConnectionError(func(err *engineio.ConnectionError) {
		fmt.Println("connection error:", err.Code, err.Message, err.Request.RemoteAddr)
	})

	// A client of protocol version 3 is refused.
	srv.Engine().ServePoll(context.Background(), &engineio.Request{
		Method: http.MethodGet, Path: "/socket.io/", RemoteAddr: "192.0.2.1:1234",
		Query: url.Values{"EIO": {"3"}, "transport": {"polling"}}, Header: http.Header{},
	})
	// Output:
	// level=INFO msg="engineio: request refused" layer=engine.io code=5 reason="EIO=\"3\"" method=GET path=/socket.io/ query="EIO=3&transport=polling" remote=192.0.2.1:1234
	// connection error: 5 Unsupported protocol version 192.0.2.1:1234
}
