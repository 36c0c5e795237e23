package redisq

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/bustest"
	"github.com/socketio-go/sio/queue/internal/faultproxy"
	"github.com/socketio-go/sio/queue/internal/faulttest"
)

// pubsubClients returns the number of connections in pub/sub mode of
// the Redis at addr (flag P of CLIENT LIST), -1 when it does not answer.
func pubsubClients(addr string) int {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	list, err := c.ClientList(ctx).Result()
	if err != nil {
		return -1
	}
	n := 0
	for line := range strings.Lines(list) {
		for _, f := range strings.Fields(line) {
			if flags, ok := strings.CutPrefix(f, "flags="); ok && strings.Contains(flags, "P") {
				n++
			}
		}
	}
	return n
}

// subscribers returns NUMSUB of channel on the Redis at addr, -1 when it
// does not answer.
func subscribers(addr, channel string) int {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	n, err := numSub(ctx, c, channel)
	if err != nil {
		return -1
	}
	return int(n)
}

// TestClassicBrokerRestart: Redis is killed while a server broadcasts and
// started again; both servers notice, fail their requests in time (and
// their publishes fast), resubscribe within 5s of Redis's return, log
// both, keep one pub/sub connection each, and count the failed publishes
// and the reconnections in the Prometheus metrics (metrics.BrokerHooks).
func TestClassicBrokerRestart(t *testing.T) {
	rs := startRedisServer(t)
	log, logs := faulttest.NewLogs(t)
	reg, publishError, reconnect := brokerMetrics(t)
	newClient := func() redis.UniversalClient {
		c, err := NewClient(rs.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	var managers []core.ClientManager
	faulttest.RunRestart(t, func() core.ClientManager {
		m := NewManager(newClient(), Options{RequestsTimeout: faulttest.RequestTimeout, HealthCheck: 500 * time.Millisecond, Logger: log,
			OnPublishError: publishError, OnReconnect: reconnect})
		managers = append(managers, m)
		return m
	}, faulttest.Broker{
		Cut:     rs.stop,
		Restore: rs.start,
		// Both subscribed again, on one pub/sub connection each (none
		// leaked by the reconnections).
		Connected: func() bool {
			return subscribers(rs.Addr(), DefaultKey+"-request#/#") == 2 && pubsubClients(rs.Addr()) == 2
		},
	})
	for _, want := range []string{"pub/sub connection lost", "pub/sub connection restored", "cannot publish"} {
		if n := logs.Count(want); n == 0 {
			t.Errorf("no %q log line", want)
		}
	}
	if n := logs.Count("cannot publish"); n > 10 {
		t.Errorf("%d \"cannot publish\" lines: the failures of an outage are not held back", n)
	}
	failed := counter(t, reg, "sio_broker_publish_errors_total")
	if want := managers[0].(*manager).pub.count.Load() + managers[1].(*manager).pub.count.Load(); failed != float64(want) || want == 0 {
		t.Errorf("sio_broker_publish_errors_total{broker=\"redis\"} = %v, want the %d failed publishes (not 0)", failed, want)
	}
	if n := counter(t, reg, "sio_broker_reconnects_total"); n < 2 {
		t.Errorf("sio_broker_reconnects_total{broker=\"redis\"} = %v, want one per server at least", n)
	}

	// Publishing while Redis is down fails fast.
	rs.stop()
	pub := managers[0].(*manager).pub
	start := time.Now()
	if err := pub.publish(context.Background(), "x", []byte("y")); err == nil {
		t.Error("a publish while Redis is down succeeded")
	}
	if d := time.Since(start); d > 2*DefaultPublishTimeout {
		t.Errorf("a publish while Redis is down took %v", d)
	}
	if n := counter(t, reg, "sio_broker_publish_errors_total"); n != failed+1 {
		t.Errorf("sio_broker_publish_errors_total{broker=\"redis\"} = %v after one more failed publish, want %v", n, failed+1)
	}
	rs.start()
}

// TestClassicSilentConnection: the connection to Redis stays open but
// nothing comes back (a hung proxy or a half-open TCP connection). The
// health check notices within two intervals and replaces the connection;
// once Redis answers again the server is subscribed and receives.
func TestClassicSilentConnection(t *testing.T) {
	rs := startRedisServer(t)
	proxy, err := faultproxy.New(rs.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	log, logs := faulttest.NewLogs(t)
	direct, err := NewClient(rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	viaProxy, err := NewClient("redis://" + proxy.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer viaProxy.Close()
	const health = 300 * time.Millisecond
	a := siotest.Serve(core.NewServer(core.Options{ClientManager: NewManager(direct, Options{HealthCheck: health})}))
	b := siotest.Serve(core.NewServer(core.Options{ClientManager: NewManager(viaProxy, Options{HealthCheck: health, Logger: log})}))
	defer a.Shutdown(t)
	defer b.Shutdown(t)
	cl, _ := b.Connect(t, "/", "", nil)
	bustest.WaitFor(t, "two servers", siotest.Wait, func() bool { return a.ServerCount(context.Background()) == 2 })
	if err := a.Emit("before"); err != nil {
		t.Fatal(err)
	}
	cl.ExpectEvent(t, "/", "before")

	proxy.Stall(true)
	d := bustest.WaitFor(t, "the silent connection to be noticed", 5*health+time.Second, func() bool {
		return logs.Count("no answer to PING") > 0
	})
	t.Logf("noticed after %v", d.Round(time.Millisecond))
	proxy.Stall(false)
	bustest.WaitFor(t, "the connection to be restored", 5*time.Second, func() bool {
		return logs.Count("pub/sub connection restored") > 0
	})
	markers := time.NewTicker(50 * time.Millisecond)
	defer markers.Stop()
	done := make(chan struct{})
	go func() {
		for {
			_ = a.Emit("marker")
			select {
			case <-done:
				return
			case <-markers.C:
			}
		}
	}()
	cl.Expect(t, "a broadcast after the connection was replaced", func(p siotest.Packet) bool {
		name, _ := p.Event()
		return name == "marker"
	})
	close(done)
}

// TestBusBrokerRestart runs the restart scenario on queue's managers over
// the pub/sub Bus.
func TestBusBrokerRestart(t *testing.T) {
	rs := startRedisServer(t)
	log, logs := faulttest.NewLogs(t)
	var hooks hookCounts
	faulttest.RunRestart(t, func() core.ClientManager {
		c, err := NewClient(rs.URL())
		if err != nil {
			t.Fatal(err)
		}
		bus := NewBus(c, BusOptions{Logger: log, OnPublishError: hooks.onPublishError, OnReconnect: hooks.onReconnect})
		t.Cleanup(func() {
			_ = bus.Close()
			_ = c.Close()
		})
		return queue.NewManager(bus, queue.Options{RequestTimeout: faulttest.RequestTimeout, Logger: log})
	}, faulttest.Broker{
		Cut:     rs.stop,
		Restore: rs.start,
		Connected: func() bool {
			return subscribers(rs.Addr(), queue.DefaultChannelPrefix+"#/#") == 2 && pubsubClients(rs.Addr()) == 2
		},
	})
	if logs.Count("connection lost") == 0 || logs.Count("restored") == 0 {
		t.Errorf("the outage is not logged:\n%s", logs.String())
	}
	hooks.check(t, 2)
}
