package controltest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// RequireNode returns the node binary, after checking that the npm
// dependencies of dir are installed (dir/node_modules/marker exists); it
// skips the test (fails it under CI=true) when either is missing.
func RequireNode(t *testing.T, dir, marker string) string {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed (%v); the interop tests need Node 20", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", marker)); err != nil {
		missing("%s/node_modules is missing: run `npm ci` there (%v)", dir, err)
	}
	return node
}

// RunNode runs `node --test` on file in dir with env added, streams its
// output into the test log, and fails the test when node fails.
func RunNode(t *testing.T, node, dir, file string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "--test-concurrency=1", file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	cmd.Env = append(cmd.Env, env...)
	out := &lineLog{t: t, prefix: "node: "}
	cmd.Stdout, cmd.Stderr = out, out
	killGroup(cmd) // the runner starts a process per test file
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
