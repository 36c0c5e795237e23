package fibersio

import (
	"fmt"
	"net"
	"runtime/debug"
	"sync"

	"github.com/fasthttp/websocket"
	contribws "github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/socketio-go/sio/core/engineio"
)

// ticketLocal is the Ctx local that hands the validated request to the
// upgrader's handler (gofiber/contrib/websocket copies the locals into its
// Conn).
const ticketLocal = "fibersio.ticket"

// newUpgrader returns gofiber/contrib/websocket's upgrading handler, set up
// so that nothing but Engine.IO frames is ever written: the core has
// decided the origin before the upgrade, and a panic (the core recovers
// those of user callbacks, so this is a bug) is logged, never answered with
// the package's default JSON error frame.
func newUpgrader(opts engineio.Options) fiber.Handler {
	log := opts.Logger
	return contribws.New(func(c *contribws.Conn) {
		ticket, _ := c.Locals(ticketLocal).(*engineio.Ticket)
		if ticket == nil { // not upgraded by New
			_ = c.Close()
			return
		}
		// fasthttp runs this on the hijacked connection after New's
		// handler has returned; Serve blocks until the session has left
		// the connection, so the pooled buffers stay valid.
		ticket.Serve(conn{c.Conn}) // not c, which the package recycles
	}, contribws.Config{
		Origins:           []string{"*"},
		EnableCompression: opts.PerMessageDeflate,
		// fasthttp reads the hijacked connection through its own
		// buffer (Fiber's ReadBufferSize, 4 KiB), which it keeps while
		// the connection is served: the websocket's needs only hold a
		// control frame. Writes borrow a buffer from the pool.
		ReadBufferSize:  readBufferSize,
		WriteBufferPool: &sync.Pool{},
		RecoverHandler: func(c *contribws.Conn) {
			if v := recover(); v != nil {
				log.Error("fibersio: panic serving a websocket", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				_ = c.Close()
			}
		},
	})
}

// readBufferSize is the websocket's read buffer: the largest control frame
// (125 bytes) and a little more. Larger frames are read through it, not
// refused.
const readBufferSize = 128

// conn is the upgraded connection as the core uses it: the connection of
// fasthttp/websocket under contrib's Conn. Its Close ends the
// TCP connection at once: fasthttp's hijacked connection ignores Close
// until the handler returns, so a writer blocked on a client that does not
// read would otherwise keep the connection and its goroutines until its
// write deadline, also after the server's and the app's Shutdown.
type conn struct{ *websocket.Conn }

// Close closes the TCP connection under fasthttp's hijacked one (fasthttp
// closes it again, harmlessly, when the handler returns).
func (c conn) Close() error {
	if u, ok := c.NetConn().(interface{ UnsafeConn() net.Conn }); ok {
		return u.UnsafeConn().Close()
	}
	return c.Conn.Close()
}
