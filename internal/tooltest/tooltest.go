// Package tooltest runs the outside tools of sio's tests (Node.js and its
// test runner, Python, browsers) and says what a missing tool means: a
// skipped test, or a failed one when CI=true, where every suite must run.
//
// Node.js suites speak one protocol with the Go side: the Go test starts
// the servers and passes what the scripts need in environment variables;
// RunNode runs node's test runner on the files with the spec reporter,
// streams its output into the test log and fails the test when node exits
// non-zero. The scripts share their helpers from compat/nodekit.
package tooltest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Missing skips t for a missing tool, or fails it when the environment
// variable CI is "true".
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// RequireNode returns the node binary, after checking that the npm
// dependencies of dir are installed (dir/node_modules/marker exists); a
// missing one is Missing.
func RequireNode(t testing.TB, dir, marker string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		Missing(t, "node is not installed (%v); the interop tests need Node 20", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", marker)); err != nil {
		Missing(t, "%s/node_modules is missing: run `npm ci` there (%v)", dir, err)
	}
	return node
}

// NodeRun describes a run of node's test runner.
type NodeRun struct {
	// Dir is the folder node runs in (its npm folder). Zero: the test's.
	Dir string
	// Files are the test files, relative to Dir.
	Files []string
	// Env is added to the environment.
	Env []string
	// Concurrency is the number of test files run at once. Zero: the
	// runner's default.
	Concurrency int
	// Timeout bounds the run; each node test has its own, much shorter,
	// timeout, so this only catches a runner that hangs. Zero: 5 minutes.
	Timeout time.Duration
}

// RunNode runs `node --test` as r says, streams its output into the test
// log line by line ("node: ..."), and fails t when node exits non-zero or
// runs out of time.
func RunNode(t testing.TB, node string, r NodeRun) {
	t.Helper()
	if r.Timeout <= 0 {
		r.Timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.Timeout)
	defer cancel()
	args := []string{"--test", "--test-reporter=spec"}
	if r.Concurrency > 0 {
		args = append(args, "--test-concurrency="+strconv.Itoa(r.Concurrency))
	}
	cmd := exec.CommandContext(ctx, node, append(args, r.Files...)...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	cmd.Env = append(cmd.Env, r.Env...)
	out := NewLineLog(t, "node: ")
	cmd.Stdout, cmd.Stderr = out, out
	// The runner starts one child process per test file: a timeout kills
	// them all.
	ProcessGroup(cmd)
	// Do not wait forever for output pipes a stray child keeps open.
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	err := cmd.Run()
	out.Flush()
	if ctx.Err() != nil {
		t.Fatalf("node --test %v: no result after %v, killed", r.Files, r.Timeout)
	}
	if err != nil {
		t.Fatalf("node --test %v failed after %v: %v (see the node: lines above)", r.Files, time.Since(start).Round(time.Millisecond), err)
	}
}

// NodeTestFiles returns the .test.mjs files of dir, or those of them that
// the environment variable only names (only=acks,rooms).
func NodeTestFiles(t testing.TB, dir, only string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in %s (%v)", dir, err)
	}
	if names := os.Getenv(only); names != "" {
		files = slices.DeleteFunc(files, func(f string) bool {
			return !slices.Contains(strings.Split(names, ","), strings.TrimSuffix(filepath.Base(f), ".test.mjs"))
		})
	}
	return files
}

// LineLog is an io.Writer that writes complete lines to a test log, each
// with a prefix. Its methods are safe for concurrent use.
type LineLog struct {
	t      testing.TB
	prefix string

	mu  sync.Mutex // guards buf
	buf []byte
}

// NewLineLog returns a LineLog writing to t's log.
func NewLineLog(t testing.TB, prefix string) *LineLog { return &LineLog{t: t, prefix: prefix} }

// Write logs the complete lines of p and keeps the rest.
func (l *LineLog) Write(p []byte) (int, error) {
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

// Flush logs what is left of an unfinished line.
func (l *LineLog) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(l.prefix + string(l.buf))
		l.buf = nil
	}
}
