package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// skipOrFail skips the test, or fails it under CI=true.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// TestTwoProcessClusterOn: two processes started with the same -cluster
// URL of the shared NATS server (core and JetStream) or PostgreSQL, with
// a channel prefix of the test's own, form one cluster: each counts two servers, and a message sent on one reaches
// the client of the other.
func TestTwoProcessClusterOn(t *testing.T) {
	prefix := "siotest" + strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, c := range []struct{ name, url string }{
		{"nats", "nats://127.0.0.1:4222?prefix=" + prefix},
		{"jetstream", "nats://127.0.0.1:4222?prefix=" + prefix + "&jetstream=" + strings.ToUpper(prefix)},
		{"postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable&prefix=" + prefix + "&table=" + prefix},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			switch c.name {
			case "postgres":
				conn, err := pgx.Connect(ctx, strings.Split(c.url, "&")[0])
				if err != nil {
					skipOrFail(t, "no PostgreSQL: %v", err)
				}
				t.Cleanup(func() { // the table the servers created
					_, _ = conn.Exec(ctx, "DROP TABLE IF EXISTS "+prefix)
					_ = conn.Close(ctx)
				})
			default:
				nc, err := nats.Connect("nats://127.0.0.1:4222")
				if err != nil {
					skipOrFail(t, "no NATS server: %v", err)
				}
				t.Cleanup(func() { // the stream and bucket the servers created
					defer nc.Close()
					if js, err := jetstream.New(nc); err == nil && c.name == "jetstream" {
						o := jetStreamOptions(strings.ToUpper(prefix))
						_ = js.DeleteStream(ctx, o.Stream)
						_ = js.DeleteKeyValue(ctx, o.SessionBucket)
					}
				})
			}
			a := startNode(t, "-addr", "127.0.0.1:"+strconv.Itoa(freePort(t)), "-name", "a", "-cluster", c.url)
			b := startNode(t, "-addr", "127.0.0.1:"+strconv.Itoa(freePort(t)), "-name", "b", "-cluster", c.url)
			ca, cb := dial(t, a.url), dial(t, b.url)
			for deadline := time.Now().Add(15 * time.Second); string(ca.call("servers")[0]) != "2"; {
				if time.Now().After(deadline) {
					t.Fatalf("a counts %s servers, not 2", ca.call("servers")[0])
				}
				time.Sleep(20 * time.Millisecond)
			}
			if r := ca.call("message", "hello from a"); len(r) != 1 || !strings.Contains(string(r[0]), `"node":"a"`) {
				t.Fatalf("ack %s", r)
			}
			if got := cb.read(`42["message",`); got != `{"node":"a","text":"hello from a"}]` {
				t.Errorf("b's client got %s", got)
			}
			a.stop(t)
			b.stop(t)
		})
	}
}
