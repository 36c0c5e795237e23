package compat

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	fibercompress "github.com/gofiber/fiber/v2/middleware/compress"
	fiberlogger "github.com/gofiber/fiber/v2/middleware/logger"
	fiberrecover "github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/echosio"
	"github.com/socketio-go/sio/fibersio"
	"github.com/socketio-go/sio/ginsio"
	"github.com/socketio-go/sio/stdsio"
)

// The host applications of the adapter tests: the same small application
// written natively for net/http, Gin, Echo and Fiber, each with the
// framework's usual middleware (logging, panic recovery, compression) and
// sio mounted the way its package documents.
//
//	GET /home            "home", from a host route
//	GET /assets/<file>   the host's own static folder (hostConfig.assets)
//	everything else      the host's 404, or hostConfig.fallback
//
// A host auth middleware copies the X-User request header into the
// framework's request values ("user"), which connect handlers read with
// core.HostValue. hostHits counts requests under the sio path that reached
// the host router (there must be none).

// hostConfig is what a host serves besides sio.
type hostConfig struct {
	static   core.StaticFiles // given to the adapter
	assets   string           // folder served by the host at /assets/
	fallback http.Handler     // instead of the host's 404, when not nil
	sioPaths []string         // the sio servers' paths, to count leaks
}

// hostApp is a running host.
type hostApp struct {
	URL      string
	hostHits *atomic.Int64 // sio requests that reached the host router
	shutdown func(ctx context.Context) error
}

// adapterHost starts one framework's host around servers.
type adapterHost struct {
	name  string
	start func(t testing.TB, servers []*core.Server, cfg hostConfig) *hostApp
}

func adapterHosts() []adapterHost {
	return []adapterHost{
		{"std", startStdHost},
		{"gin", startGinHost},
		{"echo", startEchoHost},
		{"fiber", startFiberHost},
	}
}

// selectedHosts returns the adapter hosts to run a suite against: all of
// them, or those SIO_ADAPTERS names (SIO_ADAPTERS=std,fiber).
func selectedHosts() []adapterHost {
	only := os.Getenv("SIO_ADAPTERS")
	if only == "" {
		return adapterHosts()
	}
	return slices.DeleteFunc(adapterHosts(), func(h adapterHost) bool {
		return !slices.Contains(strings.Split(only, ","), h.name)
	})
}

func (cfg hostConfig) isSIO(path string) bool {
	for _, p := range cfg.sioPaths {
		if strings.HasPrefix(path+"/", p) {
			return true
		}
	}
	return false
}

func startStdHost(t testing.TB, servers []*core.Server, cfg hostConfig) *hostApp {
	hits := new(atomic.Int64)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /home", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("home")) })
	if cfg.assets != "" {
		mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServer(http.Dir(cfg.assets))))
	}
	if cfg.fallback != nil {
		mux.Handle("/", cfg.fallback)
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cfg.isSIO(r.URL.Path) {
			hits.Add(1)
		}
		mux.ServeHTTP(w, r)
	})
	for i := len(servers) - 1; i >= 0; i-- {
		h = stdsio.New(servers[i], stdsio.Config{StaticFiles: cfg.static}).Middleware(h)
	}
	auth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-User"); u != "" {
			r = r.WithContext(core.WithHostValues(r.Context(), map[string]any{"user": u}))
		}
		h.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(auth)
	return &hostApp{URL: ts.URL, hostHits: hits, shutdown: func(ctx context.Context) error {
		ts.Config.SetKeepAlivesEnabled(false)
		err := ts.Config.Shutdown(ctx)
		ts.Close()
		return err
	}}
}

func startGinHost(t testing.TB, servers []*core.Server, cfg hostConfig) *hostApp {
	gin.SetMode(gin.ReleaseMode)
	hits := new(atomic.Int64)
	r := gin.New()
	r.Use(gin.LoggerWithWriter(io.Discard), gin.Recovery())
	r.Use(func(c *gin.Context) {
		if u := c.GetHeader("X-User"); u != "" {
			c.Set("user", u)
		}
		c.Next()
	})
	for i, srv := range servers {
		st := core.StaticFiles(nil)
		if i == len(servers)-1 {
			st = cfg.static
		}
		r.Use(ginsio.New(srv, ginsio.Config{StaticFiles: st}))
	}
	r.Use(func(c *gin.Context) {
		if cfg.isSIO(c.Request.URL.Path) {
			hits.Add(1)
		}
		c.Next()
	})
	r.GET("/home", func(c *gin.Context) { c.String(http.StatusOK, "home") })
	if cfg.assets != "" {
		r.Static("/assets", cfg.assets)
	}
	if cfg.fallback != nil {
		// Gin presets 404 in its NoRoute chain; reset it so the fallback's
		// implicit 200 is kept.
		r.NoRoute(func(c *gin.Context) {
			c.Status(http.StatusOK)
			cfg.fallback.ServeHTTP(c.Writer, c.Request)
		})
	}
	return serveHTTPHost(r, hits)
}

func startEchoHost(t testing.TB, servers []*core.Server, cfg hostConfig) *hostApp {
	hits := new(atomic.Int64)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if u := c.Request().Header.Get("X-User"); u != "" {
				c.Set("user", u)
			}
			return next(c)
		}
	})
	for i, srv := range servers {
		st := core.StaticFiles(nil)
		if i == len(servers)-1 {
			st = cfg.static
		}
		e.Pre(echosio.MiddlewareWithConfig(srv, echosio.Config{StaticFiles: st, ContextKeys: []string{"user"}}))
	}
	e.Use(echomw.LoggerWithConfig(echomw.LoggerConfig{Output: io.Discard}), echomw.Recover(), echomw.Gzip())
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.isSIO(c.Request().URL.Path) {
				hits.Add(1)
			}
			return next(c)
		}
	})
	e.GET("/home", func(c echo.Context) error { return c.String(http.StatusOK, "home") })
	if cfg.assets != "" {
		e.Static("/assets", cfg.assets)
	}
	if cfg.fallback != nil {
		e.RouteNotFound("/*", echo.WrapHandler(cfg.fallback))
	}
	return serveHTTPHost(e, hits)
}

// serveHTTPHost serves an http.Handler host on a loopback port.
func serveHTTPHost(h http.Handler, hits *atomic.Int64) *hostApp {
	ts := httptest.NewServer(h)
	return &hostApp{URL: ts.URL, hostHits: hits, shutdown: func(ctx context.Context) error {
		err := ts.Config.Shutdown(ctx)
		ts.Close()
		return err
	}}
}

func startFiberHost(t testing.TB, servers []*core.Server, cfg hostConfig) *hostApp {
	hits := new(atomic.Int64)
	// Fiber's default configuration: Immutable is off, so every byte slice
	// the adapter is handed is borrowed from a pooled Ctx.
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberlogger.New(fiberlogger.Config{Output: io.Discard}), fiberrecover.New(), fibercompress.New())
	app.Use(func(c *fiber.Ctx) error {
		if u := c.Get("X-User"); u != "" {
			c.Locals("user", strings.Clone(u))
		}
		return c.Next()
	})
	for i, srv := range servers {
		st := core.StaticFiles(nil)
		if i == len(servers)-1 {
			st = cfg.static
		}
		app.Use(fibersio.New(srv, fibersio.Config{StaticFiles: st}))
	}
	app.Use(func(c *fiber.Ctx) error {
		if cfg.isSIO(c.Path()) {
			hits.Add(1)
		}
		return c.Next()
	})
	app.Get("/home", func(c *fiber.Ctx) error { return c.SendString("home") })
	if cfg.assets != "" {
		app.Static("/assets", cfg.assets)
	}
	if cfg.fallback != nil {
		app.Use(adaptor.HTTPHandler(ownRequestStrings(cfg.fallback)))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	return &hostApp{URL: "http://" + ln.Addr().String(), hostHits: hits, shutdown: func(ctx context.Context) error {
		err := app.ShutdownWithContext(ctx)
		select {
		case serr := <-served:
			if err == nil && serr != nil && !errors.Is(serr, net.ErrClosed) {
				err = serr
			}
		case <-ctx.Done():
		}
		return err
	}}
}

// ownRequestStrings gives h a request whose strings it owns. fasthttpadaptor
// builds the http.Request without copying (b2s of the URI, host, method
// and headers), so they alias fasthttp's pooled request buffer: a string
// kept past the request (the fixture's gates are keyed by a query value)
// changes under the keeper once the buffer serves the next request, and a
// map keyed by it then misses. The request's context is fasthttp's
// RequestCtx, which the server resets once the handler returns: a context
// derived from it with a timeout reads it again when its timer fires (the
// fixture's acknowledgement waits), so h gets a context of its own.
func ownRequestStrings(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Method = strings.Clone(r.Method)
		r.Host = strings.Clone(r.Host)
		r.RequestURI = strings.Clone(r.RequestURI)
		u, err := url.ParseRequestURI(r.RequestURI) // its strings alias the copy
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.URL = u
		h2 := make(http.Header, len(r.Header))
		for k, vs := range r.Header {
			cs := make([]string, len(vs))
			for i, v := range vs {
				cs[i] = strings.Clone(v)
			}
			h2[strings.Clone(k)] = cs
		}
		r.Header = h2
		h.ServeHTTP(w, r.WithContext(context.Background()))
	})
}

// startHost starts host with servers and stops everything when the test
// ends: sio first (closing the hijacked websockets and the long-polls),
// then the host with its own graceful shutdown.
func startHost(t testing.TB, h adapterHost, servers []*core.Server, cfg hostConfig) *hostApp {
	for _, s := range servers {
		cfg.sioPaths = append(cfg.sioPaths, s.Options().Path)
	}
	app := h.start(t, servers, cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for _, s := range servers {
			if err := s.Shutdown(ctx); err != nil {
				t.Errorf("%s: sio shutdown: %v", h.name, err)
			}
		}
		// The tests' idle keep-alive connections would hold Fiber's
		// shutdown, which waits for open connections.
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		if err := app.shutdown(ctx); err != nil {
			t.Errorf("%s: host shutdown: %v", h.name, err)
		}
	})
	return app
}
