package core_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// An observer counts what it is told; the callbacks it leaves nil cost the
// server nothing.
func ExampleServer_Observe() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())
	srv.On("chat", func(s *core.Socket, text string) {})

	var sessions, sockets, events atomic.Int64
	remove := srv.Observe(&core.Observer{
		Engine: &engineio.Observer{
			SessionOpened: func(*engineio.Socket, string) { sessions.Add(1) },
		},
		SocketConnected: func(*core.Socket) { sockets.Add(1) },
		EventReceived:   func(_ *core.Socket, event string, _ core.Args) { events.Add(1) },
	})
	defer remove()

	c := dial(srv)
	defer c.close()
	c.send(`0`)
	c.recv()
	c.send(`2["chat","hi"]`)
	c.send(`21["chat","hi"]`)
	c.recv() // the acknowledgement: both events were handled
	fmt.Println(sessions.Load(), sockets.Load(), events.Load())
	// Output:
	// 1 1 2
}
