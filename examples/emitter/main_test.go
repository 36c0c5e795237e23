package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/vmihailenco/msgpack/v5"
)

// startRedis starts a redis-server of the test's own on a free port.
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is not installed: %v", err)
		}
		t.Skipf("redis-server is not installed: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server does not listen")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEmit checks what the emitter publishes in the classic and python
// formats: the message the servers of each format read.
func TestEmit(t *testing.T) {
	addr := startRedis(t)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx := context.Background()
	ps := c.PSubscribe(ctx, "socket.io#/chat#*", "socketio")
	defer ps.Close()
	for range 2 {
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	next := func() *redis.Message {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		m, err := ps.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	if err := run("", "/chat", "room1", []string{"news", `"hi"`, `{"n":1}`}); err == nil || !strings.Contains(err.Error(), "no cluster") {
		t.Errorf("without a cluster: %v", err)
	}
	*redisURL = "redis://" + addr
	defer func() { *redisURL = "" }()
	if err := run("", "/chat", "room1", []string{"news", `"hi"`, `{"n":1}`}); err != nil {
		t.Fatal(err)
	}
	m := next()
	var triple []any
	if err := msgpack.Unmarshal([]byte(m.Payload), &triple); err != nil || len(triple) != 3 || triple[0] != "emitter" {
		t.Fatalf("classic: %q on %s: %v", m.Payload, m.Channel, err)
	}
	if m.Channel != "socket.io#/chat#room1#" {
		t.Errorf("classic channel %s", m.Channel)
	}
	if b, _ := json.Marshal(triple[1]); !strings.Contains(string(b), `"data":["news","hi",{"n":1}]`) {
		t.Errorf("classic packet %s", b)
	}

	if err := run("redis://"+addr+"?format=python", "/chat", "", []string{"news", `"hi"`}); err == nil {
		t.Error("-cluster with -redis: no error")
	}
	*redisURL = ""
	if err := run("redis://"+addr+"?format=python", "/chat", "", []string{"news", `"hi"`}); err != nil {
		t.Fatal(err)
	}
	m = next()
	var py map[string]any
	if err := json.Unmarshal([]byte(m.Payload), &py); err != nil || py["method"] != "emit" || py["event"] != "news" || py["namespace"] != "/chat" {
		t.Errorf("python: %s on %s: %v", m.Payload, m.Channel, err)
	}
	if err := run("mqtt://x", "/", "", []string{"e"}); err == nil || !strings.Contains(err.Error(), "no broker") {
		t.Errorf("unknown scheme: %v", err)
	}
}
