// Command chat is a small chat room on sio: pick a nickname, see who joins
// and leaves, how many are online and who is typing; your messages go to
// everyone else, and the server's acknowledgement marks them delivered.
//
//	go run ./examples/chat   # then open http://127.0.0.1:8080 in two tabs
//
// The page loads the official browser client from
// /socket.io/socket.io.min.js, which the Socket.IO server serves itself
// (core.Options.ServeClient) from an npm install of socket.io-client. On
// first run the program makes that install with `npm ci` from the
// package.json and package-lock.json of this folder (Node.js and npm are
// needed once); -client names an install of your own instead. Nothing is
// fetched from a CDN.
//
// Flags:
//
//	-addr    listen address (default $ADDR, else 127.0.0.1:8080)
//	-client  folder of an npm install of socket.io-client
//	-debug   log at debug level
//
// SIGINT or SIGTERM disconnects the clients and stops the server
// gracefully: the Socket.IO server first (it holds the upgraded websockets
// and long-polls, which http.Server.Shutdown does not track), then the
// HTTP server.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8080"), "listen address (default $ADDR, else 127.0.0.1:8080)")
	client := flag.String("client", "", "folder of an npm install of socket.io-client (default: installed on first run)")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(*addr, *client, log); err != nil {
		log.Error("chat failed", "err", err)
		os.Exit(1)
	}
	log.Info("stopped")
}

func run(addr, client string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := clientDir(ctx, client, log)
	if err != nil {
		return err
	}
	app := newApp(dir, log)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("chat is running", "url", "http://"+ln.Addr().String()+"/")

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the program at once
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(app.Shutdown(sctx), hs.Shutdown(sctx))
}
