package redisq

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/queuetest"
)

// streamsOptions returns options whose stream, channels and session keys
// are unique to the test; the stream is deleted when the test ends.
func streamsOptions(t *testing.T, client redis.UniversalClient) StreamsOptions {
	p := testPrefix(t)
	t.Cleanup(func() { client.Del(context.Background(), p) })
	return StreamsOptions{StreamName: p, ChannelPrefix: p, SessionKeyPrefix: p + ":session:"}
}

// TestStreamsBus runs the Bus contract against StreamsBus on the shared
// Redis.
func TestStreamsBus(t *testing.T) {
	client := requireRedis(t)
	queuetest.RunBus(t, func(t *testing.T) queue.Bus { return NewStreamsBus(client, streamsOptions(t, client)) })
}

// TestStreamsCluster runs every cluster operation on Redis Streams
// managers, with pub/sub and with sharded pub/sub for the requests.
func TestStreamsCluster(t *testing.T) {
	client := requireRedis(t)
	for _, sharded := range []bool{false, true} {
		name := map[bool]string{false: "pubsub", true: "sharded"}[sharded]
		t.Run(name, func(t *testing.T) {
			queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
				opts := streamsOptions(t, client)
				opts.ShardedPubSub = sharded
				return func() core.ClientManager { return NewStreamsManager(client, opts) }
			})
		})
	}
}

// TestStreamsRecovery runs the recovery suite: a client recovers its
// session and missed broadcasts from whichever server it reconnects to.
func TestStreamsRecovery(t *testing.T) {
	client := requireRedis(t)
	queuetest.RunRecovery(t, func(t *testing.T) func() core.ClientManager {
		opts := streamsOptions(t, client)
		return func() core.ClientManager { return NewStreamsManager(client, opts) }
	})
}
