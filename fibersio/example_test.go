package fibersio_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/fibersio"
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

// A Fiber application with sio mounted natively: the Socket.IO path is
// served by sio, everything else by Fiber's router.
func Example() {
	srv := core.NewServer(core.Options{})
	srv.OnConnect(func(s *core.Socket) error {
		user, _ := s.HostValue("user") // set with c.Locals by host middleware
		return s.Emit("hello", user)
	})

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error { c.Locals("user", "alice"); return c.Next() })
	app.Use(fibersio.New(srv, fibersio.Config{}))
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("home") })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go app.Listener(ln)
	defer app.Shutdown()
	defer srv.Shutdown(context.Background())

	url := "http://" + ln.Addr().String()
	fmt.Println(get(url+"/socket.io/?EIO=4&transport=polling", 8))
	fmt.Println(get(url+"/", 10))
	// Output:
	// 200 0{"sid":
	// 200 home
}
