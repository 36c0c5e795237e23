// Command admin is a chat with the Socket.IO Admin UI: the server is
// instrumented with package adminui and serves the official UI itself, at
// /admin-ui/, with its fonts and icons, so it works with no internet
// access. The chat's page (index.html) loads the browser client from the
// Socket.IO server (core.Options.ServeClient).
//
// From the root of the sio repository:
//
//	ADMIN_PASSWORD=secret go run ./examples/admin
//
// then open http://127.0.0.1:8080/ (the chat) in a tab or two and
// http://127.0.0.1:8080/admin-ui/ (the UI), and log in as user "admin"
// with the password of ADMIN_PASSWORD. The program refuses to start
// without ADMIN_PASSWORD unless -no-auth is given (then anyone who can
// reach the server can manage it).
//
// On first run the program installs the UI, its fonts and icons and the
// browser client with `npm ci` from the package.json and package-lock.json
// of its folder (ui.go; Node.js and npm are needed once). Nothing is
// fetched from a CDN.
//
// Flags: -addr (default $ADDR, else 127.0.0.1:8080), -no-auth, -production
// (only the server statistics, no live socket and event reports), -ui (a
// node_modules folder of your own holding @socket.io/admin-ui, @mdi/font,
// @fontsource/roboto and socket.io-client) and -debug.
// SIGINT or SIGTERM stops the server gracefully.
package main

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/socketio-go/sio/adminui"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

//go:embed index.html
var page []byte

func main() {
	addr := flag.String("addr", cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8080"), "listen address (default $ADDR, else 127.0.0.1:8080)")
	noAuth := flag.Bool("no-auth", false, "no login for the Admin UI (anyone who reaches the server can manage it)")
	production := flag.Bool("production", false, "report only the server statistics to the Admin UI")
	uiDir := flag.String("ui", "", "node_modules folder with @socket.io/admin-ui, @mdi/font, @fontsource/roboto and socket.io-client (default: installed on first run)")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(*addr, *noAuth, *production, *uiDir, log); err != nil {
		log.Error("admin: " + err.Error())
		os.Exit(1)
	}
}

func run(addr string, noAuth, production bool, uiDir string, log *slog.Logger) error {
	auth := adminui.NoAuth()
	if !noAuth {
		password := os.Getenv("ADMIN_PASSWORD")
		if password == "" {
			return errors.New("set ADMIN_PASSWORD (the Admin UI's login is admin / $ADMIN_PASSWORD), or give -no-auth")
		}
		auth = adminui.Plain("admin", password)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	uiDir, err := nodeModules(ctx, uiDir, log)
	if err != nil {
		return err
	}
	srv := core.NewServer(core.Options{ServeClient: filepath.Join(uiDir, "socket.io-client"), Logger: log})
	srv.On("chat message", func(s *core.Socket, text string) string {
		_ = s.Broadcast().Emit("chat message", text) // to everyone else
		return "delivered"                           // the acknowledgement
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	mode := adminui.Development
	if production {
		mode = adminui.Production
	}
	admin, err := adminui.Instrument(srv, adminui.Config{Auth: auth, Mode: mode, Logger: log})
	if err != nil {
		return err
	}
	defer admin.Close()
	files, err := adminui.UIFiles(adminui.UIConfig{Dir: uiDir})
	if err != nil {
		log.Warn("admin: the Admin UI is not served", "err", err)
	}
	// The UI's files through the static-file rules, before the page.
	handler := stdsio.New(srv, stdsio.Config{StaticFiles: files}).Middleware(mux)
	hs := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}

	served := make(chan error, 1)
	go func() { served <- hs.ListenAndServe() }()
	log.Info(fmt.Sprintf("admin: chat on http://%s/, Admin UI on http://%s/admin-ui/", addr, addr))
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("admin: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(sctx), hs.Shutdown(sctx))
}
