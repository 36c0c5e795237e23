package compat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/echosio"
	"github.com/socketio-go/sio/ginsio"
	"github.com/socketio-go/sio/internal/siotest"
)

// How the Gin and Echo adapters fit the frameworks' own ways: Gin's route
// groups and request logger, Echo's Use middleware (where auth lives).

// serveTest serves h on a loopback port and shuts srv and it down at the
// end of the test.
func serveTest(t *testing.T, srv *core.Server, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return ts.URL
}

// welcome connects over websocket and polling and returns the arguments of
// the welcome event of each.
func welcome(t *testing.T, url string, header http.Header) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	for _, polling := range []bool{false, true} {
		c, err := siotest.Dial(ctx, url, siotest.Options{Polling: polling, Header: header})
		if err != nil {
			t.Fatalf("polling=%v: %v", polling, err)
		}
		ev, err := c.ReadEvent(ctx)
		if err != nil || ev.Name != "welcome" {
			t.Fatalf("polling=%v: %+v %v", polling, ev, err)
		}
		var args []string
		for _, a := range ev.Args {
			args = append(args, string(a))
		}
		got = append(got, strings.Join(args, " "))
		c.Disconnect()
	}
	return got
}

// gin.Logger logs a successful websocket upgrade as 101, not as the 404 of
// Gin's 404 chain (the upgrader writes the 101 on the hijacked connection).
func TestGinLoggerSwitchingProtocols(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	logs := &syncBuffer{}
	srv := newAdapterServer(core.Options{})
	r := gin.New()
	r.Use(gin.LoggerWithWriter(logs), ginsio.New(srv, ginsio.Config{}))
	url := serveTest(t, srv, r)
	welcome(t, url, nil)
	waitUntil(t, 10*time.Second, "the upgrade logged", func() bool { return strings.Contains(logs.String(), "transport=websocket") })
	polled := false
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		switch {
		case strings.Contains(line, "transport=websocket"):
			if !strings.Contains(line, "| 101 |") {
				t.Errorf("websocket upgrade logged as %q, want 101", line)
			}
		case strings.Contains(line, "transport=polling"):
			// (A poll still out when the client closes gets 400.)
			polled = polled || strings.Contains(line, "| 200 |")
		}
	}
	if !polled {
		t.Errorf("no polling request logged as 200: %s", logs)
	}
}

// Mounted inside a route group, the middleware never sees Socket.IO
// requests (Gin runs group middleware only for matched routes): Check says
// so. Mounted on the engine, after the group's auth middleware's engine-level
// twin, it serves them and gets the auth values.
func TestGinGroupMount(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	auth := func(c *gin.Context) {
		if u := c.GetHeader("X-User"); u != "" {
			c.Set("user", u)
		}
		c.Next()
	}

	// The misuse: in a group.
	srv := newAdapterServer(core.Options{})
	r := gin.New()
	api := r.Group("/", auth)
	api.Use(ginsio.New(srv, ginsio.Config{}))
	api.GET("/home", func(c *gin.Context) { c.String(http.StatusOK, "home") })
	if err := ginsio.Check(r, srv); err == nil {
		t.Error("Check accepted a mount inside a route group")
	} else if !strings.Contains(err.Error(), "r.Use") {
		t.Errorf("Check's error does not say what to do: %v", err)
	}

	// The one way: on the engine.
	srv = newAdapterServer(core.Options{})
	r = gin.New()
	r.Use(auth, ginsio.New(srv, ginsio.Config{}))
	r.GET("/home", func(c *gin.Context) { c.String(http.StatusOK, "home") })
	if err := ginsio.Check(r, srv); err != nil {
		t.Errorf("Check refused a mount on the engine: %v", err)
	}
	url := serveTest(t, srv, r)
	for _, got := range welcome(t, url, http.Header{"X-User": {"alice"}}) {
		if !strings.HasPrefix(got, `"alice"`) {
			t.Errorf("welcome %s, want the auth value", got)
		}
	}
}

// Values that Echo middleware registered with e.Use (where auth usually
// lives) stores reach the connect handler: with c.Set for the keys
// Config.ContextKeys lists, and with the request's context for any.
func TestEchoUseMiddlewareValues(t *testing.T) {
	srv := core.NewServer(core.Options{})
	srv.OnConnect(func(s *core.Socket) error {
		u, _ := s.HostValue("user")
		tenant, _ := s.HostValue("tenant")
		return s.Emit("welcome", u, tenant)
	})
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(echomw.Recover())
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc { // auth
		return func(c echo.Context) error {
			if u := c.Request().Header.Get("X-User"); u != "" {
				c.Set("user", u)
				r := c.Request()
				c.SetRequest(r.WithContext(core.WithHostValues(r.Context(), map[string]any{"tenant": "acme"})))
			}
			return next(c)
		}
	})
	e.Use(echosio.MiddlewareWithConfig(srv, echosio.Config{ContextKeys: []string{"user"}}))
	e.GET("/home", func(c echo.Context) error { return c.String(http.StatusOK, "home") })
	url := serveTest(t, srv, e)
	for _, got := range welcome(t, url, http.Header{"X-User": {"alice"}}) {
		if got != `"alice" "acme"` {
			t.Errorf("welcome %s, want the values of the e.Use middleware", got)
		}
	}
}
