package redisq

import (
	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/queue"
)

// NewShardedEmitter returns a write-only emitter for a cluster on the
// sharded format (NewShardedManager, Node.js's createShardedAdapter),
// from a process that is not one of its servers: to/in/except/of with
// Emit, SocketsJoin, SocketsLeave, DisconnectSockets and ServerSideEmit,
// as JSON cluster messages (MessagePack when they carry binary) with the
// uid "emitter", SPUBLISHed on "<prefix>#N#", which every server
// subscribes to whatever its mode. Node.js has no emitter for this format;
// this one speaks what the sharded adapter reads.
//
// It cannot receive acknowledgements: no server or client answers an
// emitter (Emit with a function argument fails with queue.ErrEmitterAck).
// Only ChannelPrefix, PublishTimeout, OnPublishError and Logger of opts
// are used.
func NewShardedEmitter(client redis.UniversalClient, opts ShardedOptions) *queue.Emitter {
	return queue.NewEmitter(NewShardedBus(client, opts), queue.EmitterOptions{
		ChannelPrefix: opts.ChannelPrefix,
		Encoding:      queue.EncodingJSON,
	})
}
