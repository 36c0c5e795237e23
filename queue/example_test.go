package queue_test

import (
	"context"
	"fmt"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
)

// Two servers of one process linked by a MemoryBus: each counts the
// other, and a server-side event with acknowledgements gets the other's
// reply. With a broker, each process creates its Bus for the broker
// instead, and the rest is the same.
func Example() {
	bus := queue.NewMemoryBus()
	defer bus.Close() // after the servers have shut down

	start := func(name string) *core.Server {
		srv := core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{})})
		srv.OnServerSideEmit("whoami", func(args core.Args) []any {
			var asker string
			_ = args.Decode(0, &asker)
			return []any{name + " answers " + asker}
		})
		return srv
	}
	a, b := start("a"), start("b")
	ctx := context.Background()
	defer a.Shutdown(ctx)
	defer b.Shutdown(ctx)

	// The servers discover each other through their heartbeats.
	for a.ServerCount(ctx) < 2 || b.ServerCount(ctx) < 2 {
		time.Sleep(time.Millisecond)
	}
	fmt.Println("servers:", a.ServerCount(ctx))

	replies, err := a.ServerSideEmitWithAck(ctx, "whoami", "a")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range replies {
		var s string
		_ = r.Decode(0, &s)
		fmt.Println(s)
	}
	// Output:
	// servers: 2
	// b answers a
}

// Transcode turns a cluster message from one encoding into the other, as
// a Bus may need to (the Postgres adapter stores big JSON messages as
// MessagePack); a message with binary values has no JSON form.
func ExampleTranscode() {
	msg := []byte(`{"uid":"0123456789abcdef","nsp":"/","type":9,"data":{"packet":["ping",1]}}`)
	mp, err := queue.Transcode(msg, queue.EncodingMsgpack)
	if err != nil {
		panic(err)
	}
	h, data, err := queue.SplitMessage(mp)
	if err != nil {
		panic(err)
	}
	js, err := queue.Transcode(data, queue.EncodingJSON)
	if err != nil {
		panic(err)
	}
	fmt.Println(queue.IsJSON(mp), h.Type, h.NSP, string(js))
	// Output: false SERVER_SIDE_EMIT / {"packet":["ping",1]}
}
