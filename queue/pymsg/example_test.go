package pymsg_test

import (
	"context"
	"fmt"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/pymsg"
)

// A worker emits to the clients of python-socketio servers sharing a
// broker (here a MemoryBus standing for it), as python's write-only
// managers do; a subscriber of the channel sees the message as python
// reads it.
func ExampleEmitter() {
	bus := queue.NewMemoryBus()
	defer bus.Close()
	got := make(chan []byte, 1)
	unsub, _ := bus.Subscribe(context.Background(), pymsg.DefaultChannel, func(b []byte) { got <- b })
	defer unsub()

	em := pymsg.NewEmitter(bus, pymsg.Options{})
	_ = em.Of("/chat").To("lobby").Emit(context.Background(), "notice", "maintenance at noon")

	m, _ := pymsg.Decode(<-got)
	fmt.Println(m.Method, m.Namespace, m.Rooms, m.Event, m.Args)
	// Output: emit /chat [lobby] notice [maintenance at noon]
}
