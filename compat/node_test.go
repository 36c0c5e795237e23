package compat

import (
	"testing"

	"github.com/socketio-go/sio/internal/tooltest"
)

// requireNode returns the path of the node binary, after checking that the
// npm dependencies of this folder are installed; when either is missing
// the test is skipped, or fails under CI=true, where the interop suites
// must run.
func requireNode(t *testing.T) string {
	t.Helper()
	return tooltest.RequireNode(t, ".", "engine.io-client/package.json")
}

// runNodeTests runs node's test runner on paths (relative to this folder)
// with env added to the environment; see tooltest.RunNode.
func runNodeTests(t *testing.T, node string, env []string, paths ...string) {
	t.Helper()
	tooltest.RunNode(t, node, tooltest.NodeRun{Files: paths, Env: env})
}
