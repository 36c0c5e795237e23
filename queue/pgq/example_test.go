package pgq_test

import (
	"context"
	"fmt"
	"os"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/pgq"
)

// A server joins the cluster of the servers, Go or Node.js, sharing a
// PostgreSQL database; another process emits to their clients without
// being a server.
func Example() {
	url := os.Getenv("SIO_PG_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	bus, err := pgq.New(ctx, url, pgq.Options{ApplicationName: "chat-1"})
	if err != nil {
		fmt.Println("no PostgreSQL:", err)
		return
	}
	srv := core.NewServer(core.Options{ClientManager: pgq.NewManager(bus, queue.Options{})})

	em, err := pgq.NewEmitter(ctx, url, pgq.Options{ApplicationName: "worker"}, queue.EmitterOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = em.To("news").Emit(ctx, "headline", "hello from a worker")
	fmt.Println("emitted:", err == nil)

	_ = em.Close()
	_ = srv.Shutdown(ctx)
	_ = bus.Close()
}

// Each namespace has one PostgreSQL channel, which the replies to a
// server's requests share.
func ExampleChannel() {
	ns, _, _ := pgq.Channel("socket.io#/chat#")
	reply, isReply, _ := pgq.Channel("socket.io#/chat#0123456789abcdef#")
	fmt.Println(ns, reply, isReply)
	// Output: socket.io#/chat socket.io#/chat true
}
