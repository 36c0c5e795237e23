package redisq

import (
	"log/slog"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/faulttest"
)

// TestStreamsRestart is TestShardedRestart for the Redis Streams format:
// the broadcasts come through the stream readers, which resume reading
// after the last entry they read (logged), besides the pub/sub
// resubscription of the requests' channels.
func TestStreamsRestart(t *testing.T) {
	prefix := testPrefix(t)
	runRestart(t, func(client redis.UniversalClient, log *slog.Logger, hooks *hookCounts) connectedBus {
		return NewStreamsBus(client, StreamsOptions{StreamName: prefix, ChannelPrefix: prefix, Logger: log,
			OnPublishError: hooks.onPublishError, OnReconnect: hooks.onReconnect})
	}, func(log *slog.Logger) queue.Options {
		return queue.Options{ChannelPrefix: prefix, RequestTimeout: faulttest.RequestTimeout, Logger: log}
	}, "cannot read the stream, retrying", "reading the stream again")
}
