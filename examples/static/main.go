// Command static serves a page and its files with python-socketio's
// static_files rules (core.StaticFiles), in front of a secondary
// application, as python's WSGIApp does (stdsio.App):
//
//	go run ./examples/static   # then open http://127.0.0.1:8080
//
// The rules, with the files in ./public:
//
//	"/"         → public/index.html            an exact URL to a file
//	"/assets"   → public/assets                a URL prefix to a folder
//	"/docs/"    → public/docs/                 a folder; URLs ending in "/"
//	""          → main.txt, text/plain         get this default file
//
// A request goes to the Socket.IO path first (/socket.io/, which also
// serves the browser client), then to the static rules, then to the
// secondary application (here: /api/time), else 404. Content types come
// from the rule, else from the extension table (.html .css .js .json .jpg
// .png .gif .txt), else application/octet-stream; every file has an ETag
// (304 Not Modified when unchanged). "..", encoded slashes and absolute
// paths cannot leave a rule's folder (403).
//
// -root names the folder of the files (default: public beside this
// source file, else ./public). The page loads the browser client from the
// Socket.IO server (core.Options.ServeClient), installed with `npm ci` on
// first run (see client.go), or -client names your own install.
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
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

func main() {
	addr := flag.String("addr", cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8080"), "listen address (default $ADDR, else 127.0.0.1:8080)")
	root := flag.String("root", defaultRoot(), "folder of the static files")
	client := flag.String("client", "", "folder of an npm install of socket.io-client (default: installed on first run)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *root, *client, log); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}

// defaultRoot returns the public folder beside this file when it exists
// (go run from anywhere in the source tree), else ./public.
func defaultRoot() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Join(filepath.Dir(file), "public")
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	return "public"
}

func run(addr, root, client string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := clientDir(ctx, client, log)
	if err != nil {
		return err
	}

	srv := core.NewServer(core.Options{ServeClient: dir, Logger: log})
	go pushTime(ctx, srv)

	static := core.StaticFiles{
		"/":       {Filename: filepath.Join(root, "index.html")},
		"/assets": {Filename: filepath.Join(root, "assets")},
		"/docs/":  {Filename: filepath.Join(root, "docs") + "/"},
		"":        {Filename: "main.txt", ContentType: "text/plain; charset=utf-8"},
	}
	api := http.NewServeMux() // the secondary application
	api.HandleFunc("GET /api/time", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(time.Now().Format(time.RFC3339)))
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: stdsio.App(srv, static, api), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("static files example is running", "url", "http://"+ln.Addr().String()+"/", "root", root)

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

// pushTime emits the server's time to every client once a second until
// ctx ends.
func pushTime(ctx context.Context, srv *core.Server) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case t := <-tick.C:
			_ = srv.Emit("time", t.Format(time.TimeOnly))
		}
	}
}
