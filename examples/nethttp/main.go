// Command nethttp is a chat on net/http: stdsio's middleware serves
// Socket.IO (and the browser client) in front of an http.ServeMux, which
// serves the page and the application's own routes.
//
//	go run ./examples/nethttp   # then open http://127.0.0.1:8080 in two tabs
//
// The page loads the browser client from /socket.io/socket.io.min.js, which
// the Socket.IO server serves from an npm install of socket.io-client
// (core.Options.ServeClient); the first run makes that install with
// `npm ci` (see client.go), or -client names your own.
//
// SIGINT or SIGTERM stops it gracefully: the Socket.IO server first (it
// holds the upgraded websockets and long-polls, which
// http.Server.Shutdown does not track), then the HTTP server.
package main

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

//go:embed index.html
var page []byte

func main() {
	addr := flag.String("addr", cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8080"), "listen address (default $ADDR, else 127.0.0.1:8080)")
	client := flag.String("client", "", "folder of an npm install of socket.io-client (default: installed on first run)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *client, log); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}

func run(addr, client string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := clientDir(ctx, client, log)
	if err != nil {
		return err
	}

	srv := core.NewServer(core.Options{ServeClient: dir, Logger: log})
	srv.On("chat message", func(s *core.Socket, text string) string {
		_ = s.Broadcast().Emit("chat message", text) // to everyone else
		return "delivered"                           // the acknowledgement
	})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: stdsio.Middleware(srv)(mux), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("chat on net/http is running", "url", "http://"+ln.Addr().String()+"/")

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the program at once
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(sctx), hs.Shutdown(sctx))
}
