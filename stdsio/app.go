package stdsio

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/socketio-go/sio/core"
)

// Config configures a Mount. The zero value serves the server's path only.
type Config struct {
	// StaticFiles are served for the URLs they match, after the server's
	// path and before the host application (see core.StaticFiles).
	StaticFiles core.StaticFiles
}

// Mount serves a server's path and its static files on net/http. Handler,
// Middleware and App are built on it, and so are the Gin and Echo adapters.
type Mount struct {
	a      *adapter
	static core.StaticFiles
	log    *slog.Logger
}

// New returns a Mount for srv.
func New(srv Server, cfg Config) *Mount {
	eng := srv.Engine()
	return &Mount{a: newAdapter(eng), static: cfg.StaticFiles, log: eng.Options().Logger}
}

// Serve answers r when it is for the server's path or a static file and
// reports whether it did; otherwise it writes nothing and returns false.
func (m *Mount) Serve(w http.ResponseWriter, r *http.Request) bool {
	if m.a.Match(r.URL.Path) {
		m.a.ServeHTTP(w, r)
		return true
	}
	if len(m.static) == 0 || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	f, rule, err := m.static.Open(r.URL.Path)
	if errors.Is(err, core.ErrStaticForbidden) {
		m.log.Info("sio: static path refused", "path", r.URL.Path, "remote", r.RemoteAddr)
		http.Error(w, "403 forbidden", http.StatusForbidden)
		return true
	}
	if err != nil {
		return false // no rule, or no such file: the host decides
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false
	}
	w.Header().Set("Content-Type", rule.ContentType)
	http.ServeContent(w, r, "", st.ModTime(), f)
	return true
}

// Middleware serves the server's path and static files, and passes every
// other request to next.
func (m *Mount) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !m.Serve(w, r) {
			next.ServeHTTP(w, r)
		}
	})
}

// App returns python-socketio's WSGIApp for net/http: it serves srv's
// path, then the static files, then hands every other request to other
// (a secondary application), or answers 404 when other is nil.
func App(srv Server, static core.StaticFiles, other http.Handler) http.Handler {
	if other == nil {
		other = http.NotFoundHandler()
	}
	return New(srv, Config{StaticFiles: static}).Middleware(other)
}
