package redisq

import (
	"strings"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/tooltest"
	"github.com/socketio-go/sio/queue/internal/controltest"
)

// TestNodeClassicInterop runs compat/redis/classic.test.mjs: a mixed
// cluster of two sio servers (here) and one Node.js server on
// @socket.io/redis-adapter (started by the script), every operation from
// each server checked on the clients of all three, then
// @socket.io/redis-emitter and sio's Emitter.
func TestNodeClassicInterop(t *testing.T) {
	node := tooltest.RequireNode(t, nodePeers, nodeMarker)
	client := requireRedis(t)
	key := testPrefix(t)
	var urls []string
	for _, name := range []string{"go1", "go2"} {
		var em controltest.EmitterFunc
		if name == "go1" {
			em = controltest.Emitter(NewEmitter(client, EmitterOptions{Key: key}))
		}
		urls = append(urls, controltest.Start(t, name, core.Options{ClientManager: NewManager(client, Options{Key: key})}, em).HTTP.URL)
	}
	tooltest.RunNode(t, node, tooltest.NodeRun{Dir: nodePeers, Files: []string{"classic.test.mjs"}, Concurrency: 1,
		Env: []string{"SIO_REDIS_URL=" + redisURL(), "SIO_KEY=" + key, "SIO_GO_URLS=" + strings.Join(urls, ",")}})
}
