package redisq

import (
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/faulttest"
)

// connectedBus is a bus that reports its connection state.
type connectedBus interface {
	queue.Bus
	Connected() bool
}

// runRestart runs faulttest's broker-restart scenario on a redis-server of
// the test's own, with two servers whose buses newBus makes, and checks
// the log lines and the hooks: each bus reports the outage and its
// recovery.
func runRestart(t *testing.T, newBus func(client redis.UniversalClient, log *slog.Logger, hooks *hookCounts) connectedBus,
	opts func(log *slog.Logger) queue.Options, lost, restored string) {
	srv := startRedisServer(t)
	log, logs := faulttest.NewLogs(t)
	var hooks hookCounts
	client := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: time.Second, MaxRetries: 1})
	t.Cleanup(func() { _ = client.Close() })
	var buses []connectedBus
	t.Cleanup(func() {
		for _, b := range buses {
			_ = b.Close()
		}
	})
	faulttest.RunRestart(t, func() core.ClientManager {
		b := newBus(client, log, &hooks)
		buses = append(buses, b)
		return queue.NewManager(b, opts(log))
	}, faulttest.Broker{
		Cut:     srv.stop,
		Restore: srv.restart,
		Connected: func() bool {
			for _, b := range buses {
				if !b.Connected() {
					return false
				}
			}
			return true
		},
	})
	if n := logs.Count(lost); n < 2 {
		t.Errorf("%d lines %q, want one per bus at least", n, lost)
	}
	if n := logs.Count(restored); n < 2 {
		t.Errorf("%d lines %q, want one per bus at least", n, restored)
	}
	hooks.check(t, len(buses))
}

// TestShardedRestart kills redis-server under two sharded servers while
// one broadcasts: requests fail within their timeout during the outage,
// and once it is back both buses resubscribe (logged) within
// faulttest.Reconnect and the cluster works again.
func TestShardedRestart(t *testing.T) {
	prefix := testPrefix(t)
	runRestart(t, func(client redis.UniversalClient, log *slog.Logger, hooks *hookCounts) connectedBus {
		return NewShardedBus(client, ShardedOptions{Logger: log, OnPublishError: hooks.onPublishError, OnReconnect: hooks.onReconnect})
	}, func(log *slog.Logger) queue.Options {
		return queue.Options{ChannelPrefix: prefix, RequestTimeout: faulttest.RequestTimeout, Encoding: queue.EncodingJSON,
			SubscriptionMode: queue.SubscriptionDynamic, Logger: log}
	}, "subscription connection lost", "subscriptions restored")
}
