// Command fiber is a chat on Fiber: fibersio's native fasthttp middleware
// serves Socket.IO (and the browser client) before Fiber's routes, which
// serve the page and the application's own routes.
//
//	go run ./examples/fiber   # then open http://127.0.0.1:8080 in two tabs
//
// The page loads the browser client from /socket.io/socket.io.min.js, which
// the Socket.IO server serves from an npm install of socket.io-client
// (core.Options.ServeClient); the first run makes that install with
// `npm ci` (see client.go), or -client names your own.
//
// SIGINT or SIGTERM stops it gracefully: the Socket.IO server first (it
// holds the upgraded websockets and long-polls), then Fiber, whose
// ShutdownWithContext waits for the remaining connections.
package main

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"flag"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/logger"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/fibersio"
)

//go:embed index.html
var page []byte

func main() {
	addr := flag.String("addr", cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8080"), "listen address (default $ADDR, else 127.0.0.1:8080)")
	client := flag.String("client", "", "folder of an npm install of socket.io-client (default: installed on first run)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *client, log); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}

func run(addr, client string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := clientDir(ctx, client, log)
	if err != nil {
		return err
	}

	srv := core.NewServer(core.Options{ServeClient: dir, Logger: log})
	srv.On("chat message", func(s *core.Socket, text string) string {
		_ = s.Broadcast().Emit("chat message", text) // to everyone else
		return "delivered"                           // the acknowledgement
	})

	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadTimeout: 10 * time.Second}) // slow clients are cut off
	app.Use(logger.New(), recover.New())
	app.Use(fibersio.New(srv, fibersio.Config{})) // c.Locals reach the connect handler (s.HostValue)
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("html", "utf-8")
		return c.Send(page)
	})
	app.Get("/health", func(c *fiber.Ctx) error { return c.SendString("ok") })

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	log.Info("chat on Fiber is running", "url", "http://"+ln.Addr().String()+"/")

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the program at once
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(sctx), app.ShutdownWithContext(sctx))
}
