// Package latency is the server side of the latency example (see
// examples/latency/main.go), a port of python-socketio's latency demo: the
// page sends "ping_from_client" every second and the server answers with a
// "pong_from_server" event, as in python, and with the event's
// acknowledgement, so the page shows both round-trip times.
package latency

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/examples/internal/clientjs"
	"github.com/socketio-go/sio/stdsio"
)

//go:embed static
var static embed.FS

// Options configures an App.
type Options struct {
	// ClientJS is the path of socket.io.min.js, served at
	// /socket.io.min.js. Empty or unreadable: the page explains how to
	// install it.
	ClientJS string
	// Logger receives the log lines. Nil: silent.
	Logger *slog.Logger
}

// App is the latency demo: an http.Handler serving the Socket.IO endpoint
// (/socket.io/), the page (/) and the client script (/socket.io.min.js).
type App struct {
	srv     *core.Server
	handler http.Handler
}

// New returns the latency demo described by opts.
func New(opts Options) *App {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := core.NewServer(core.Options{Logger: log})
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

	mux := http.NewServeMux()
	clientjs.Register(mux, opts.ClientJS, log)
	page, _ := fs.Sub(static, "static") // cannot fail: "static" is embedded
	mux.Handle("GET /", http.FileServerFS(page))
	return &App{srv: srv, handler: stdsio.Middleware(srv)(mux)}
}

// ServeHTTP serves the demo.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Server returns the demo's Socket.IO server.
func (a *App) Server() *core.Server { return a.srv }

// Shutdown disconnects every client and waits for the server's handlers,
// or until ctx is done.
func (a *App) Shutdown(ctx context.Context) error { return a.srv.Shutdown(ctx) }
