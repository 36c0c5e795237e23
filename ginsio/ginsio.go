package ginsio

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

// Config configures the middleware. The zero value serves the server's path
// only and carries c.Keys into the handshake.
type Config struct {
	// StaticFiles are served after the server's path and before the rest
	// of the chain.
	StaticFiles core.StaticFiles
	// IgnoreKeys stops copying c.Keys into the handshake context.
	IgnoreKeys bool
}

// New returns the middleware serving srv. Mount it on the engine with
// r.Use, not inside a route group (see the package documentation and
// Check).
func New(srv stdsio.Server, cfg Config) gin.HandlerFunc {
	m := stdsio.New(srv, stdsio.Config{StaticFiles: cfg.StaticFiles})
	path := strings.TrimSuffix(srv.Engine().Path(), "/")
	return func(c *gin.Context) {
		r := c.Request
		if strings.HasPrefix(r.URL.Path, path) {
			if reached, ok := r.Context().Value(checkKey{}).(*bool); ok {
				*reached = true
				c.AbortWithStatus(http.StatusNoContent)
				return
			}
		}
		if !cfg.IgnoreKeys && len(c.Keys) > 0 {
			c.Request = r.WithContext(core.WithHostValues(r.Context(), stringKeys(c.Keys)))
		}
		if m.Serve(upgradeStatus{c.Writer}, c.Request) {
			c.Abort()
			return
		}
		c.Request = r
		c.Next()
	}
}

// upgradeStatus records 101 Switching Protocols in Gin's writer when the
// connection is hijacked for a websocket: the upgrader writes the 101 on
// the hijacked connection, which Gin's writer never sees, so gin.Logger
// would log the 404 of Gin's 404 chain. A refused upgrade is answered
// through the writer before any hijack, and logged with its own status.
type upgradeStatus struct{ gin.ResponseWriter }

// Hijack sets the status to 101, then hijacks the connection.
func (w upgradeStatus) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.ResponseWriter.WriteHeader(http.StatusSwitchingProtocols)
	return w.ResponseWriter.Hijack()
}

// Unwrap returns Gin's writer.
func (w upgradeStatus) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ErrNotMounted is returned by Check when no ginsio middleware serving the
// server answered a request for its path.
var ErrNotMounted = errors.New("ginsio: the server's path is not served")

// checkKey marks Check's request in its context, which no client can set.
type checkKey struct{}

// Check sends a request for srv's path through h (the *gin.Engine, or
// whatever handler is in front of it) and reports whether the middleware
// New returned for srv answered it; it returns an error wrapping
// ErrNotMounted otherwise. The request reaches no session and no log: call
// Check in a test, or at start, to catch the usual misuse, a mount inside
// a route group (r.Group(...).Use(ginsio.New(...))), where Gin runs the
// middleware only for the group's matched routes and every Socket.IO
// request gets a 404.
func Check(h http.Handler, srv stdsio.Server) error {
	reached := false
	ctx := context.WithValue(context.Background(), checkKey{}, &reached)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.Engine().Path()+"?EIO=4&transport=polling", nil)
	if err != nil {
		return err
	}
	h.ServeHTTP(&discard{header: http.Header{}}, req)
	if !reached {
		return fmt.Errorf("%w (%s): mount ginsio.New on the engine with r.Use, not inside a route group, whose middleware Gin runs only for the group's routes", ErrNotMounted, srv.Engine().Path())
	}
	return nil
}

// discard is the ResponseWriter of Check's request.
type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// stringKeys copies the string-keyed entries of keys.
func stringKeys(keys map[any]any) map[string]any {
	out := make(map[string]any, len(keys))
	for k, v := range keys {
		if ks, ok := k.(string); ok {
			out[ks] = v
		}
	}
	return out
}
