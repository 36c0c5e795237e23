// Package hostapp is what the example programs share: their flags, logging,
// and the graceful shutdown on SIGINT or SIGTERM.
package hostapp

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/socketio-go/sio/examples/internal/clientjs"
)

// ShutdownTimeout bounds the graceful shutdown.
const ShutdownTimeout = 10 * time.Second

// Flags are the examples' command-line settings.
type Flags struct {
	// Addr is the listen address (-addr, default 127.0.0.1:8080).
	Addr string
	// ClientJS is the browser client's file (-client-js, else found in
	// compat/node_modules); "" when there is none.
	ClientJS string
	// Log is the logger (-debug logs at debug level).
	Log *slog.Logger
}

// ParseFlags parses the command line.
func ParseFlags() Flags {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	clientJS := flag.String("client-js", "", "path of socket.io.min.js (default: found in compat/node_modules or node_modules of the current directory or a parent)")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	f := Flags{Addr: *addr, ClientJS: *clientJS, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))}
	if f.ClientJS == "" {
		f.ClientJS = clientjs.Find()
	}
	return f
}

// Run calls serve on a goroutine and waits for SIGINT or SIGTERM (or for
// serve to fail), then runs the shutdown functions in order, within
// ShutdownTimeout: the Socket.IO server's first (it holds the upgraded
// websockets and long-polls, which the host's own shutdown does not track),
// then the host's. It exits the program with status 1 on failure.
func Run(f Flags, what string, serve func() error, shutdown ...func(context.Context) error) {
	f.Log.Info(what+" is running", "url", "http://"+f.Addr+"/")
	failed := make(chan error, 1)
	go func() { failed <- serve() }()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-failed:
		f.Log.Error(what+" stopped", "err", err)
		os.Exit(1)
	case <-ctx.Done():
	}
	stop() // a second signal ends the program at once
	f.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	code := 0
	for _, fn := range shutdown {
		if err := fn(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			f.Log.Warn("shutdown", "err", err)
			code = 1
		}
	}
	f.Log.Info("stopped")
	os.Exit(code)
}
