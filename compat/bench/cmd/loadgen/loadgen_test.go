package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/socketio-go/sio/compat/bench/internal/floor"
)

// newFloor serves the floor in-process with a fast heartbeat, so that a
// client that does not answer pings is dropped within the test.
func newFloor(t *testing.T) string {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", floor.New(100*time.Millisecond, 150*time.Millisecond))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func newRun(addr string, clients int) *run {
	return &run{start: time.Now(), cfg: config{
		addrs: []string{addr}, path: "/socket.io/", pids: []int{os.Getpid()}, clients: clients,
		inflight: 8, window: 4, payload: 8,
		hold: 600 * time.Millisecond, warmup: 300 * time.Millisecond, duration: 600 * time.Millisecond,
		timeout: 20 * time.Second, stall: 2 * time.Second, hsTimeout: 5 * time.Second,
	}}
}

func check(t *testing.T, r *run, ok bool, ops int64) {
	t.Helper()
	if !ok || ops <= 0 || r.errs.Load() != 0 {
		t.Fatalf("ok=%v ops=%d errors=%d notes=%v", ok, ops, r.errs.Load(), r.notes)
	}
}

func TestConnectHoldsThroughPings(t *testing.T) {
	r := newRun(newFloor(t), 20)
	res := r.connect(context.Background())
	check(t, r, res.OK, res.Ops)
	if res.Connected != 20 || res.P50 <= 0 || res.RSSAfterKiB <= 0 {
		t.Fatalf("%+v", res)
	}
}

func TestEcho(t *testing.T) {
	r := newRun(newFloor(t), 5)
	res := r.echo(context.Background())
	check(t, r, res.OK, res.Ops)
	if res.P99 <= 0 || res.Rate <= 0 {
		t.Fatalf("%+v", res)
	}
}

func TestBroadcast(t *testing.T) {
	r := newRun(newFloor(t), 10)
	res := r.broadcast(context.Background())
	check(t, r, res.OK, res.Ops)
	if res.LostBroadcasts != 0 || res.Broadcasts == 0 || res.P99 <= 0 {
		t.Fatalf("%+v", res)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:1": true, "localhost:1": true, "[::1]:1": true, "10.0.0.1:1": false, "example.test:1": false} {
		if got := checkLoopback(addr) == nil; got != want {
			t.Errorf("%s: allowed=%v", addr, got)
		}
	}
}

func TestParseAck(t *testing.T) {
	id, args, ok := parseAck([]byte(`312["x",1]`))
	if !ok || id != 12 || string(args) != `["x",1]` {
		t.Fatal(id, string(args), ok)
	}
	for _, bad := range []string{`3`, `3["x"]`, `2["x"]`, `312`} {
		if _, _, ok := parseAck([]byte(bad)); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
