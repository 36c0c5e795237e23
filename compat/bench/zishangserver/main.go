// Command zishangserver is the Go peer for the sio benchmark matrix:
// github.com/zishang520/socket.io (v3 module set) implementing the benchmark
// contract described in compat/bench/README.md, served by net/http.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/socketio-go/sio/compat/bench/internal/serverutil"
)

// popAck removes the acknowledgement callback the client asked for, if any.
func popAck(args []any) ([]any, socket.Ack) {
	if n := len(args); n > 0 {
		if ack, ok := args[n-1].(socket.Ack); ok {
			return args[:n-1], ack
		}
	}
	return args, nil
}

// version reports the zishang520 server module version compiled in.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if strings.HasPrefix(d.Path, "github.com/zishang520/socket.io/servers/socket/") {
				return d.Path + " " + d.Version
			}
		}
	}
	return "unknown"
}

func main() {
	var sf serverutil.Flags
	sf.Register(flag.CommandLine)
	showVersion := flag.Bool("version", false, "print the peer's version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version())
		return
	}

	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetCors(&types.Cors{Origin: "*"})
	io := socket.NewServer(nil, nil)
	handler := io.ServeHandler(opts)

	_ = io.On("connection", func(clients ...any) {
		client := clients[0].(*socket.Socket)
		_ = client.On("echo", func(args ...any) {
			if data, ack := popAck(args); ack != nil {
				ack(data, nil)
			}
		})
		_ = client.On("bcast", func(args ...any) {
			data, ack := popAck(args)
			io.Emit("bcast", data...)
			if ack != nil {
				ack([]any{}, nil)
			}
		})
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", handler)
	if err := sf.Serve("zishangserver ("+version()+")", mux); err != nil {
		log.Fatal(err)
	}
}
