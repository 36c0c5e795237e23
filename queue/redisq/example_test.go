package redisq_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue/pymsg"
	"github.com/socketio-go/sio/queue/redisq"
	"github.com/socketio-go/sio/stdsio"
)

// A client for a Redis URL; go-redis connects on first use.
func ExampleNewClient() {
	client, err := redisq.NewClient("rediss://:secret@redis.example:6380/2?dial_timeout=3")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	o := client.(*redis.Client).Options()
	fmt.Println(o.Addr, o.DB, o.TLSConfig != nil, o.DialTimeout)
	// Output: redis.example:6380 2 true 3s
}

// A server of a cluster in the format of Node.js's Redis adapter: start
// several (sio or Node.js) on the same Redis, and an emit on one reaches
// the clients of all.
func ExampleNewManager() {
	client, err := redisq.NewClient("redis://127.0.0.1:6379")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	srv := core.NewServer(core.Options{ClientManager: redisq.NewManager(client, redisq.Options{})})
	srv.On("chat", func(s *core.Socket, msg string) {
		_ = srv.Emit("chat", msg) // to the clients of every server
	})
	log.Fatal(http.ListenAndServe(":3000", stdsio.Handler(srv)))
}

// A process that is not a server publishes into the cluster.
func ExampleNewEmitter() {
	client, err := redisq.NewClient("redis://127.0.0.1:6379")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	e := redisq.NewEmitter(client, redisq.EmitterOptions{})
	ctx := context.Background()
	if err := e.To("room1").Except("room2").Emit(ctx, "news", "hello", 42); err != nil {
		log.Print(err)
	}
	_ = e.Of("/admin").In("room1").SocketsJoin(ctx, "room3")
	_ = e.ServerSideEmit(ctx, "refresh")
}

// A format chosen at run time, for instance from a flag; the manager
// connects when the server starts.
func ExampleNewFormatManager() {
	client, err := redisq.NewClient("redis://127.0.0.1:6379")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	format := redisq.Format("python") // -redis-format python
	m, err := redisq.NewFormatManager(client, format, nil)
	if err != nil {
		log.Fatal(err)
	}
	opts := core.Options{ClientManager: m} // for core.NewServer
	_ = opts
	fmt.Println(redisq.Formats())
	_, err = redisq.NewFormatManager(client, "nope", nil)
	fmt.Println(err)
	// Output:
	// [classic python sharded streams]
	// sio/redisq: unknown format "nope" (known: [classic python sharded streams])
}

// A server of a python-socketio cluster on Redis (RedisManager on the
// channel "socketio"), and a worker process emitting to its clients as
// RedisManager(write_only=True) would.
func ExampleNewBus() {
	client, err := redisq.NewClient("redis://127.0.0.1:6379")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	bus := redisq.NewBus(client, redisq.BusOptions{})
	defer bus.Close()
	srv := core.NewServer(core.Options{ClientManager: pymsg.NewManager(bus, pymsg.Options{})})
	defer srv.Shutdown(context.Background())

	worker := pymsg.NewEmitter(redisq.NewBus(client, redisq.BusOptions{}), pymsg.Options{})
	if err := worker.To("room1").Emit(context.Background(), "news", map[string]any{"title": "hello"}); err != nil {
		log.Print(err)
	}
}
