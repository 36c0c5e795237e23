package redisq_test

import (
	"context"
	"log"
	"net/http"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue/redisq"
	"github.com/socketio-go/sio/stdsio"
)

// A server of a cluster on a Redis stream, with connection state recovery
// across the cluster: a client that loses its connection gets its
// session and missed broadcasts back from whichever server, sio or
// Node.js (@socket.io/redis-streams-adapter), it reconnects to.
func ExampleNewStreamsManager() {
	client, err := redisq.NewClient("redis://127.0.0.1:6379")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	srv := core.NewServer(core.Options{
		ClientManager: redisq.NewStreamsManager(client, redisq.StreamsOptions{MaxLen: 50000}),
		Recovery:      &core.RecoveryOptions{MaxDisconnectionDuration: 2 * time.Minute},
	})
	srv.OnConnect(func(s *core.Socket) {
		if s.Recovered() {
			log.Printf("%s is back, with its rooms and missed broadcasts", s.ID())
		}
	})
	log.Fatal(http.ListenAndServe(":3000", stdsio.Handler(srv)))
}

// A worker appends broadcasts to the stream: reconnecting clients get
// them too.
func ExampleNewStreamsEmitter() {
	client, err := redisq.NewClient("redis://127.0.0.1:6379")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	e := redisq.NewStreamsEmitter(client, redisq.StreamsOptions{})
	if err := e.Of("/chat").Except("muted").Emit(context.Background(), "notice", "maintenance at 2am"); err != nil {
		log.Print(err)
	}
}
