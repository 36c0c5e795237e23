package ginsio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/ginsio"
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

// A Gin application with sio mounted as middleware: the Socket.IO path is
// served by sio, everything else by the Gin router.
func Example() {
	srv := core.NewServer(core.Options{})
	srv.OnConnect(func(s *core.Socket) error {
		user, _ := s.HostValue("user") // set with c.Set by host middleware
		return s.Emit("hello", user)
	})

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(func(c *gin.Context) { c.Set("user", "alice"); c.Next() })
	r.Use(ginsio.New(srv, ginsio.Config{}))
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "home") })

	ts := httptest.NewServer(r)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	fmt.Println(get(ts.URL+"/socket.io/?EIO=4&transport=polling", 8))
	fmt.Println(get(ts.URL+"/", 10))
	// Output:
	// 200 0{"sid":
	// 200 home
}
