package redisq

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/internal/tooltest"
)

// The shared Redis every machine of the project runs; SIO_REDIS_URL
// overrides it. Tests only use keys and channels under their own
// prefix (testPrefix) and never flush it.
const defaultRedisURL = "redis://127.0.0.1:6379/0"

// redisURL returns the URL of the shared Redis.
func redisURL() string {
	if u := os.Getenv("SIO_REDIS_URL"); u != "" {
		return u
	}
	return defaultRedisURL
}

// requireRedis returns a client of the shared Redis, closed when the test
// ends; it skips the test (fails it under CI=true) when Redis does not
// answer.
func requireRedis(t testing.TB) redis.UniversalClient {
	t.Helper()
	c, err := NewClient(redisURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		tooltest.Missing(t, "no Redis at %s (%v): start redis-server or set SIO_REDIS_URL", redisURL(), err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testPrefix returns a key and channel prefix unique to this run of the
// test.
func testPrefix(t testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return "siotest-" + name + "-" + hex.EncodeToString(b[:])
}

// redisServer is a redis-server process of a test's own, on a free port,
// that the test stops and restarts (fault tests).
type redisServer struct {
	t    testing.TB
	bin  string
	port int
	dir  string

	mu  sync.Mutex // guards cmd
	cmd *exec.Cmd
}

// startRedisServer starts a redis-server of the test's own (no
// persistence), stopped when the test ends; it skips the test (fails it
// under CI=true) when the binary is missing.
func startRedisServer(t testing.TB) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tooltest.Missing(t, "redis-server is not installed (%v): apt-get install redis-server", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	s := &redisServer{t: t, bin: bin, port: port, dir: t.TempDir()}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// URL returns the server's redis:// URL.
func (s *redisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Addr returns the server's host:port.
func (s *redisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// start runs the server and waits until it accepts commands.
func (s *redisServer) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--loglevel", "warning")
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("redis-server: %v", err)
	}
	go func() { // drain its output (logged at warning level only)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
		}
	}()
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on port %d does not answer: %v", s.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server (as a crash would) and waits for it to exit.
func (s *redisServer) stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// restart kills the server and starts it again on the same port, empty.
func (s *redisServer) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}

// hookCounts counts the calls of the options' OnPublishError and
// OnReconnect hooks.
type hookCounts struct {
	publishErrors, reconnects atomic.Int64
}

func (h *hookCounts) onPublishError(error) { h.publishErrors.Add(1) }
func (h *hookCounts) onReconnect()         { h.reconnects.Add(1) }

// check fails t unless the hooks saw the outage of a restart scenario: a
// publish failed at least once, and each of buses reconnected at least
// once.
func (h *hookCounts) check(t testing.TB, buses int) {
	t.Helper()
	if n := h.publishErrors.Load(); n == 0 {
		t.Error("OnPublishError never called during the outage")
	}
	if n := h.reconnects.Load(); n < int64(buses) {
		t.Errorf("OnReconnect called %d times, want once per bus (%d) at least", n, buses)
	}
}
