package redisq

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestNewClientURLs(t *testing.T) {
	t.Run("single", func(t *testing.T) {
		c := newClient(t, "redis://alice:secret@db.example:6380/3?dial_timeout=2&pool_size=7&client_name=sio")
		o := c.(*redis.Client).Options()
		if o.Addr != "db.example:6380" || o.Username != "alice" || o.Password != "secret" || o.DB != 3 ||
			o.DialTimeout != 2*time.Second || o.PoolSize != 7 || o.ClientName != "sio" || o.TLSConfig != nil {
			t.Fatalf("options %+v", o)
		}
	})
	t.Run("tls", func(t *testing.T) {
		o := newClient(t, "rediss://:pw@secure.example?skip_verify=true").(*redis.Client).Options()
		if o.TLSConfig == nil || o.TLSConfig.ServerName != "secure.example" || !o.TLSConfig.InsecureSkipVerify ||
			o.Addr != "secure.example:6379" || o.Password != "pw" {
			t.Fatalf("options %+v", o)
		}
	})
	t.Run("unix", func(t *testing.T) {
		o := newClient(t, "unix:///run/redis.sock?db=2").(*redis.Client).Options()
		if o.Network != "unix" || o.Addr != "/run/redis.sock" || o.DB != 2 {
			t.Fatalf("options %+v", o)
		}
	})
	t.Run("sentinel", func(t *testing.T) {
		c := newClient(t, "redis://:pw@sentinel1:26379/1?master_name=mymaster&addr=sentinel2:26379")
		if _, ok := c.(*redis.Client); !ok {
			t.Fatalf("%T, want a failover *redis.Client", c)
		}
		if o := c.(*redis.Client).Options(); o.DB != 1 {
			t.Fatalf("options %+v", o)
		}
	})
	for _, u := range []string{"redis+cluster://node1:7000?addr=node2:7001&addr=node3:7002", "redis://node1:7000?addr=node2:7001&addr=node3:7002"} {
		t.Run("cluster "+u, func(t *testing.T) {
			c, ok := newClient(t, u).(*redis.ClusterClient)
			if !ok {
				t.Fatalf("%T, want *redis.ClusterClient", c)
			}
			if got := c.Options().Addrs; !slices.Equal(got, []string{"node1:7000", "node2:7001", "node3:7002"}) {
				t.Fatalf("addrs %v", got)
			}
		})
	}
	t.Run("cluster tls", func(t *testing.T) {
		o := newClient(t, "rediss+cluster://u:p@node1:7000").(*redis.ClusterClient).Options()
		if o.TLSConfig == nil || o.Username != "u" || o.Password != "p" {
			t.Fatalf("options %+v", o)
		}
	})
	for _, u := range []string{"http://x", "redis://h?no_such_option=1", "redis://h/notadb", "unix+cluster:///s",
		"redis+cluster://h?master_name=m", "redis://%zz"} {
		t.Run("invalid "+u, func(t *testing.T) {
			c, err := NewClient(u)
			if !errors.Is(err, ErrInvalidURL) {
				if c != nil {
					_ = c.Close()
				}
				t.Fatalf("NewClient(%q) = %v, want ErrInvalidURL", u, err)
			}
		})
	}
}

// TestNewClientConnects checks a URL's client against the shared Redis.
func TestNewClientConnects(t *testing.T) {
	c := requireRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	key := testPrefix(t)
	if err := c.Set(ctx, key, "v", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	defer c.Del(context.Background(), key)
	if v, err := c.Get(ctx, key).Result(); err != nil || v != "v" {
		t.Fatalf("GET = %q, %v", v, err)
	}
}

func newClient(t *testing.T, u string) redis.UniversalClient {
	t.Helper()
	c, err := NewClient(u)
	if err != nil {
		t.Fatalf("NewClient(%q): %v", u, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}
