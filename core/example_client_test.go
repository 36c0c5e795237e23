package core_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// exampleClient is the raw client of the examples: it sends and receives
// the text of Socket.IO packets (what follows the Engine.IO "4") over an
// in-memory connection to the server.
type exampleClient struct {
	w    pipeClient
	done chan struct{}
}

// dial connects a client to srv.
func dial(srv *core.Server) *exampleClient {
	ticket, resp := srv.Engine().PrepareWebSocket(&engineio.Request{
		Method:  http.MethodGet,
		Path:    srv.Options().Path,
		Query:   url.Values{"EIO": {"4"}, "transport": {"websocket"}},
		Header:  http.Header{},
		Context: context.Background(),
	})
	if resp != nil {
		panic(string(resp.Body))
	}
	p := newPipe()
	c := &exampleClient{w: pipeClient{p}, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		ticket.Serve(pipeServer{p})
	}()
	_, _, _ = c.w.ReadMessage() // the Engine.IO open packet
	return c
}

// send sends a packet.
func (c *exampleClient) send(pkt string, attachments ...[]byte) {
	_ = c.w.WriteMessage(wsText, []byte("4"+pkt))
	for _, a := range attachments {
		_ = c.w.WriteMessage(wsBinary, a)
	}
}

var sidValue = regexp.MustCompile(`"sid":"[^"]*"`)

// recv returns the next packet, with socket ids replaced by "...".
func (c *exampleClient) recv() string {
	for {
		typ, data, err := c.w.ReadMessage()
		switch {
		case err != nil || typ == wsClose:
			return "(closed)"
		case typ == wsBinary:
			return fmt.Sprintf("<binary %x>", data)
		case len(data) > 0 && data[0] == '2': // ping
			_ = c.w.WriteMessage(wsText, []byte("3"))
		case len(data) > 0 && data[0] == '4':
			return sidValue.ReplaceAllString(string(data[1:]), `"sid":"..."`)
		case len(data) > 0 && data[0] == '1':
			return "(closed)"
		}
	}
}

// close closes the connection.
func (c *exampleClient) close() {
	_ = c.w.Close()
	<-c.done
}
