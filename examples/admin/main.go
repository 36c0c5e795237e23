// Command admin is a chat with the Socket.IO Admin UI: the server is
// instrumented with package adminui and serves the official UI itself, at
// /admin-ui/, with its fonts and icons, so it works with no internet
// access. The chat's page (index.html) loads the browser client from the
// Socket.IO server (core.Options.ServeClient).
//
// From the root of the sio repository:
//
//	cd compat/adminui && npm ci && cd ../..   # once: the UI, its fonts, the browser client
//	ADMIN_PASSWORD=secret go run ./examples/admin
//
// then open http://127.0.0.1:8080/ (the chat) in a tab or two and
// http://127.0.0.1:8080/admin-ui/ (the UI), and log in as user "admin"
// with the password of ADMIN_PASSWORD. The program refuses to start
// without ADMIN_PASSWORD unless -no-auth is given (then anyone who can
// reach the server can manage it).
//
// Flags: -addr (default 127.0.0.1:8080), -no-auth, -production (only the
// server statistics, no live socket and event reports), -ui (the
// node_modules folder holding @socket.io/admin-ui, @mdi/font and
// @fontsource/roboto; by default compat/adminui/node_modules or
// node_modules, in the current directory or a parent) and -debug.
// SIGINT or SIGTERM stops the server gracefully.
package main

import (
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
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	noAuth := flag.Bool("no-auth", false, "no login for the Admin UI (anyone who reaches the server can manage it)")
	production := flag.Bool("production", false, "report only the server statistics to the Admin UI")
	uiDir := flag.String("ui", "", "node_modules folder with @socket.io/admin-ui, @mdi/font and @fontsource/roboto (default: found from the current directory)")
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
	if uiDir == "" {
		uiDir = find("compat/adminui/node_modules", "node_modules")
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

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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

// find returns the first of dirs that holds the Admin UI, in the current
// directory or a parent, or the last of dirs.
func find(dirs ...string) string {
	wd, err := os.Getwd()
	if err != nil {
		return dirs[len(dirs)-1]
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, rel := range dirs {
			p := filepath.Join(d, rel)
			if _, err := os.Stat(filepath.Join(p, "@socket.io", "admin-ui")); err == nil {
				return p
			}
		}
		if filepath.Dir(d) == d {
			return dirs[len(dirs)-1]
		}
	}
}
