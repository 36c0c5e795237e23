package redisq

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// nodeDir is the npm folder of the Node.js peers.
const nodeDir = "../../compat/redis"

// TestNodeClassicInterop runs compat/redis/classic.test.mjs: a mixed
// cluster of two sio servers (here) and one Node.js server on
// @socket.io/redis-adapter (started by the script), every operation from
// each server checked on the clients of all three, then
// @socket.io/redis-emitter and sio's Emitter.
func TestNodeClassicInterop(t *testing.T) {
	node := requireNode(t)
	client := requireRedis(t)
	key := testPrefix(t)
	var urls []string
	for _, name := range []string{"go1", "go2"} {
		var em *Emitter
		if name == "go1" {
			em = NewEmitter(client, EmitterOptions{Key: key})
		}
		cs := startControlServer(t, name, NewManager(client, Options{Key: key}), em)
		urls = append(urls, cs.HTTP.URL)
	}
	runNodeTest(t, node, []string{"SIO_REDIS_URL=" + redisURL(), "SIO_KEY=" + key, "SIO_GO_URLS=" + strings.Join(urls, ",")},
		"classic.test.mjs")
}

// requireNode returns the node binary, after checking that the npm
// dependencies of compat/redis are installed; it skips the test (fails
// it under CI=true) when either is missing.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not installed (%v); the interop tests need Node 20", err)
	}
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "@socket.io", "redis-adapter", "package.json")); err != nil {
		missing(t, "compat/redis/node_modules is missing: run `npm ci` in compat/redis (%v)", err)
	}
	return node
}

// runNodeTest runs `node --test` on a file of compat/redis with env
// added, streams its output into the test log, and fails the test when
// node fails.
func runNodeTest(t *testing.T, node string, env []string, file string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "--test-concurrency=1", file)
	cmd.Dir = nodeDir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	cmd.Env = append(cmd.Env, env...)
	out := &lineLog{t: t, prefix: "node: "}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	out.flush()
	if ctx.Err() != nil {
		t.Fatalf("node --test %s: no result in time, killed", file)
	}
	if err != nil {
		t.Fatalf("node --test %s: %v (see the node: lines above)", file, err)
	}
}

// lineLog writes complete lines to the test log.
type lineLog struct {
	t      *testing.T
	prefix string

	mu  sync.Mutex
	buf []byte
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.t.Log(l.prefix + string(bytes.TrimRight(l.buf[:i], "\r")))
		l.buf = l.buf[i+1:]
	}
}

func (l *lineLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(l.prefix + string(l.buf))
		l.buf = nil
	}
}
