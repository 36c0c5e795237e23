package redisq

import (
	"strings"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/tooltest"
	"github.com/socketio-go/sio/queue/internal/controltest"
)

// The npm folder of the Node.js peers, and a file its install has.
const (
	nodePeers  = "../../compat/redis"
	nodeMarker = "@socket.io/redis-streams-adapter/package.json"
)

// TestNodeShardedInterop runs compat/redis/sharded.test.mjs: a mixed
// cluster of two sio servers (here) and one Node.js server on
// createShardedAdapter in its default (dynamic) mode, every operation from
// each server checked on the clients of all three, then sio's sharded
// emitter.
func TestNodeShardedInterop(t *testing.T) {
	node := tooltest.RequireNode(t, nodePeers, nodeMarker)
	client := requireRedis(t)
	prefix := testPrefix(t)
	opts := ShardedOptions{ChannelPrefix: prefix}
	var urls []string
	for i, name := range []string{"go1", "go2"} {
		var em controltest.EmitterFunc
		if i == 0 {
			em = controltest.QueueEmitter(NewShardedEmitter(client, opts))
		}
		urls = append(urls, controltest.Start(t, name, core.Options{ClientManager: NewShardedManager(client, opts)}, em).HTTP.URL)
	}
	tooltest.RunNode(t, node, tooltest.NodeRun{Dir: nodePeers, Files: []string{"sharded.test.mjs"}, Concurrency: 1,
		Env: []string{"SIO_REDIS_URL=" + redisURL(), "SIO_KEY=" + prefix, "SIO_GO_URLS=" + strings.Join(urls, ",")}})
}
