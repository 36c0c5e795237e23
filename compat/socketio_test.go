package compat

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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
	files, err := filepath.Glob(filepath.Join("socketio", "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in compat/socketio (%v)", err)
	}
	if only := os.Getenv("SIO_FILES"); only != "" {
		files = slices.DeleteFunc(files, func(f string) bool {
			return !slices.Contains(strings.Split(only, ","), strings.TrimSuffix(filepath.Base(f), ".test.mjs"))
		})
	}
	// The same suite against every adapter: net/http, Gin, Echo, Fiber.
	// SIO_ADAPTERS=std,fiber runs only those.
	for _, h := range adapterHosts() {
		if only := os.Getenv("SIO_ADAPTERS"); only != "" && !slices.Contains(strings.Split(only, ","), h.name) {
			continue
		}
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
