package main

// Redis: -redis URL (or -cluster redis://...), in the format -redis-format
// names (or the URL's format parameter), the servers' format: classic
// (@socket.io/redis-emitter's), sharded, streams or python
// (python-socketio's RedisManager(write_only=True)).

import (
	"context"
	"flag"
	"fmt"
	"net/url"

	"github.com/socketio-go/sio/queue/pymsg"
	"github.com/socketio-go/sio/queue/redisq"
)

var (
	redisURL    = flag.String("redis", "", "Redis URL of the cluster (redis://, rediss://, unix://, redis+cluster://); see redisq.NewClient")
	redisFormat = flag.String("redis-format", string(redisq.FormatClassic), fmt.Sprintf("wire format of the Redis cluster: %v", redisq.Formats()))
)

func init() {
	register(broker{
		name:    "redis",
		schemes: []string{"redis", "rediss", "redis+cluster", "rediss+cluster", "unix"},
		flagURL: func() string { return *redisURL },
		open:    openRedis,
	})
}

func openRedis(rawURL string) (emitFunc, func(), error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	format := redisq.Format(*redisFormat)
	if q := u.Query(); q.Has("format") {
		format = redisq.Format(q.Get("format"))
		q.Del("format")
		u.RawQuery = q.Encode()
	}
	client, err := redisq.NewClient(u.String())
	if err != nil {
		return nil, nil, err
	}
	release := func() { _ = client.Close() }
	var emit emitFunc
	switch format {
	case redisq.FormatClassic:
		e := redisq.NewEmitter(client, redisq.EmitterOptions{})
		emit = func(ctx context.Context, nsp string, rooms []string, event string, args ...any) error {
			return e.Of(nsp).To(rooms...).Emit(ctx, event, args...)
		}
	case redisq.FormatSharded:
		e := redisq.NewShardedEmitter(client, redisq.ShardedOptions{})
		emit = func(ctx context.Context, nsp string, rooms []string, event string, args ...any) error {
			return e.Of(nsp).To(rooms...).Emit(ctx, event, args...)
		}
	case redisq.FormatStreams:
		e := redisq.NewStreamsEmitter(client, redisq.StreamsOptions{})
		emit = func(ctx context.Context, nsp string, rooms []string, event string, args ...any) error {
			return e.Of(nsp).To(rooms...).Emit(ctx, event, args...)
		}
	case redisq.FormatPython:
		bus := redisq.NewBus(client, redisq.BusOptions{})
		e := pymsg.NewEmitter(bus, pymsg.Options{})
		emit = func(ctx context.Context, nsp string, rooms []string, event string, args ...any) error {
			return e.Of(nsp).To(rooms...).Emit(ctx, event, args...)
		}
		release = func() { _ = bus.Close(); _ = client.Close() }
	default:
		release()
		return nil, nil, fmt.Errorf("unknown Redis format %q (known: %v)", format, redisq.Formats())
	}
	return emit, release, nil
}
