package redisq

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue/queuetest"
)

// TestClassicConformance runs queue's conformance kit on sio servers
// linked by the classic format over the shared Redis.
func TestClassicConformance(t *testing.T) {
	queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
		client := requireRedis(t)
		key := testPrefix(t)
		return func() core.ClientManager { return NewManager(client, Options{Key: key}) }
	})
}
