// Command cluster is one server of a Socket.IO cluster: start several,
// on different ports or machines, with the same broker URL, and a message
// typed on any server's page reaches the pages of all.
//
//	go run ./examples/cluster -addr 127.0.0.1:8081 -redis redis://127.0.0.1:6379
//	go run ./examples/cluster -addr 127.0.0.1:8082 -redis redis://127.0.0.1:6379
//	# open http://127.0.0.1:8081 and http://127.0.0.1:8082
//
// The broker is given by -cluster URL, whose scheme picks it, or by the
// broker's own flag. Each broker registers itself from a file of this
// folder (redis.go: -redis URL and -redis-format classic|sharded|streams|
// python, or -cluster redis://...?format=...). Without either, the server
// runs alone. Node.js servers on @socket.io/redis-adapter (classic) and
// python-socketio servers on RedisManager (python) join the same clusters.
//
// The page loads the official browser client from
// /socket.io/socket.io.min.js, which the server serves itself from an npm
// install of socket.io-client made on first run with `npm ci` from this
// folder's package.json and package-lock.json; -client names an install
// of your own instead.
//
// Flags:
//
//	-addr     listen address (default $ADDR, else 127.0.0.1:8080)
//	-name     the server's name on the page (default: its address)
//	-cluster  broker URL of the cluster
//	-redis, -redis-format  a Redis cluster (redis.go)
//	-client   folder of an npm install of socket.io-client
//	-debug    log at debug level
//
// SIGINT or SIGTERM stops the server gracefully (the Socket.IO server
// first, then the HTTP server, then the broker connection).
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/socketio-go/sio/core"
)

func main() {
	addr := flag.String("addr", cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8080"), "listen address (default $ADDR, else 127.0.0.1:8080)")
	name := flag.String("name", "", "the server's name on the page (default: its address)")
	cluster := flag.String("cluster", "", "broker URL of the cluster (the scheme picks the broker)")
	client := flag.String("client", "", "folder of an npm install of socket.io-client (default: installed on first run)")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(*addr, *name, *cluster, *client, log); err != nil {
		log.Error("cluster failed", "err", err)
		os.Exit(1)
	}
	log.Info("stopped")
}

func run(addr, name, cluster, client string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	curl, err := clusterURL(cluster)
	if err != nil {
		return err
	}
	var m core.ClientManager // nil: a server alone
	release := func() {}
	if curl != "" {
		if m, release, err = openCluster(curl, log); err != nil {
			return err
		}
	} else {
		log.Info("no cluster URL: the server runs alone")
	}
	defer release()
	dir, err := clientDir(ctx, client, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	app := newApp(cmp.Or(name, ln.Addr().String()), m, dir, log)
	hs := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("cluster server is running", "url", "http://"+ln.Addr().String()+"/")

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the program at once
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(app.Shutdown(sctx), hs.Shutdown(sctx))
}
