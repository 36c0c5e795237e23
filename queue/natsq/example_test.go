package natsq_test

import (
	"context"
	"fmt"
	"os"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/natsq"
)

// A server joins the cluster of the servers sharing a NATS server; another
// process emits to their clients without being a server.
func Example() {
	url := os.Getenv("SIO_NATS_URL")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	bus, err := natsq.New(url, natsq.Options{Name: "chat-1"})
	if err != nil {
		fmt.Println("no NATS server:", err)
		return
	}
	srv := core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{})})

	em, err := natsq.NewEmitter(url, natsq.Options{Name: "worker"}, queue.EmitterOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = em.To("news").Emit(context.Background(), "headline", "hello from a worker")
	fmt.Println("emitted:", err == nil)

	_ = em.Close()
	_ = srv.Shutdown(context.Background())
	_ = bus.Close()
}

// With JetStream, a client that loses its connection recovers its session
// and the broadcasts it missed on whichever server it reconnects to.
func ExampleNewJetStream() {
	bus, err := natsq.NewJetStream("nats://127.0.0.1:4222", natsq.Options{}, natsq.JetStreamOptions{Stream: "CHAT_LOG"})
	if err != nil {
		fmt.Println("no JetStream:", err)
		return
	}
	srv := core.NewServer(core.Options{
		ClientManager: queue.NewManager(bus, queue.Options{}),
		Recovery:      &core.RecoveryOptions{}, // sessions kept 2 minutes; the stream keeps 5
	})
	_ = srv.Shutdown(context.Background())
	_ = bus.Close()
}

// Every channel has one subject, and back.
func ExampleSubject() {
	s, _ := natsq.Subject("socket.io#/chat#")
	ch, _ := natsq.Channel(s)
	fmt.Println(s, ch)
	// Output: socket~2Eio.~2Fchat socket.io#/chat#
}
