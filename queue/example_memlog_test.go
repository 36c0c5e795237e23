package queue_test

import (
	"context"
	"fmt"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
)

// Servers of one process on a MemoryLogBus: the bus counts them (no
// heartbeats to wait for), and with Recovery a client that loses its
// connection gets its session and missed broadcasts back from whichever
// server it reconnects to.
func ExampleNewMemoryLogBus() {
	bus := queue.NewMemoryLogBus(1000)
	defer bus.Close() // after the servers have shut down

	opts := core.Options{Recovery: &core.RecoveryOptions{}}
	opts.ClientManager = queue.NewManager(bus, queue.Options{})
	a := core.NewServer(opts)
	opts.ClientManager = queue.NewManager(bus, queue.Options{})
	b := core.NewServer(opts)
	ctx := context.Background()
	defer a.Shutdown(ctx)
	defer b.Shutdown(ctx)

	fmt.Println("servers:", a.ServerCount(ctx), b.ServerCount(ctx))
	// Output: servers: 2 2
}
