package compat

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/internal/tooltest"
)

// The example programs (examples/*) run as a user runs them: built with go
// build (or, in the first-command test, started with the README's go run
// line), listening on a free port, stopped with SIGINT, which they must
// answer with a graceful shutdown and exit status 0.

// exampleTimeout bounds the wait for an example to start (a go run
// compiles it first; a first run installs the browser client with npm) and
// to stop.
const exampleTimeout = 5 * time.Minute

// example is a running example program.
type example struct {
	// URL is the page's URL, from the program's "... is running" log line.
	URL string

	t    *testing.T
	cmd  *exec.Cmd
	done chan struct{} // closed when the program has exited
	err  error         // its exit status, once done is closed

	mu    sync.Mutex // guards lines
	lines []string   // its output so far
	more  chan struct{}

	// goRun is set for a program started by `go run`, which exits with
	// status 1 after an interrupt whatever the program did: the program's
	// own "stopped" line shows its clean exit instead.
	goRun bool
}

// buildExample builds examples/name and returns the program's path.
func buildExample(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	out, err := exec.Command("go", "build", "-o", bin, "../examples/"+name).CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./examples/%s: %v\n%s", name, err, out)
	}
	return bin
}

// exampleArgs are the flags of an example program started by the tests: a
// free port and the browser client of this folder's npm install (no npm
// run per test).
func exampleArgs(t *testing.T, extra ...string) []string {
	client, err := filepath.Abs(clientPackage)
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"-addr", "127.0.0.1:0", "-client", client}, extra...)
}

// startExample starts cmd, streams its output into the test log and waits
// for the URL it logs. When the test ends the program is interrupted and
// must exit with status 0 (stopExample does it earlier).
func startExample(t *testing.T, cmd *exec.Cmd) *example {
	t.Helper()
	ex := &example{t: t, cmd: cmd, done: make(chan struct{}), more: make(chan struct{}, 1)}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	tooltest.ProcessGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	var reading sync.WaitGroup
	reading.Add(1)
	go func() {
		defer reading.Done()
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			ex.mu.Lock()
			ex.lines = append(ex.lines, sc.Text())
			ex.mu.Unlock()
			select {
			case ex.more <- struct{}{}:
			default:
			}
		}
	}()
	go func() {
		ex.err = cmd.Wait()
		pw.Close()
		reading.Wait()
		close(ex.done)
	}()
	t.Cleanup(func() {
		ex.stop()
		ex.mu.Lock()
		defer ex.mu.Unlock()
		for _, l := range ex.lines {
			t.Log("example: " + l)
		}
	})
	line := ex.waitLog(`url=`)
	m := regexp.MustCompile(`url=(\S+)`).FindStringSubmatch(line)
	ex.URL = m[1]
	return ex
}

// waitLog waits for an output line containing every one of parts and
// returns it; it fails the test when the program exits or exampleTimeout
// passes first.
func (ex *example) waitLog(parts ...string) string {
	ex.t.Helper()
	deadline := time.NewTimer(exampleTimeout)
	defer deadline.Stop()
	seen := 0
	for {
		ex.mu.Lock()
		lines := ex.lines[seen:]
		seen = len(ex.lines)
		ex.mu.Unlock()
	next:
		for _, l := range lines {
			for _, p := range parts {
				if !strings.Contains(l, p) {
					continue next
				}
			}
			return l
		}
		select {
		case <-ex.more:
		case <-ex.done:
			ex.mu.Lock()
			n := len(ex.lines)
			ex.mu.Unlock()
			if n == seen {
				ex.t.Fatalf("%v exited (%v) before logging %q", ex.cmd.Args, ex.err, parts)
			}
		case <-deadline.C:
			ex.t.Fatalf("%v: no line with %q after %v", ex.cmd.Args, parts, exampleTimeout)
		}
	}
}

// stop interrupts the program (SIGINT, as Ctrl-C does) and fails the test
// unless it exits with status 0.
func (ex *example) stop() {
	select {
	case <-ex.done:
		return
	default:
	}
	if err := tooltest.InterruptGroup(ex.cmd); err != nil {
		ex.t.Errorf("interrupt %v: %v", ex.cmd.Args, err)
	}
	select {
	case <-ex.done:
		if ex.goRun {
			ex.waitLog(`msg=stopped`)
		} else if ex.err != nil {
			ex.t.Errorf("%v after SIGINT: %v, want exit status 0", ex.cmd.Args, ex.err)
		}
	case <-time.After(exampleTimeout):
		_ = ex.cmd.Cancel()
		ex.t.Errorf("%v still running %v after SIGINT; killed", ex.cmd.Args, exampleTimeout)
	}
}

// runBrowserScript runs a compat/browser script against a running example.
func runBrowserScript(t *testing.T, script string, env ...string) {
	t.Helper()
	node, chromium := requireBrowser(t)
	runNodeTests(t, node, browserEnv(t, chromium, env...), script)
}

// exampleCommand returns the command to run the example program bin with
// the test flags and extra.
func exampleCommand(t *testing.T, bin string, extra ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), 2*exampleTimeout)
	t.Cleanup(cancel)
	return exec.CommandContext(ctx, bin, exampleArgs(t, extra...)...)
}

// TestExampleHosts: the chat on each host (examples/nethttp, gin, echo,
// fiber) in two Chromium pages: the browser client from the server, a
// message each way with the sender's acknowledgement, the host's own
// route beside Socket.IO, and a graceful shutdown on SIGINT that the pages
// see as a disconnect.
func TestExampleHosts(t *testing.T) {
	requireBrowser(t)
	for _, name := range []string{"nethttp", "gin", "echo", "fiber"} {
		t.Run(name, func(t *testing.T) {
			ex := startExample(t, exampleCommand(t, buildExample(t, name)))
			runBrowserScript(t, "browser/hosts.mjs", "EXAMPLE_URL="+ex.URL, fmt.Sprintf("SERVER_PID=%d", ex.cmd.Process.Pid))
			select {
			case <-ex.done:
				if ex.err != nil {
					t.Errorf("exit after SIGINT: %v", ex.err)
				}
			case <-time.After(exampleTimeout):
				t.Errorf("still running after SIGINT")
			}
		})
	}
}

// TestExampleFilesSelfContained: every example builds on its own: no
// import of another example or of an internal package, and the browser
// client installer (client.go) and its npm files are the same in each.
func TestExampleFilesSelfContained(t *testing.T) {
	dirs, err := filepath.Glob("../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	shared := []string{"client.go", "package.json", "package-lock.json", ".npmrc"}
	want := map[string][]byte{}
	for _, f := range shared {
		if want[f], err = os.ReadFile(filepath.Join("../examples/chat", f)); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(string(want["package-lock.json"]), `"resolved"`) {
		t.Error("examples/chat/package-lock.json has download URLs")
	}
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
				t.Errorf("no README.md: %v", err)
			}
			out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, dir).Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			for _, imp := range strings.Fields(string(out)) {
				if strings.Contains(imp, "/internal") || strings.Contains(imp, "sio/examples/") {
					t.Errorf("imports %s", imp)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "client.go")); err != nil {
				return // no page, no browser client
			}
			for _, f := range shared {
				got, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil || string(got) != string(want[f]) {
					t.Errorf("%s differs from examples/chat/%s (%v): keep the copies the same", f, f, err)
				}
			}
		})
	}
}
