// Command chat is a small chat room on sio: pick a nickname, see who joins
// and leaves, how many are online and who is typing; your messages go to
// everyone else, and the server's acknowledgement marks them delivered.
//
// From the root of the sio repository:
//
//	cd compat && npm ci && cd ..   # once: installs the browser client from npm
//	go run ./examples/chat         # then open http://127.0.0.1:8080 in two tabs
//
// The page loads the official Socket.IO browser client from
// /socket.io.min.js, which this program serves from a local npm install of
// socket.io-client: by default it looks for
// compat/node_modules/socket.io-client/dist/socket.io.min.js (or
// node_modules/socket.io-client/dist/socket.io.min.js) in the current
// directory and its parents; -client-js names the file. Nothing is fetched
// from the internet. Without the file the server still runs and the page
// explains how to install it.
//
// Flags: -addr (default 127.0.0.1:8080), -client-js (the path of
// socket.io.min.js) and -debug.
//
// The server code is in package chat (examples/chat/chat), next to the page
// in examples/chat/chat/static; this file only runs it. SIGINT or SIGTERM
// disconnects the clients and stops the server gracefully.
package main

import (
	"net/http"
	"time"

	"github.com/socketio-go/sio/examples/chat/chat"
	"github.com/socketio-go/sio/examples/internal/hostapp"
)

func main() {
	f := hostapp.ParseFlags()
	app := chat.New(chat.Options{ClientJS: f.ClientJS, Logger: f.Log})
	hs := &http.Server{Addr: f.Addr, Handler: app, ReadHeaderTimeout: 10 * time.Second}
	hostapp.Run(f, "chat", hs.ListenAndServe, app.Shutdown, hs.Shutdown)
}
