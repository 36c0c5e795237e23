package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestEmitShardedAndStreams checks what the emitter publishes in the
// sharded format (a JSON cluster message SPUBLISHed on the namespace's
// channel) and the streams format (an entry of the stream "socket.io").
func TestEmitShardedAndStreams(t *testing.T) {
	addr := startRedis(t)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ps := c.SSubscribe(ctx, "socket.io#/chat#")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}

	if err := run("redis://"+addr+"?format=sharded", "/chat", "room1", []string{"news", `"hi"`}); err != nil {
		t.Fatal(err)
	}
	m, err := ps.ReceiveMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"uid":"emitter"`, `"nsp":"/chat"`, `"type":3`, `"data":["news","hi"]`, `"rooms":["room1"]`} {
		if !strings.Contains(m.Payload, want) {
			t.Errorf("sharded: %s lacks %s", m.Payload, want)
		}
	}

	if err := run("redis://"+addr+"?format=streams", "/chat", "room1", []string{"news", `"hi"`}); err != nil {
		t.Fatal(err)
	}
	entries, err := c.XRange(ctx, "socket.io", "-", "+").Result()
	if err != nil || len(entries) != 1 {
		t.Fatalf("streams: %v %v", entries, err)
	}
	v := entries[0].Values
	if v["uid"] != "emitter" || v["nsp"] != "/chat" || v["type"] != "3" ||
		!strings.Contains(v["data"].(string), `"data":["news","hi"]`) {
		t.Errorf("streams entry %v", v)
	}
}
