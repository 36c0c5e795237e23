// Command nethttp is the chat example on net/http: the ServeMux serves the
// page and the browser client, and stdsio's middleware serves Socket.IO in
// front of it.
//
//	go run ./examples/nethttp   # then open http://127.0.0.1:8080
package main

import (
	"net/http"
	"time"

	"github.com/socketio-go/sio/examples/chat/chat"
	"github.com/socketio-go/sio/examples/internal/clientjs"
	"github.com/socketio-go/sio/examples/internal/hostapp"
	"github.com/socketio-go/sio/stdsio"
)

func main() {
	f := hostapp.ParseFlags()
	app := chat.New(chat.Options{ClientJS: f.ClientJS, Logger: f.Log})
	mux := http.NewServeMux()
	mux.Handle("GET "+clientjs.URL, clientjs.Handler(f.ClientJS, f.Log))
	mux.Handle("GET /", http.FileServerFS(chat.Page()))
	hs := &http.Server{Addr: f.Addr, Handler: stdsio.Middleware(app.Server())(mux), ReadHeaderTimeout: 10 * time.Second}
	hostapp.Run(f, "chat on net/http", hs.ListenAndServe, app.Shutdown, hs.Shutdown)
}
