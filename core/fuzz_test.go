package core_test

import (
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// FuzzClientMessages plays a client's Engine.IO messages to a connection:
// Socket.IO packets, binary attachments, in any order. The input is a
// sequence of messages, each a kind byte (odd: binary, even: text) and a
// length byte, then the data. Whatever they are, the server does not
// panic, bounds what a binary packet waiting for its attachments holds,
// and the connection's session is gone once the client has closed it.
// The seed corpus is in testdata/fuzz/FuzzClientMessages.
func FuzzClientMessages(f *testing.F) {
	msgs := func(ms ...string) []byte {
		var b []byte
		for _, m := range ms {
			kind := byte(0)
			if len(m) > 0 && m[0] == 0 {
				kind, m = 1, m[1:]
			}
			b = append(append(b, kind, byte(len(m))), m...)
		}
		return b
	}
	for _, ms := range [][]string{
		{"0", `2["up"]`},
		{"0", `51-["up",{"_placeholder":true,"num":0}]`, "\x00\x01\x02"},
		{"0", `52-["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, "\x00" + string(make([]byte, 200)), "\x00" + string(make([]byte, 200))},
		{"0", `53-["up",{"_placeholder":true,"num":0}]`, "\x00x", `2["up"]`},
		{"0", "\x00stray"},
		{"0", `61-0[{"_placeholder":true,"num":0}]`, "\x00a"},
		{`0/nsp,`, "1", "x", ""},
	} {
		f.Add(msgs(ms...))
	}
	ts := newServer(f, core.Options{
		Engine:            engineio.Options{MaxHTTPBufferSize: 300},
		AttachmentTimeout: 50 * time.Millisecond,
	})
	ts.On("up", func(*core.Socket, core.Args) {})
	f.Fuzz(func(t *testing.T, in []byte) {
		c := ts.dial(t)
		c.Stop()
		for len(in) >= 2 {
			kind, n := in[0], int(in[1])
			in = in[2:]
			n = min(n, len(in))
			typ := wsText
			if kind%2 == 1 {
				typ = wsBinary
			}
			data := append([]byte(nil), in[:n]...)
			if typ == wsText {
				data = append([]byte("4"), data...)
			}
			in = in[n:]
			if c.WriteFrame(typ, data) != nil {
				break
			}
		}
		c.Close()
		waitFor(t, "the session to end", func() bool { return ts.Engine().Len() == 0 })
	})
}
