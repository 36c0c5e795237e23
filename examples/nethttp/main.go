// Command nethttp is the chat example on net/http: the ServeMux serves the
// page and the browser client, and stdsio's middleware serves Socket.IO in
// front of it.
//
//	go run ./examples/nethttp   # then open http://127.0.0.1:8080
package main

import (
	"net/http"

	"github.com/socketio-go/sio/examples/chat/chat"
	"github.com/socketio-go/sio/examples/internal/clientjs"
	"github.com/socketio-go/sio/examples/internal/hostapp"
	"github.com/socketio-go/sio/stdsio"
)

func main() {
	app := hostapp.Setup("net/http")
	mux := http.NewServeMux()
	mux.Handle("GET "+clientjs.URL, app.ClientJS)
	mux.Handle("GET /", http.FileServerFS(chat.Page()))
	hs := &http.Server{Addr: app.Addr, Handler: stdsio.Middleware(app.Chat.Server())(mux)}
	app.Run(hs.ListenAndServe, hs.Shutdown)
}
