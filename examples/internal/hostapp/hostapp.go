// Package hostapp is the part the framework examples share: flags, logging,
// the chat application and the graceful shutdown on SIGINT/SIGTERM.
package hostapp

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/socketio-go/sio/examples/chat/chat"
	"github.com/socketio-go/sio/examples/internal/clientjs"
)

// ShutdownTimeout bounds the graceful shutdown.
const ShutdownTimeout = 10 * time.Second

// App is what a framework example serves.
type App struct {
	// Addr is the listen address (-addr).
	Addr string
	// Log is the logger.
	Log *slog.Logger
	// Chat is the chat application; mount Chat.Server() with the
	// framework's adapter and serve chat.Page() with its router.
	Chat *chat.App
	// ClientJSPath is the browser client's file, "" when not found.
	ClientJSPath string
	// ClientJS serves the browser client at clientjs.URL.
	ClientJS http.Handler
}

// Setup parses the flags (-addr, -client-js) and builds the chat.
func Setup(framework string) *App {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	clientJS := flag.String("client-js", "", "path of socket.io.min.js (default: found in compat/node_modules)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("host", framework)
	if *clientJS == "" {
		*clientJS = clientjs.Find()
	}
	return &App{
		Addr:         *addr,
		Log:          log,
		Chat:         chat.New(chat.Options{ClientJS: *clientJS, Logger: log}),
		ClientJSPath: *clientJS,
		ClientJS:     clientjs.Handler(*clientJS, log),
	}
}

// Run calls serve on a goroutine, waits for SIGINT or SIGTERM (or serve's
// failure), then shuts sio down first (it holds the upgraded websockets,
// which the host's shutdown does not track) and the host after it.
func (a *App) Run(serve func() error, shutdownHost func(context.Context) error) {
	a.Log.Info("chat is running", "url", "http://"+a.Addr+"/")
	failed := make(chan error, 1)
	go func() { failed <- serve() }()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	select {
	case err := <-failed:
		a.Log.Error("server stopped", "err", err)
		os.Exit(1)
	case <-stop:
	}
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := a.Chat.Shutdown(ctx); err != nil {
		a.Log.Warn("sio shutdown", "err", err)
	}
	if err := shutdownHost(ctx); err != nil {
		a.Log.Warn("host shutdown", "err", err)
	}
	a.Log.Info("stopped")
}
