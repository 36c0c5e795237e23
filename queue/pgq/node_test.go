package pgq

import (
	"os"
	"strings"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/tooltest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/controltest"
)

// nodeDir is the npm folder of the Node.js peers.
const nodeDir = "../../compat/postgres"

// TestNodeInterop runs compat/postgres/cluster.test.mjs: a mixed cluster
// of two sio servers (here) and two Node.js servers on
// @socket.io/postgres-adapter (started by the script) sharing the shared
// PostgreSQL's channels and an attachment table, every operation from
// each server checked on the clients of all four, then
// @socket.io/postgres-emitter and sio's Emitter.
func TestNodeInterop(t *testing.T) {
	node := tooltest.RequireNode(t, nodeDir, "@socket.io/postgres-adapter/package.json")
	dbURL := pgURL(t)
	prefix, opts := testName(t), testOptions(t, dbURL)
	em, err := NewEmitter(t.Context(), dbURL, opts, queue.EmitterOptions{ChannelPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Close() })
	var urls []string
	for _, name := range []string{"go1", "go2"} {
		var emit controltest.EmitterFunc
		if name == "go1" {
			emit = controltest.QueueEmitter(em.Emitter)
		}
		m := NewManager(newBus(t, dbURL, opts), queue.Options{ChannelPrefix: prefix})
		urls = append(urls, controltest.Start(t, name, core.Options{ClientManager: m}, emit).HTTP.URL)
	}
	tooltest.RunNode(t, node, tooltest.NodeRun{Dir: nodeDir, Files: []string{"cluster.test.mjs"}, Concurrency: 1,
		Env: []string{"DEBUG=" + os.Getenv("SIO_NODE_DEBUG"), "SIO_PG_URL=" + dbURL, "SIO_PREFIX=" + prefix, "SIO_TABLE=" + opts.TableName, "SIO_APP=" + opts.ApplicationName, "SIO_GO_URLS=" + strings.Join(urls, ",")}})
}
