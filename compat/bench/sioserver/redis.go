package main

// Redis: -redis URL (or -cluster redis://...), in the format -redis-format
// names (or the URL's format parameter): classic (Node.js's
// @socket.io/redis-adapter), sharded (its sharded adapter, Redis 7),
// streams (@socket.io/redis-streams-adapter) or python (python-socketio's
// RedisManager). Servers of one cluster use the same format.

import (
	"flag"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue/redisq"
)

var (
	redisURL    = flag.String("redis", "", "Redis URL of the cluster (redis://, rediss://, unix://, redis+cluster://); see redisq.NewClient")
	redisFormat = flag.String("redis-format", string(redisq.FormatClassic), fmt.Sprintf("wire format of a Redis cluster: %v", redisq.Formats()))
)

func init() {
	register(broker{
		name:    "redis",
		schemes: []string{"redis", "rediss", "redis+cluster", "rediss+cluster", "unix"},
		flagURL: func() string { return *redisURL },
		open:    openRedis,
	})
}

func openRedis(rawURL string, log *slog.Logger) (core.ClientManager, func(), error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	format := *redisFormat
	if q := u.Query(); q.Has("format") {
		format = q.Get("format")
		q.Del("format")
		u.RawQuery = q.Encode()
	}
	client, err := redisq.NewClient(u.String())
	if err != nil {
		return nil, nil, err
	}
	m, err := redisq.NewFormatManager(client, redisq.Format(format), log)
	if err != nil {
		_ = client.Close()
		return nil, nil, err
	}
	log.Info("cluster on Redis", "url", u.Redacted(), "format", format)
	return m, func() { _ = client.Close() }, nil
}
