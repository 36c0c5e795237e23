// Command latency is python-socketio's latency demo on sio: the page sends
// an event to the server every second and shows the round-trip time, with
// the transport in use and a chart of the last minute.
//
// From the root of the sio repository:
//
//	cd compat && npm ci && cd ..   # once: installs the browser client from npm
//	go run ./examples/latency      # then open http://127.0.0.1:8080
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
// The server speaks the events of the python demo (ping_from_client,
// pong_from_server), so python-socketio's latency_client.py works against
// it too.
//
// Flags:
//
//	-addr       listen address (default 127.0.0.1:8080)
//	-client-js  path of socket.io.min.js
//	-debug      log at debug level
package main

import (
	"net/http"
	"time"

	"github.com/socketio-go/sio/examples/internal/hostapp"
	"github.com/socketio-go/sio/examples/latency/latency"
)

func main() {
	f := hostapp.ParseFlags()
	app := latency.New(latency.Options{ClientJS: f.ClientJS, Logger: f.Log})
	hs := &http.Server{Addr: f.Addr, Handler: app, ReadHeaderTimeout: 10 * time.Second}
	hostapp.Run(f, "latency demo", hs.ListenAndServe, app.Shutdown, hs.Shutdown)
}
