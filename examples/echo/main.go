// Command echo is the chat example on Echo: Echo's router serves the page
// and the browser client, and echosio's middleware (registered with Pre)
// serves Socket.IO.
//
//	go run ./examples/echo   # then open http://127.0.0.1:8080
package main

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/socketio-go/sio/echosio"
	"github.com/socketio-go/sio/examples/chat/chat"
	"github.com/socketio-go/sio/examples/internal/clientjs"
	"github.com/socketio-go/sio/examples/internal/hostapp"
)

func main() {
	app := hostapp.Setup("echo")
	e := echo.New()
	e.HideBanner = true
	e.Pre(echosio.Middleware(app.Chat.Server()))
	e.Use(middleware.Logger(), middleware.Recover())
	e.GET(clientjs.URL, echo.WrapHandler(app.ClientJS))
	e.GET("/*", echo.WrapHandler(http.FileServerFS(chat.Page())))
	hs := &http.Server{Addr: app.Addr, Handler: e}
	app.Run(hs.ListenAndServe, hs.Shutdown)
}
