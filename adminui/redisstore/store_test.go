package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/socketio-go/sio/adminui"
	"github.com/socketio-go/sio/adminui/redisstore"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/internal/tooltest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// redisURL is the shared Redis every machine of the project runs;
// SIO_REDIS_URL overrides it.
func redisURL() string {
	if u := os.Getenv("SIO_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// requireRedis returns a client of the shared Redis, closed when the test
// ends; it skips the test (fails it under CI=true) when Redis does not
// answer.
func requireRedis(t testing.TB) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(redisURL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		tooltest.Missing(t, "no Redis at %s (%v): start redis-server or set SIO_REDIS_URL", redisURL(), err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testPrefix returns a key prefix unique to this run of the test; its keys
// are deleted when the test ends.
func testPrefix(t testing.TB, c *redis.Client) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	prefix := "siotest-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx := context.Background()
		for it := c.Scan(ctx, 0, prefix+"#*", 100).Iterator(); it.Next(ctx); {
			_ = c.Del(ctx, it.Val()).Err()
		}
	})
	return prefix
}

// TestStore: a saved id exists, under the Node.js store's key and value
// with the TTL as its expiry; an unknown id does not.
func TestStore(t *testing.T) {
	c := requireRedis(t)
	prefix := testPrefix(t, c)
	const ttl = time.Hour
	s := redisstore.New(c, redisstore.Options{Prefix: prefix, TTL: ttl})
	ctx := context.Background()
	if err := s.Save(ctx, "0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Exists(ctx, "0123456789abcdef"); !ok || err != nil {
		t.Errorf("Exists(saved) = %v, %v", ok, err)
	}
	if ok, err := s.Exists(ctx, "fedcba9876543210"); ok || err != nil {
		t.Errorf("Exists(unknown) = %v, %v", ok, err)
	}
	key := prefix + "#0123456789abcdef"
	if v, err := c.Get(ctx, key).Result(); v != "true" || err != nil {
		t.Errorf("GET %s = %q, %v; want \"true\"", key, v, err)
	}
	if d, err := c.PTTL(ctx, key).Result(); err != nil || d <= 0 || d > ttl {
		t.Errorf("PTTL %s = %v, %v; want (0, %v]", key, d, err, ttl)
	}
}

// TestNodeKey: an id saved as the Node.js store saves it (MULTI, SET
// "<prefix>#<id>" "true", EXPIRE) is found.
func TestNodeKey(t *testing.T) {
	c := requireRedis(t)
	prefix := testPrefix(t, c)
	ctx := context.Background()
	key := prefix + "#a1b2c3d4e5f60718"
	if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, key, "true", 0)
		p.Expire(ctx, key, 86400*time.Second)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s := redisstore.New(c, redisstore.Options{Prefix: prefix})
	if ok, err := s.Exists(ctx, "a1b2c3d4e5f60718"); !ok || err != nil {
		t.Errorf("Exists(an id the Node.js store saved) = %v, %v", ok, err)
	}
}

// TestExpiry: an id is gone once its TTL has passed.
func TestExpiry(t *testing.T) {
	c := requireRedis(t)
	prefix := testPrefix(t, c)
	s := redisstore.New(c, redisstore.Options{Prefix: prefix, TTL: time.Millisecond})
	ctx := context.Background()
	if err := s.Save(ctx, "0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(siotest.Wait)
	for {
		ok, err := s.Exists(ctx, "0123456789abcdef")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("an id saved with a TTL of 1ms still exists after %v", siotest.Wait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestUnreachable: without Redis, Exists and Save fail (an error, not a
// session) within the timeout.
func TestUnreachable(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer c.Close()
	s := redisstore.New(c, redisstore.Options{Timeout: 500 * time.Millisecond})
	ctx := context.Background()
	start := time.Now()
	if ok, err := s.Exists(ctx, "0123456789abcdef"); ok || err == nil {
		t.Errorf("Exists without Redis = %v, %v; want false and an error", ok, err)
	}
	if err := s.Save(ctx, "0123456789abcdef"); err == nil {
		t.Error("Save without Redis succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Exists and Save without Redis took %v", d)
	}
}

// TestTwoServers: the UI logs in on one server with credentials and gets
// a session id; with it alone it logs in on another server sharing the
// store, while an id no server gave is refused with "invalid
// credentials".
func TestTwoServers(t *testing.T) {
	c := requireRedis(t)
	prefix := testPrefix(t, c)
	var hosts []*siotest.Host
	for range 2 {
		srv := core.NewServer(core.Options{})
		admin, err := adminui.Instrument(srv, adminui.Config{
			Auth:  adminui.Plain("admin", "secret"),
			Store: redisstore.New(c, redisstore.Options{Prefix: prefix}),
		})
		if err != nil {
			t.Fatal(err)
		}
		h := siotest.NewHost(t, srv)
		t.Cleanup(admin.Close)
		hosts = append(hosts, h)
	}
	a, b := hosts[0], hosts[1]

	cl, _ := a.Connect(t, "/admin", "", map[string]any{"username": "admin", "password": "secret"})
	p := cl.ExpectEvent(t, "/admin", "session")
	var args []string
	if err := json.Unmarshal([]byte(p.Data), &args); err != nil || len(args) != 2 || len(args[1]) != 16 {
		t.Fatalf("session event: %s (%v)", p.Data, err)
	}
	id := args[1]
	ctx := context.Background()
	if n, err := c.Exists(ctx, prefix+"#"+id).Result(); n != 1 || err != nil {
		t.Errorf("EXISTS %s#%s = %d, %v", prefix, id, n, err)
	}

	cl2 := b.Dial(t, "")
	if p := cl2.Connect(t, "/admin", map[string]any{"sessionId": id}); p.Type != '0' {
		t.Errorf("login on the other server with the session id: %v", p)
	}
	cl3 := b.Dial(t, "")
	p = cl3.Connect(t, "/admin", map[string]any{"sessionId": "0123456789abcdef"})
	if p.Type != '4' || !strings.Contains(p.Data, "invalid credentials") {
		t.Errorf("login with an unknown session id: %v, want invalid credentials", p)
	}
}
