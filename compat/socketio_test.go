package compat

import (
	"testing"
	"time"

	"github.com/socketio-go/sio/internal/tooltest"
)

// The interop suite for Socket.IO: the official socket.io-client 4.8 from
// npm, driven by Node's test runner (compat/socketio/*.test.mjs), against the
// fixture servers of socketio_fixture_test.go (see there for the servers,
// their namespaces and events, and the control endpoints).
//
// Run it with: go test ./compat/ -run SocketIOClient -v
// (SIO_FILES=acks,rooms runs those files only; SIO_TEST_DEBUG=1 logs the
// servers at debug level.)
func TestSocketIOClient(t *testing.T) {
	node := requireNode(t)
	files := tooltest.NodeTestFiles(t, "socketio", "SIO_FILES")
	// The same suite against every adapter: net/http, Gin, Echo, Fiber.
	for _, h := range selectedHosts() {
		t.Run(h.name, func(t *testing.T) {
			f := newSIOFixture(t, h)
			runNodeTests(t, node, f.env(), files...)
			// Every socket the node tests connected has left, with a
			// known reason.
			f.checkAllDisconnected(sioPingInterval + sioPingTimeout + 5*time.Second)
			f.stop()
		})
	}
}
