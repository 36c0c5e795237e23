package redisq

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/queuetest"
)

// TestShardedBus runs the Bus contract against ShardedBus on the shared
// Redis.
func TestShardedBus(t *testing.T) {
	client := requireRedis(t)
	queuetest.RunBus(t, func(t *testing.T) queue.Bus { return NewShardedBus(client, ShardedOptions{}) })
}

// TestShardedCluster runs every cluster operation on sharded managers, in
// each subscription mode, on the shared Redis.
func TestShardedCluster(t *testing.T) {
	client := requireRedis(t)
	for _, mode := range []ShardedMode{ShardedDynamic, ShardedStatic, ShardedDynamicPrivate} {
		t.Run(mode.subscriptionMode().String(), func(t *testing.T) {
			queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
				opts := ShardedOptions{ChannelPrefix: testPrefix(t), Mode: mode}
				return func() core.ClientManager { return NewShardedManager(client, opts) }
			})
		})
	}
}
