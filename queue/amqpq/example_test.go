package amqpq_test

import (
	"context"
	"fmt"
	"os"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/pymsg"
)

// A server joins the cluster of the servers sharing a RabbitMQ broker;
// another process emits to their clients without being a server.
func Example() {
	url := os.Getenv("SIO_AMQP_URL")
	if url == "" {
		url = "amqp://guest:guest@127.0.0.1:5672/"
	}
	bus, err := amqpq.New(url, amqpq.Options{})
	if err != nil {
		fmt.Println("no broker:", err != nil)
		return
	}
	prefix := "sio-example"
	srv := core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{ChannelPrefix: prefix})})

	em, err := amqpq.NewEmitter(url, amqpq.Options{}, queue.EmitterOptions{ChannelPrefix: prefix})
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

// A sio server joins a cluster of python-socketio servers on KombuManager
// or AsyncAioPikaManager (python-socketio ≥ 5.14): python's message format
// (package pymsg) on the exchange "socketio".
func Example_python() {
	bus, err := amqpq.New("amqp://guest:guest@127.0.0.1:5672/", amqpq.Options{})
	if err != nil {
		fmt.Println("no broker:", err != nil)
		return
	}
	srv := core.NewServer(core.Options{ClientManager: pymsg.NewManager(bus, pymsg.Options{Channel: "socketio"})})
	// srv.Emit reaches the clients of the python servers, and theirs reach srv's.
	_ = srv.Shutdown(context.Background())
	_ = bus.Close()
}

// The exchange a channel's messages go through: one per cluster, named
// after the manager's channel prefix (or python-socketio's channel).
func ExampleExchangeOf() {
	fmt.Println(amqpq.ExchangeOf("socket.io#/#"))
	fmt.Println(amqpq.ExchangeOf("socket.io#/chat#room1#"))
	fmt.Println(amqpq.ExchangeOf("socketio"))
	// Output:
	// socket.io
	// socket.io
	// socketio
}
