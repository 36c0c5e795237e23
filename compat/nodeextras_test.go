package compat

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/internal/tooltest"
	"github.com/socketio-go/sio/queue"
)

// The interop suite for everything the Node.js reference server adds to the
// Socket.IO basics (issue 4): namespace and packet middleware, catch-all
// listeners, disconnecting hook, socket data, volatile, compression,
// broadcast acknowledgements, FetchSockets and the cluster-shaped
// operations, dynamic namespaces, connection state recovery, the msgpack
// parser and typed handlers. The official socket.io-client 4.8 from npm,
// driven by Node's test runner (compat/nodeextras/*.test.mjs), against the
// servers of nodeextras_fixture_test.go.
//
// Run it with: go test ./compat/ -run NodeExtras -v
func TestNodeExtras(t *testing.T) {
	node := requireNode(t)
	files := tooltest.NodeTestFiles(t, "nodeextras", "NX_FILES")
	// The same suite against every adapter: net/http, Gin, Echo, Fiber.
	for _, h := range selectedHosts() {
		t.Run(h.name, func(t *testing.T) {
			f := newNXFixture(t, h)
			runNodeTests(t, node, f.env(), files...)
			// Every socket the node tests connected has left, with a
			// known reason; no handler panicked (decode errors and
			// refusals are not panics).
			f.checkAllDisconnected(nxPingInterval + nxPingTimeout + 5*time.Second)
			f.checkNoPanics()
			f.stop()
		})
	}
}

// TestNodeExtrasCluster runs the cluster suite (compat/nodeextras/cluster/):
// two servers "a" and "b", each on its own test HTTP server, linked by
// package queue's manager over one in-process MemoryBus (the publish/
// subscribe path the broker managers use), with socket.io-client clients
// on both.
//
// Run it with: go test ./compat/ -run NodeExtrasCluster -v
func TestNodeExtrasCluster(t *testing.T) {
	node := requireNode(t)
	files := tooltest.NodeTestFiles(t, filepath.Join("nodeextras", "cluster"), "NX_CLUSTER_FILES")
	bus := queue.NewMemoryBus()
	t.Cleanup(func() { _ = bus.Close() }) // after the servers' shutdown
	opts := func() core.Options {
		return core.Options{
			Engine:        engineio.Options{PingInterval: nxPingInterval, PingTimeout: nxPingTimeout},
			ClientManager: queue.NewManager(bus, queue.Options{RequestTimeout: 5 * time.Second}),
		}
	}
	f := newNXFixtureWith(t, adapterHosts()[0], []nxServerSpec{{"a", opts()}, {"b", opts()}}, true)
	f.waitServerCount(2, 10*time.Second, "/", "/x")
	runNodeTests(t, node, f.env(), files...)
	f.checkAllDisconnected(nxPingInterval + nxPingTimeout + 5*time.Second)
	f.checkNoPanics()
	f.stop()
}
