// The latency demo's server side, a port of python-socketio's latency
// demo: the page sends "ping_from_client" every second and the server
// answers with a "pong_from_server" event, as in python, and with the
// event's acknowledgement, so the page shows both round-trip times.
package main

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

//go:embed static
var static embed.FS

// App is the latency demo: an http.Handler serving the Socket.IO endpoint
// (/socket.io/), the browser client (/socket.io/socket.io.min.js) and the
// page (/).
type App struct {
	srv     *core.Server
	handler http.Handler
}

// newApp returns the demo, serving the browser client from clientDir (an
// npm install of socket.io-client) and logging to log.
func newApp(clientDir string, log *slog.Logger) *App {
	srv := core.NewServer(core.Options{ServeClient: clientDir, Logger: log})
	srv.OnConnect(func(s *core.Socket) error {
		log.Info("connected", "sid", s.ID(), "transport", s.Transport())
		return nil
	})
	srv.OnDisconnect(func(s *core.Socket, reason core.DisconnectReason) {
		log.Info("disconnected", "sid", s.ID(), "reason", reason.String())
	})
	// python-socketio:
	//
	//	@sio.event
	//	def ping_from_client(sid):
	//	    sio.emit('pong_from_server', room=sid)
	//
	// Returning from the handler also acknowledges the event when the
	// client asked for it.
	srv.On("ping_from_client", func(s *core.Socket) {
		_ = s.Emit("pong_from_server")
	})

	page, _ := fs.Sub(static, "static") // cannot fail: "static" is embedded
	return &App{srv: srv, handler: stdsio.Middleware(srv)(http.FileServerFS(page))}
}

// ServeHTTP serves the demo.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Shutdown disconnects every client and waits for the server's handlers,
// or until ctx is done.
func (a *App) Shutdown(ctx context.Context) error { return a.srv.Shutdown(ctx) }
