package natsq

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/tooltest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/controltest"
)

// nodeDir is the npm folder of the Node.js client suite.
const nodeDir = "../../compat/nats"

// TestNodeRecovery runs compat/nats/recovery.test.mjs: socket.io-client
// loses its connection to one of two servers on JetStreamBuses, misses
// broadcasts, and recovers its session on the other.
func TestNodeRecovery(t *testing.T) {
	node := tooltest.RequireNode(t, nodeDir, "socket.io-client/package.json")
	url := natsURL(t)
	prefix, jopts := testPrefix(t), testJetStream(t, url)
	var urls string
	for _, name := range []string{"a", "b"} {
		m := queue.NewManager(newJetStreamBus(t, url, Options{}, jopts), queue.Options{ChannelPrefix: prefix})
		s := controltest.Start(t, name, core.Options{ClientManager: m, Recovery: &core.RecoveryOptions{}}, nil)
		if urls != "" {
			urls += ","
		}
		urls += s.HTTP.URL
	}
	tooltest.RunNode(t, node, tooltest.NodeRun{Dir: nodeDir, Files: []string{"recovery.test.mjs"}, Concurrency: 1,
		Env: []string{"SIO_GO_URLS=" + urls}})
}
