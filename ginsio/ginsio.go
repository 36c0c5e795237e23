// Package ginsio mounts a Socket.IO (or Engine.IO) server in a Gin engine as
// middleware:
//
//	r := gin.New()
//	r.Use(ginsio.New(srv, ginsio.Config{}))
//	r.GET("/", home) // the host router keeps serving everything else
//
// On the server's path (by default "/socket.io" and "/socket.io/...") the
// middleware serves the request and aborts the chain; it then serves the
// configured static files; every other request goes to c.Next(). No route
// has to be registered, so Gin's trailing-slash redirects and catch-all
// conflicts do not apply. The status is always written explicitly, so
// requests served from Gin's 404 chain do not go out as 404.
//
// Values that earlier middleware stored with c.Set (c.Keys) reach connect
// and event handlers through core.HostValue(s.Context(), key) or
// s.HostValue(key).
//
// Pitfalls handled or documented: gin-contrib/gzip compresses polling
// bodies, so exclude the server's path from it (the core compresses
// polling responses itself); gin-contrib/cors answers the upgrade request
// with 403 for origins it does not allow, so let the core own CORS
// (core.Options.CORSAllowedOrigins) or set Engine.CORS.HostHandled.
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
