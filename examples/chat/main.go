// Command chat is a small chat room on sio: pick a nickname, see who joins
// and leaves, how many are online and who is typing; your messages go to
// everyone else, and the server's acknowledgement marks them delivered.
//
// From the root of the sio repository:
//
//	cd compat && npm ci && cd ..   # once: installs the browser client from npm
//	go run ./examples/chat         # then open http://127.0.0.1:8080 in two tabs
//
// The page loads the official Socket.IO browser client from
// /socket.io.min.js, which this program serves from a local npm install of
// socket.io-client: by default it looks for
// compat/node_modules/socket.io-client/dist/socket.io.min.js (or
// node_modules/socket.io-client/dist/socket.io.min.js) in the current
// directory and its parents; -client-js names the file. Nothing is fetched
// from the internet. Without the file the server still runs and the page
// explains how to install it.
//
// Flags:
//
//	-addr       listen address (default 127.0.0.1:8080)
//	-client-js  path of socket.io.min.js
//	-debug      log at debug level
//
// The server code is in package chat (examples/chat/chat), next to the page
// in examples/chat/chat/static; this file only runs it. SIGINT or SIGTERM
// disconnects the clients and stops the server gracefully.
package main

import (
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

	"github.com/socketio-go/sio/examples/chat/chat"
	"github.com/socketio-go/sio/examples/internal/clientjs"
)

// shutdownTimeout bounds the graceful shutdown.
const shutdownTimeout = 10 * time.Second

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	clientJS := flag.String("client-js", "", "path of socket.io.min.js (default: found in compat/node_modules or node_modules of the current directory or a parent)")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(*addr, *clientJS, log); err != nil {
		log.Error("chat", "err", err)
		os.Exit(1)
	}
}

func run(addr, clientJS string, log *slog.Logger) error {
	if clientJS == "" {
		clientJS = clientjs.Find()
	}
	app := chat.New(chat.Options{ClientJS: clientJS, Logger: log})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	log.Info("chat is running", "url", "http://"+ln.Addr().String()+"/")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the program at once

	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// Socket.IO first: it disconnects the clients and ends their long
	// polls and websockets, which http.Server.Shutdown does not track.
	if err := app.Shutdown(sctx); err != nil {
		log.Warn("socket.io shutdown", "err", err)
	}
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
