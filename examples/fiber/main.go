// Command fiber is the chat example on Fiber: Fiber serves the page and the
// browser client, and fibersio's native fasthttp middleware serves
// Socket.IO.
//
//	go run ./examples/fiber   # then open http://127.0.0.1:8080
package main

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/logger"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/socketio-go/sio/examples/chat/chat"
	"github.com/socketio-go/sio/examples/internal/clientjs"
	"github.com/socketio-go/sio/examples/internal/hostapp"
	"github.com/socketio-go/sio/fibersio"
)

func main() {
	f := hostapp.ParseFlags()
	app := chat.New(chat.Options{ClientJS: f.ClientJS, Logger: f.Log})
	fa := fiber.New(fiber.Config{DisableStartupMessage: true})
	fa.Use(logger.New(), recover.New())
	fa.Use(fibersio.New(app.Server(), fibersio.Config{}))
	fa.Get(clientjs.URL, func(c *fiber.Ctx) error {
		if f.ClientJS == "" {
			return c.Status(http.StatusNotFound).SendString(clientjs.Missing)
		}
		return c.SendFile(f.ClientJS)
	})
	fa.Use("/", filesystem.New(filesystem.Config{Root: http.FS(chat.Page())}))
	hostapp.Run(f, "chat on Fiber", func() error { return fa.Listen(f.Addr) }, app.Shutdown, fa.ShutdownWithContext)
}
