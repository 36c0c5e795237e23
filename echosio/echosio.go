// Package echosio mounts a Socket.IO (or Engine.IO) server in an Echo
// instance as middleware. Register it with Pre, so it runs before routing
// and needs no route:
//
//	e := echo.New()
//	e.Pre(echosio.Middleware(srv))
//	e.GET("/", home) // the host router keeps serving everything else
//
// On the server's path (by default "/socket.io" and "/socket.io/...") the
// middleware serves the request and returns nil (also after a WebSocket
// hijack, so Echo's error handler never writes to a hijacked connection);
// it then serves the configured static files; every other request goes to
// the next handler. Both "/socket.io" and "/socket.io/" are accepted, so
// the order relative to RemoveTrailingSlash/AddTrailingSlash does not
// matter.
//
// Values stored with c.Set by middleware that ran before (in Pre, before
// this one) reach connect and event handlers through
// core.HostValue(s.Context(), key) when their keys are listed in
// Config.ContextKeys.
//
// Pitfalls: middleware.Timeout wraps the writer in http.TimeoutHandler,
// which cannot hijack or hold a long-poll, so skip the server's path in it;
// middleware.Gzip compresses polling bodies, so skip the path there too.
package echosio

import (
	"github.com/labstack/echo/v4"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

// Config configures the middleware. The zero value serves the server's path
// only.
type Config struct {
	// Skipper, when it returns true, passes the request on untouched.
	Skipper func(c echo.Context) bool
	// StaticFiles are served after the server's path and before the next
	// handler.
	StaticFiles core.StaticFiles
	// ContextKeys lists the c.Get keys copied into the handshake context.
	ContextKeys []string
}

// Middleware returns the middleware serving srv with the zero Config.
func Middleware(srv stdsio.Server) echo.MiddlewareFunc {
	return MiddlewareWithConfig(srv, Config{})
}

// MiddlewareWithConfig returns the middleware serving srv.
func MiddlewareWithConfig(srv stdsio.Server, cfg Config) echo.MiddlewareFunc {
	m := stdsio.New(srv, stdsio.Config{StaticFiles: cfg.StaticFiles})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper != nil && cfg.Skipper(c) {
				return next(c)
			}
			r := c.Request()
			if len(cfg.ContextKeys) > 0 {
				vals := make(map[string]any, len(cfg.ContextKeys))
				for _, k := range cfg.ContextKeys {
					if v := c.Get(k); v != nil {
						vals[k] = v
					}
				}
				r = r.WithContext(core.WithHostValues(r.Context(), vals))
			}
			if m.Serve(c.Response(), r) {
				return nil
			}
			return next(c)
		}
	}
}
