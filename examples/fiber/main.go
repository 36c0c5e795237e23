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
	app := hostapp.Setup("fiber")
	f := fiber.New(fiber.Config{DisableStartupMessage: true})
	f.Use(logger.New(), recover.New())
	f.Use(fibersio.New(app.Chat.Server(), fibersio.Config{}))
	f.Get(clientjs.URL, func(c *fiber.Ctx) error {
		if app.ClientJSPath == "" {
			return c.Status(http.StatusNotFound).SendString(clientjs.Missing)
		}
		return c.SendFile(app.ClientJSPath)
	})
	f.Use("/", filesystem.New(filesystem.Config{Root: http.FS(chat.Page())}))
	app.Run(func() error { return f.Listen(app.Addr) }, f.ShutdownWithContext)
}
