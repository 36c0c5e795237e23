// Command echo is the chat example on Echo: Echo's router serves the page
// and the browser client, and echosio's middleware (registered with Pre)
// serves Socket.IO.
//
//	go run ./examples/echo   # then open http://127.0.0.1:8080
package main

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/socketio-go/sio/echosio"
	"github.com/socketio-go/sio/examples/chat/chat"
	"github.com/socketio-go/sio/examples/internal/clientjs"
	"github.com/socketio-go/sio/examples/internal/hostapp"
)

func main() {
	f := hostapp.ParseFlags()
	app := chat.New(chat.Options{ClientJS: f.ClientJS, Logger: f.Log})
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Pre(echosio.Middleware(app.Server()))
	e.Use(middleware.Logger(), middleware.Recover())
	e.GET(clientjs.URL, echo.WrapHandler(clientjs.Handler(f.ClientJS, f.Log)))
	e.GET("/*", echo.WrapHandler(http.FileServerFS(chat.Page())))
	hs := &http.Server{Addr: f.Addr, Handler: e, ReadHeaderTimeout: 10 * time.Second}
	hostapp.Run(f, "chat on Echo", hs.ListenAndServe, app.Shutdown, hs.Shutdown)
}
