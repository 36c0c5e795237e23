// Command floorserver is the benchmark floor (see package internal/floor): a
// raw gorilla/websocket server speaking just enough Engine.IO v4 / Socket.IO
// v5 for the benchmark contract, the lower bound of a server's cost.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/socketio-go/sio/compat/bench/internal/floor"
	"github.com/socketio-go/sio/compat/bench/internal/serverutil"
)

// version reports the gorilla/websocket version compiled in.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/gorilla/websocket" {
				return d.Path + " " + d.Version
			}
		}
	}
	return "unknown"
}

func main() {
	var sf serverutil.Flags
	sf.Register(flag.CommandLine)
	path := flag.String("path", "/socket.io/", "Engine.IO path")
	showVersion := flag.Bool("version", false, "print the gorilla/websocket version and exit")
	pingInterval := flag.Duration("ping-interval", 25*time.Second, "Engine.IO pingInterval")
	pingTimeout := flag.Duration("ping-timeout", 20*time.Second, "Engine.IO pingTimeout")
	flag.Parse()
	if *showVersion {
		fmt.Println(version())
		return
	}
	mux := http.NewServeMux()
	mux.Handle(*path, floor.New(*pingInterval, *pingTimeout))
	if err := sf.Serve("floorserver ("+version()+")", mux); err != nil {
		log.Fatal(err)
	}
}
