package ginsio

import (
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

// New returns the middleware serving srv.
func New(srv stdsio.Server, cfg Config) gin.HandlerFunc {
	m := stdsio.New(srv, stdsio.Config{StaticFiles: cfg.StaticFiles})
	return func(c *gin.Context) {
		r := c.Request
		if !cfg.IgnoreKeys && len(c.Keys) > 0 {
			c.Request = r.WithContext(core.WithHostValues(r.Context(), stringKeys(c.Keys)))
		}
		if m.Serve(c.Writer, c.Request) {
			c.Abort()
			return
		}
		c.Request = r
		c.Next()
	}
}

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
