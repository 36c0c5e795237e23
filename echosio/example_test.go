package echosio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/echosio"
)

// get returns the status and the first n bytes of the body of url.
func get(url string, n int) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b[:min(n, len(b))])
}

// An Echo application with sio registered with Use, after the middleware
// whose values its connect handler reads: the Socket.IO path is served by
// sio, everything else by Echo's router.
func Example() {
	srv := core.NewServer(core.Options{})
	srv.OnConnect(func(s *core.Socket) error {
		user, _ := s.HostValue("user") // set with c.Set by earlier middleware
		return s.Emit("hello", user)
	})

	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc { // auth
		return func(c echo.Context) error { c.Set("user", "alice"); return next(c) }
	})
	e.Use(echosio.MiddlewareWithConfig(srv, echosio.Config{ContextKeys: []string{"user"}}))
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "home") })

	ts := httptest.NewServer(e)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	fmt.Println(get(ts.URL+"/socket.io/?EIO=4&transport=polling", 8))
	fmt.Println(get(ts.URL+"/", 10))
	// Output:
	// 200 0{"sid":
	// 200 home
}
