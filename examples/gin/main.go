// Command gin is the chat example on Gin: Gin's router serves the page and
// the browser client, and ginsio's middleware serves Socket.IO.
//
//	go run ./examples/gin   # then open http://127.0.0.1:8080
package main

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/socketio-go/sio/examples/chat/chat"
	"github.com/socketio-go/sio/examples/internal/clientjs"
	"github.com/socketio-go/sio/examples/internal/hostapp"
	"github.com/socketio-go/sio/ginsio"
)

func main() {
	f := hostapp.ParseFlags()
	app := chat.New(chat.Options{ClientJS: f.ClientJS, Logger: f.Log})
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Logger(), gin.Recovery())
	r.Use(ginsio.New(app.Server(), ginsio.Config{}))
	r.GET(clientjs.URL, gin.WrapH(clientjs.Handler(f.ClientJS, f.Log)))
	// The page and its assets; NoRoute avoids a catch-all route that would
	// conflict with the one above.
	r.NoRoute(gin.WrapH(http.FileServerFS(chat.Page())))
	hs := &http.Server{Addr: f.Addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	hostapp.Run(f, "chat on Gin", hs.ListenAndServe, app.Shutdown, hs.Shutdown)
}
