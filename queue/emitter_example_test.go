package queue_test

import (
	"context"
	"fmt"

	"github.com/socketio-go/sio/queue"
)

// A process that is not a server (a worker, a cron job) emits to the
// clients of a cluster through the cluster's bus: here a MemoryBus, with
// a broker the Bus of the broker's package.
func ExampleEmitter() {
	bus := queue.NewMemoryBus()
	defer bus.Close()
	em := queue.NewEmitter(bus, queue.EmitterOptions{})
	ctx := context.Background()

	// To every client in the room "news" of the namespace "/live".
	err := em.Of("/live").To("news").Emit(ctx, "headline", "sio ships emitters")
	fmt.Println(err)
	// The sockets of room "news" also join "archive"; then those of
	// "spam" are disconnected.
	_ = em.Of("/live").In("news").SocketsJoin(ctx, "archive")
	_ = em.Of("/live").In("spam").DisconnectSockets(ctx, true)
	// Output: <nil>
}
