// Command sioserver is sio's entry in the benchmark matrix: the benchmark
// contract (see compat/bench/README.md) implemented on sio's core and mounted
// through one of its adapters:
//
//	sioserver -adapter std|gin|echo|fiber -addr 127.0.0.1:3000 [-cluster URL | -redis URL [-redis-format F]]
//
// With -cluster (or a broker's own flag, see cluster.go and redis.go)
// several sioservers form one cluster: a bcast on one reaches the clients
// of all.
//
// -probe exits 0 when the chosen adapter is wired and 3 when it is not; the
// matrix runner (cmd/benchmatrix) uses it to decide which sio rows run.
package main

import (
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gofiber/fiber/v2"
	"github.com/labstack/echo/v4"

	"github.com/socketio-go/sio/compat/bench/internal/serverutil"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/echosio"
	"github.com/socketio-go/sio/fibersio"
	"github.com/socketio-go/sio/ginsio"
	"github.com/socketio-go/sio/stdsio"
)

// newServer builds sio's Socket.IO server with the contract's handlers;
// m links it to the other servers of a cluster (nil: alone).
func newServer(m core.ClientManager) *core.Server {
	srv := core.NewServer(core.Options{CORSAllowedOrigins: []string{"*"}, ClientManager: m})
	// echo: acknowledge with exactly the arguments received (a single
	// core.Args result is the whole acknowledgement, passed through raw).
	srv.On("echo", func(_ *core.Socket, args core.Args) core.Args { return args })
	// bcast: re-broadcast every argument, raw, to "/"; no results, so an
	// acknowledgement (when asked for) has no arguments.
	srv.On("bcast", func(_ *core.Socket, args core.Args) {
		list := make([]any, args.Len())
		for i := range list {
			v, err := args.Passthrough(i)
			if err != nil {
				return
			}
			list[i] = v
		}
		_ = srv.Emit("bcast", list...)
	})
	return srv
}

// newHandler mounts srv with a net/http adapter (fiber is served by
// serveFiber instead).
func newHandler(adapter string, srv *core.Server) (http.Handler, error) {
	switch adapter {
	case "std":
		return stdsio.Handler(srv), nil
	case "gin":
		gin.SetMode(gin.ReleaseMode)
		r := gin.New()
		r.Use(ginsio.New(srv, ginsio.Config{}))
		return r, nil
	case "echo":
		e := echo.New()
		e.HideBanner, e.HidePort = true, true
		e.Pre(echosio.Middleware(srv))
		return e, nil
	}
	return nil, fmt.Errorf("sioserver: unknown adapter %q (want std, gin, echo or fiber)", adapter)
}

// version reports the sio module compiled in (a directory when go.mod's
// replace directive points at this checkout).
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/socketio-go/sio" {
				if d.Replace != nil {
					return d.Path + " (this checkout)"
				}
				return d.Path + " " + d.Version
			}
		}
	}
	return "github.com/socketio-go/sio (not linked)"
}

func main() {
	var sf serverutil.Flags
	sf.Register(flag.CommandLine)
	adapter := flag.String("adapter", "std", "adapter to mount sio with: std, gin, echo or fiber")
	cluster := flag.String("cluster", "", "broker URL of a cluster of servers (the scheme picks the broker: cluster.go); -redis URL is the same for Redis")
	probe := flag.Bool("probe", false, "exit 0 if -adapter is wired, 3 if not")
	showVersion := flag.Bool("version", false, "print the sio version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version())
		return
	}
	var m core.ClientManager
	if u, err := clusterURL(*cluster); err != nil {
		log.Fatal(err)
	} else if u != "" && !*probe {
		var release func()
		if m, release, err = openCluster(u, slog.Default()); err != nil {
			log.Fatal(err)
		}
		defer release()
	}
	srv := newServer(m)
	if err := instrument(srv); err != nil {
		log.Fatal(err)
	}
	if *adapter == "fiber" {
		if *probe {
			return
		}
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		app.Use(fibersio.New(srv, fibersio.Config{}))
		if err := sf.Run("sioserver -adapter fiber ("+version()+")", app.Listener, func() { _ = app.ShutdownWithTimeout(time.Second) }); err != nil {
			log.Fatal(err)
		}
		return
	}
	h, err := newHandler(*adapter, srv)
	if *probe {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	if err := sf.Serve("sioserver -adapter "+*adapter+" ("+version()+")", h); err != nil {
		log.Fatal(err)
	}
}
