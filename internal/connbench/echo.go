package connbench

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// echoPad is the padding of each echo event, as compat/bench's loadgen
// sends it by default.
var echoPad = strings.Repeat("x", 32)

// Echo measures round trips of 42<id>["echo","<pad>",<id>] and its
// acknowledgement 43<id>[...] over one websocket session to base (the
// Engine.IO path, http://host:port/path/), one at a time: the server must
// answer the "echo" event by acknowledging with the arguments it received.
func Echo(b *testing.B, base string) {
	b.Helper()
	ws := strings.Replace(base, "http://", "ws://", 1) + "?EIO=4&transport=websocket"
	c, _, err := websocket.DefaultDialer.Dial(ws, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(Wait))
	if _, open, err := c.ReadMessage(); err != nil || len(open) == 0 || open[0] != '0' {
		b.Fatalf("open packet %q: %v", open, err)
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		b.Fatal(err)
	}
	if p := next(b, c); !bytes.HasPrefix(p, []byte("40")) {
		b.Fatalf("CONNECT answer %q", p)
	}
	var out []byte
	b.ReportAllocs()
	id := 0
	for b.Loop() {
		id++
		ids := strconv.Itoa(id)
		out = append(append(append(append(append(out[:0], "42"...), ids...), `["echo","`...), echoPad...), `",`...)
		out = append(append(out, ids...), ']')
		if err := c.WriteMessage(websocket.TextMessage, out); err != nil {
			b.Fatal(err)
		}
		want := "43" + ids + "["
		for {
			p := next(b, c)
			if bytes.HasPrefix(p, []byte(want)) {
				break
			}
		}
	}
}

// next returns the next packet other than a ping, which it answers.
func next(b *testing.B, c *websocket.Conn) []byte {
	for {
		_ = c.SetReadDeadline(time.Now().Add(Wait))
		_, p, err := c.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		if string(p) == "2" {
			_ = c.WriteMessage(websocket.TextMessage, []byte("3"))
			continue
		}
		return p
	}
}
