package compat

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/socketio-go/sio/internal/tooltest"
)

// The interop suite of Debian's python3-socketio client (5.7 in bookworm):
// compat/python/test_socketio.py, a unittest module, run once per transport
// (polling only, websocket only) against the fixture of
// socketio_fixture_test.go.
//
// Run it with: go test ./compat/ -run PythonClient -v
func TestPythonClient(t *testing.T) {
	python := requirePythonSocketIO(t)
	f := newSIOFixture(t, adapterHosts()[0]) // net/http
	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			env := append(f.env(), "SIO_TRANSPORT="+transport)
			runPythonTests(t, python, env, "test_socketio")
		})
	}
	f.checkAllDisconnected(sioPingInterval + sioPingTimeout + 5*time.Second)
	f.stop()
}

// pythonSuiteTimeout bounds one run of the Python suite; every wait in it
// has its own, much shorter, bound.
const pythonSuiteTimeout = 5 * time.Minute

// requirePythonSocketIO returns a Python interpreter that can import the
// Socket.IO client and its transports (Debian's python3-socketio,
// python3-websocket, python3-requests). The system interpreter is tried
// first: a python3 earlier on PATH (pyenv, a virtualenv) does not see
// Debian's packages. When none has them the test is skipped, or fails under
// CI=true.
func requirePythonSocketIO(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, name := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, path, "-c", "import socketio, engineio, websocket, requests").CombinedOutput()
		cancel()
		if err == nil {
			return path
		}
		tried = append(tried, path+": "+string(out))
	}
	msg := "no python3 with the Socket.IO client: apt-get install python3-socketio python3-websocket python3-requests (tried %q)"
	tooltest.Missing(t, msg, tried)
	return ""
}

// runPythonTests runs `python -m unittest -v module` in compat/python with
// env added, streams its output into the test log, and fails the test when
// it fails.
func runPythonTests(t *testing.T, python string, env []string, module string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pythonSuiteTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-W", "ignore::ResourceWarning", "-m", "unittest", "-v", module)
	cmd.Dir = "python"
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
	cmd.Env = append(cmd.Env, env...)
	out := tooltest.NewLineLog(t, "python: ")
	cmd.Stdout = out
	cmd.Stderr = out
	tooltest.ProcessGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	err := cmd.Run()
	out.Flush()
	if ctx.Err() != nil {
		t.Fatalf("python %s: no result after %v, killed", module, pythonSuiteTimeout)
	}
	if err != nil {
		t.Fatalf("python %s failed after %v: %v (see the python: lines above)", module, time.Since(start).Round(time.Millisecond), err)
	}
}
