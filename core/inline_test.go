package core_test

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/socketio-go/sio/core"
)

// A handler that runs on the connection's reader may block until its own
// client answers (here an emit with an AckFunc, which does not release the
// reader itself): the reader goes on elsewhere after a moment, reads the
// answer, and the socket's next event still waits for this handler.
func TestHandlerBlocksOnItsClient(t *testing.T) {
	ts := newServer(t, core.Options{})
	var mu sync.Mutex
	var order []string
	ts.On("first", func(s *core.Socket) string {
		answered := make(chan string, 1)
		_ = s.Emit("question", core.AckFunc(func(a core.Args, err error) {
			var v string
			_ = a.Decode(0, &v)
			answered <- v
		}))
		v := <-answered
		mu.Lock()
		order = append(order, "first")
		mu.Unlock()
		return v
	})
	ts.On("second", func(*core.Socket) string {
		mu.Lock()
		order = append(order, "second")
		mu.Unlock()
		return "2"
	})
	c := ts.dialWS(t, nil)
	c.OnAck(func(event string, _ []json.RawMessage) ([]any, bool) { return []any{"answer"}, event == "question" })
	c.Join(t, "/", nil)
	first := c.Request("/", "first")
	second := c.Request("/", "second")
	if got := c.ExpectAck(t, "/", first).ArgsText(); got != `["answer"]` {
		t.Errorf("first ack %s", got)
	}
	if got := c.ExpectAck(t, "/", second).ArgsText(); got != `["2"]` {
		t.Errorf("second ack %s", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 2 || order[0] != "first" {
		t.Errorf("handlers ran in order %v", order)
	}
}

// A socket's context is made when first asked for; asked for after the
// socket left, it is cancelled already.
func TestContextMadeAfterLeaving(t *testing.T) {
	ts := newServer(t, core.Options{})
	done := make(chan error, 1)
	ts.OnDisconnect(func(s *core.Socket, _ core.DisconnectReason) {
		select {
		case <-s.Context().Done():
			done <- nil
		default:
			done <- errors.New("context not cancelled")
		}
	})
	c := ts.dialWS(t, nil)
	c.Join(t, "/", nil)
	c.Close()
	if err := recv(t, done); err != nil {
		t.Error(err)
	}
}
