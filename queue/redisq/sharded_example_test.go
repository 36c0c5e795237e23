package redisq_test

import (
	"context"
	"log"
	"net/http"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue/redisq"
	"github.com/socketio-go/sio/stdsio"
)

// A server of a cluster in the format of Node.js's sharded Redis adapter
// (Redis ≥ 7): sio servers and Node.js servers on createShardedAdapter
// with the same channel prefix form one cluster.
func ExampleNewShardedManager() {
	client, err := redisq.NewClient("redis://127.0.0.1:6379")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	m := redisq.NewShardedManager(client, redisq.ShardedOptions{Mode: redisq.ShardedDynamic})
	srv := core.NewServer(core.Options{ClientManager: m})
	srv.On("join", func(s *core.Socket, room string) { s.Join(room) })
	srv.On("say", func(s *core.Socket, room, msg string) {
		_ = srv.To(room).Emit("said", msg) // on the room's channel: only servers with members get it
	})
	log.Fatal(http.ListenAndServe(":3000", stdsio.Handler(srv)))
}

// A worker emits into a sharded cluster; it cannot receive
// acknowledgements.
func ExampleNewShardedEmitter() {
	client, err := redisq.NewClient("redis://127.0.0.1:6379")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	e := redisq.NewShardedEmitter(client, redisq.ShardedOptions{})
	ctx := context.Background()
	if err := e.To("room1").Emit(ctx, "news", "hello"); err != nil {
		log.Print(err)
	}
	_ = e.In("room1").DisconnectSockets(ctx, false)
}
