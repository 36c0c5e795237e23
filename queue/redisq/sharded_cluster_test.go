package redisq

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/tooltest"
	"github.com/socketio-go/sio/queue/queuetest"
)

// startRedisCluster starts a Redis Cluster of three masters of the test's
// own (no persistence, no replicas), stopped when the test ends, and
// returns a cluster client of it; it skips the test (fails it under
// CI=true) when redis-server or redis-cli is missing.
func startRedisCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tooltest.Missing(t, "redis-server is not installed (%v)", err)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		tooltest.Missing(t, "redis-cli is not installed (%v)", err)
	}
	dir := t.TempDir()
	var addrs []string
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		p := strconv.Itoa(port)
		cmd := exec.Command(bin, "--port", p, "--bind", "127.0.0.1", "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes-"+p+".conf", "--dir", dir, "--save", "", "--appendonly", "no",
			"--loglevel", "warning")
		if err := cmd.Start(); err != nil {
			t.Fatalf("redis-server: %v", err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		addrs = append(addrs, "127.0.0.1:"+p)
	}
	for _, a := range addrs {
		waitPing(t, redis.NewClient(&redis.Options{Addr: a}))
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	out, err := exec.Command(cli, append(args, "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		deadline := time.Now().Add(20 * time.Second)
		for {
			info, _ := c.ClusterInfo(context.Background()).Result()
			if strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the cluster is not ready on %s: %s", a, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = c.Close()
	}
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// waitPing waits until c answers, then closes it.
func waitPing(t *testing.T, c *redis.Client) {
	t.Helper()
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server %s does not answer", c.Options().Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedisCluster runs every cluster operation on a Redis Cluster: the
// sharded format in the dynamic mode (the namespace's and rooms' channels
// hash to slots on every master, so each manager holds a subscription
// connection per master, and SHARDNUMSUB is summed over them), and the
// streams format with sharded pub/sub.
func TestRedisCluster(t *testing.T) {
	client := startRedisCluster(t)
	t.Run("sharded", func(t *testing.T) {
		queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
			opts := ShardedOptions{ChannelPrefix: testPrefix(t)}
			return func() core.ClientManager { return NewShardedManager(client, opts) }
		})
	})
	t.Run("streams", func(t *testing.T) {
		queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
			p := testPrefix(t)
			opts := StreamsOptions{StreamName: p, ChannelPrefix: p, ShardedPubSub: true, BlockTime: 200 * time.Millisecond}
			return func() core.ClientManager { return NewStreamsManager(client, opts) }
		})
	})
	// The channels of one namespace are on several masters.
	masters := map[string]bool{}
	for _, ch := range []string{"p#/#", "p#/#red#", "p#/#blue#", "p#/#green#", "p#/#x#", "p#/#y#"} {
		node, err := client.MasterForKey(context.Background(), ch)
		if err != nil {
			t.Fatal(err)
		}
		masters[node.Options().Addr] = true
	}
	if len(masters) < 2 {
		t.Errorf("the sample channels are all on %v: the test does not cover several nodes", masters)
	}
}
