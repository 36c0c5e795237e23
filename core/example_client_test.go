package core_test

import (
	"context"
	"regexp"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// exampleClient is the client of the examples: it sends and receives the
// text of Socket.IO packets (what follows the Engine.IO "4") over an
// in-memory connection to the server.
type exampleClient struct {
	*siotest.Client
	done chan struct{}
}

// dial connects a client to srv.
func dial(srv *core.Server) *exampleClient {
	ticket, resp := srv.Engine().PrepareWebSocket(siotest.WebSocketRequest(srv.Options().Path, nil))
	if resp != nil {
		panic(string(resp.Body))
	}
	server, client := siotest.Pipe()
	c := &exampleClient{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		ticket.Serve(server)
	}()
	var err error
	if c.Client, err = siotest.Start(client, siotest.Options{}); err != nil {
		panic(err)
	}
	return c
}

// send sends a packet.
func (c *exampleClient) send(pkt string, attachments ...[]byte) { c.Send(pkt, attachments...) }

var sidValue = regexp.MustCompile(`"sid":"[^"]*"`)

// recv returns the next packet, with socket ids replaced by "...".
func (c *exampleClient) recv() string {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	p, err := c.ReadPacket(ctx)
	if err != nil {
		return "(closed)"
	}
	return sidValue.ReplaceAllString(p.String(), `"sid":"..."`)
}

// close closes the connection.
func (c *exampleClient) close() {
	c.Close()
	<-c.done
}
