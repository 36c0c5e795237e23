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
	// ContextKeys lists the keys of the values that earlier middleware
	// stored with c.Set and that the handshake carries (an echo.Context
	// cannot list its values). Nil: none; values attached to the
	// request's context with core.WithHostValues travel anyway.
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
