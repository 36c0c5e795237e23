package redisq

import (
	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/queue"
)

// NewStreamsEmitter returns a write-only emitter for a cluster on the
// Redis Streams format (NewStreamsManager, Node.js's
// @socket.io/redis-streams-adapter), from a process that is not one of
// its servers: to/in/except/of with Emit, SocketsJoin, SocketsLeave and
// DisconnectSockets as stream entries (XADD, so broadcasts get an offset
// and reach reconnecting clients too), and ServerSideEmit as a
// MessagePack message on "<prefix>#N#", all with the uid "emitter". There
// is no Node.js emitter for this format (no @socket.io/redis-streams-emitter
// package exists); this one writes what the Node.js adapter reads.
//
// It cannot receive acknowledgements: no server or client answers an
// emitter (Emit with a function argument fails with queue.ErrEmitterAck).
// The stream, channel and timeout options must match the servers'.
func NewStreamsEmitter(client redis.UniversalClient, opts StreamsOptions) *queue.Emitter {
	opts = opts.withDefaults()
	return queue.NewEmitter(NewStreamsBus(client, opts), queue.EmitterOptions{
		ChannelPrefix: opts.ChannelPrefix,
		Encoding:      queue.EncodingMsgpack,
	})
}
