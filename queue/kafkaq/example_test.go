package kafkaq_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/kafkaq"
)

// Two servers share a Kafka cluster (here franz-go's in-process kfake; a
// real one is kafka://host:9092), and a worker emits to their clients.
func Example() {
	kafka, _ := kfake.NewCluster(kfake.NumBrokers(1))
	defer kafka.Close()
	url := "kafka://" + strings.Join(kafka.ListenAddrs(), ",")

	start := func() (*core.Server, *kafkaq.Bus) {
		bus, err := kafkaq.New(url, kafkaq.Options{})
		if err != nil {
			panic(err)
		}
		return core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{})}), bus
	}
	a, busA := start()
	b, busB := start()
	ctx := context.Background()
	for a.ServerCount(ctx) < 2 || b.ServerCount(ctx) < 2 {
		time.Sleep(time.Millisecond) // the servers discover each other by heartbeats
	}
	fmt.Println("servers:", a.ServerCount(ctx))

	em, err := kafkaq.NewEmitter(url, kafkaq.Options{}, queue.EmitterOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(em.To("news").Emit(ctx, "headline", "from a worker"))

	_ = em.Close()
	_ = a.Shutdown(ctx)
	_ = b.Shutdown(ctx)
	_ = busA.Close()
	_ = busB.Close()
	// Output:
	// servers: 2
	// <nil>
}
