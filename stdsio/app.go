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
	client core.StaticFiles // the JavaScript client, under the server's path
	log    *slog.Logger
}

// clientServer is a Server that serves the JavaScript client
// (*core.Server, with core.Options.ServeClient).
type clientServer interface {
	ClientFiles() core.StaticFiles
}

// New returns a Mount for srv.
func New(srv Server, cfg Config) *Mount {
	eng := srv.Engine()
	m := &Mount{a: newAdapter(eng), static: cfg.StaticFiles, log: eng.Options().Logger}
	if cs, ok := srv.(clientServer); ok {
		m.client = cs.ClientFiles()
	}
	return m
}

// Serve answers r when it is for the server's path or a static file and
// reports whether it did; otherwise it writes nothing and returns false.
func (m *Mount) Serve(w http.ResponseWriter, r *http.Request) bool {
	if m.a.Match(r.URL.Path) {
		// Only a path longer than the server's can name a client file: the
		// Engine.IO requests do not pay for the lookup.
		if m.client == nil || len(r.URL.Path) <= len(m.a.prefix) || !m.serveFile(w, r, m.client) {
			m.a.ServeHTTP(w, r)
		}
		return true
	}
	return len(m.static) > 0 && m.serveFile(w, r, m.static)
}

// serveFile answers r with the file a rule of files maps it to, with its
// ETag (304 when If-None-Match names it) and the rule's Cache-Control, and
// reports whether it did.
func (m *Mount) serveFile(w http.ResponseWriter, r *http.Request, files core.StaticFiles) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	f, rule, err := files.Open(r.URL.Path)
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
	h := w.Header()
	h.Set("Content-Type", rule.ContentType)
	h.Set("Etag", core.StaticETag(st)) // http.ServeContent answers If-None-Match with it
	if rule.CacheControl != "" {
		h.Set("Cache-Control", rule.CacheControl)
	}
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
