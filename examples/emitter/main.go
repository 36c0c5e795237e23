// Command emitter emits one event to the clients of a Socket.IO cluster
// from a process that is not a server, as a worker, a cron job or another
// service would:
//
//	go run ./examples/emitter -redis redis://127.0.0.1:6379 message '{"node":"emitter","text":"hello"}'
//	go run ./examples/emitter -redis redis://127.0.0.1:6379 -to room1 -nsp /chat news '"hi"' 42
//
// The first argument is the event, the others its arguments, each a JSON
// value. The broker is given by -cluster URL, whose scheme picks it, or by
// the broker's own flag; each broker registers itself from a file of this
// folder (redis.go: -redis URL and -redis-format
// classic|sharded|streams|python, the servers' format). An emitter cannot
// receive acknowledgements: no client answers a process that is not a
// server.
//
// Flags:
//
//	-cluster  broker URL of the cluster
//	-redis, -redis-format  a Redis cluster (redis.go)
//	-nsp      namespace (default "/")
//	-to       rooms, comma-separated (default: every socket)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	cluster := flag.String("cluster", "", "broker URL of the cluster (the scheme picks the broker)")
	nsp := flag.String("nsp", "/", "namespace")
	to := flag.String("to", "", "rooms, comma-separated (default: every socket of the namespace)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: emitter [flags] event [JSON argument...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*cluster, *nsp, *to, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "emitter:", err)
		os.Exit(1)
	}
}

func run(cluster, nsp, to string, words []string) error {
	if len(words) == 0 {
		return errors.New("no event: emitter [flags] event [JSON argument...]")
	}
	args := make([]any, 0, len(words)-1)
	for _, w := range words[1:] {
		var v any
		if err := json.Unmarshal([]byte(w), &v); err != nil {
			return fmt.Errorf("argument %q is not JSON: %w", w, err)
		}
		args = append(args, v)
	}
	var rooms []string
	if to != "" {
		rooms = strings.Split(to, ",")
	}
	u, err := clusterURL(cluster)
	if err != nil {
		return err
	}
	emit, release, err := openEmitter(u)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return emit(ctx, nsp, rooms, words[0], args...)
}
