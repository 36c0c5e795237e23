package compat

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// nodeSuiteTimeout bounds one run of Node's test runner. Each node test has
// its own, much shorter, timeout; this only catches a runner that hangs.
const nodeSuiteTimeout = 5 * time.Minute

// requireNode returns the path of the node binary, after checking that the
// npm dependencies of this folder are installed. When either is missing the
// test is skipped, or fails under CI=true, where the interop suite must run.
func requireNode(t *testing.T) string {
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
	if _, err := os.Stat(filepath.Join("node_modules", "engine.io-client", "package.json")); err != nil {
		missing("compat/node_modules is missing: run `npm ci` in compat/ (%v)", err)
	}
	return node
}

// runNodeTests runs `node --test` on paths (relative to this folder) with env
// added to the environment, streams its output into the test log line by line,
// and fails the test when node exits non-zero.
func runNodeTests(t *testing.T, node string, env []string, paths ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodeSuiteTimeout)
	defer cancel()

	args := append([]string{"--test", "--test-reporter=spec"}, paths...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	cmd.Env = append(cmd.Env, env...)
	out := &lineLogger{t: t, prefix: "node: "}
	cmd.Stdout = out
	cmd.Stderr = out
	// The runner starts one child process per test file: put them all in a
	// process group so a timeout kills every one of them.
	setProcessGroup(cmd)
	// Do not wait forever for output pipes a stray child keeps open.
	cmd.WaitDelay = 10 * time.Second

	start := time.Now()
	err := cmd.Run()
	out.flush()
	if ctx.Err() != nil {
		t.Fatalf("node --test %v: no result after %v, killed", paths, nodeSuiteTimeout)
	}
	if err != nil {
		t.Fatalf("node --test %v failed after %v: %v (see the node: lines above)", paths, time.Since(start).Round(time.Millisecond), err)
	}
}

// lineLogger is an io.Writer that writes complete lines to the test log.
type lineLogger struct {
	t      *testing.T
	prefix string

	mu  sync.Mutex // guards buf
	buf []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.t.Log(l.prefix + string(bytes.TrimRight(l.buf[:i], "\r")))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(l.prefix + string(l.buf))
		l.buf = nil
	}
}

// nodeTestFiles returns the .test.mjs files of dir, or those of them that
// the environment variable only names (only=acks,rooms).
func nodeTestFiles(t *testing.T, dir, only string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in compat/%s (%v)", dir, err)
	}
	if names := os.Getenv(only); names != "" {
		files = slices.DeleteFunc(files, func(f string) bool {
			return !slices.Contains(strings.Split(names, ","), strings.TrimSuffix(filepath.Base(f), ".test.mjs"))
		})
	}
	return files
}
