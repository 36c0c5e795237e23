// Command cors serves a page from one origin and Socket.IO from another:
// the Socket.IO server lists the page's origin in CORSAllowedOrigins, so
// the browser lets the page connect (polling requests and the websocket
// handshake both carry an Origin header, which the server checks).
//
//	go run ./examples/cors   # then open http://127.0.0.1:8081
//
// The page is on -page-addr (default 127.0.0.1:8081), Socket.IO on -addr
// (default 127.0.0.1:8080): two ports are two origins. The allowed origin
// is the page's URL exactly as the browser writes it: open
// http://localhost:8081 instead and the server refuses the connection
// (403), which the page shows.
//
// Without CORSAllowedOrigins the server accepts its own origin only;
// []string{"*"} accepts any. CORSCredentials allows cookies and HTTP
// authentication on the cross-origin requests (the client's
// withCredentials).
//
// The page loads the browser client from the Socket.IO server
// (core.Options.ServeClient), installed with `npm ci` on first run (see
// client.go), or -client names your own install.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"html/template"
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
var pageHTML string

var page = template.Must(template.New("page").Parse(pageHTML))

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address of the Socket.IO server")
	pageAddr := flag.String("page-addr", "127.0.0.1:8081", "listen address of the page, another origin")
	client := flag.String("client", "", "folder of an npm install of socket.io-client (default: installed on first run)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *pageAddr, *client, log); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}

func run(addr, pageAddr, client string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := clientDir(ctx, client, log)
	if err != nil {
		return err
	}
	// Listen first: the origins are only known with their ports.
	sioLn, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	pageLn, err := net.Listen("tcp", pageAddr)
	if err != nil {
		return err
	}
	serverURL := "http://" + sioLn.Addr().String()
	pageOrigin := "http://" + pageLn.Addr().String()

	srv := core.NewServer(core.Options{
		CORSAllowedOrigins: []string{pageOrigin},
		ServeClient:        dir,
		Logger:             log,
	})
	srv.On("origin", func(s *core.Socket) string { return s.Handshake().Headers.Get("Origin") })

	sioServer := &http.Server{Handler: stdsio.Handler(srv), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	pageServer := &http.Server{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, struct{ Server string }{serverURL})
	})}
	served := make(chan error, 2)
	go func() { served <- sioServer.Serve(sioLn) }()
	go func() { served <- pageServer.Serve(pageLn) }()
	log.Info("CORS example is running", "url", pageOrigin+"/", "socket.io", serverURL, "allowed origin", pageOrigin)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the program at once
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(sctx), sioServer.Shutdown(sctx), pageServer.Shutdown(sctx))
}
