package compat

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/socketio-go/sio/examples/chat/chat"
	"github.com/socketio-go/sio/examples/latency/latency"
)

// The browser tests: the examples (examples/chat, examples/latency) served
// in-process and used by a real headless Chromium, driven by playwright-core
// from npm (compat/browser/*.mjs). Chromium is Debian's package (apt-get
// install chromium); CHROMIUM_PATH names another executable.
//
// Run them with: go test ./compat/ -run Browser -v
// Keep the screenshots with: go test ./compat/ -run Browser -artifacts -outputdir DIR

// TestBrowserChat: two pages join the chat, see each other, type, exchange
// messages with acknowledgements and leave.
func TestBrowserChat(t *testing.T) {
	node, chromium := requireBrowser(t)
	app := chat.New(chat.Options{ClientJS: browserClientJS, Logger: browserTestLogger(t)})
	url := serveExample(t, app, app.Shutdown)

	runNodeTests(t, node, browserEnv(t, chromium, "CHAT_URL="+url), "browser/chat.mjs")

	// Server-side: the browser is gone, so every user has left the chat
	// (the disconnect handler ran for each).
	deadline := time.Now().Add(15 * time.Second)
	for app.Users() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d users still in the chat after the browser closed", app.Users())
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, not a timed assertion
	}
}

// TestBrowserLatency: the latency page pings the server and shows the round
// trips.
func TestBrowserLatency(t *testing.T) {
	node, chromium := requireBrowser(t)
	app := latency.New(latency.Options{ClientJS: browserClientJS, Logger: browserTestLogger(t)})
	url := serveExample(t, app, app.Shutdown)

	runNodeTests(t, node, browserEnv(t, chromium, "LATENCY_URL="+url), "browser/latency.mjs")
}

// browserClientJS is the browser build of socket.io-client in the npm install.
var browserClientJS = filepath.Join("node_modules", "socket.io-client", "dist", "socket.io.min.js")

// requireBrowser returns the node binary and the Chromium executable, after
// checking that playwright-core and the socket.io-client browser build are
// installed. When something is missing the test is skipped, or fails under
// CI=true.
func requireBrowser(t *testing.T) (node, chromium string) {
	t.Helper()
	node = requireNode(t)
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	for _, f := range []string{filepath.Join("node_modules", "playwright-core", "package.json"), browserClientJS} {
		if _, err := os.Stat(f); err != nil {
			missing("compat/node_modules is incomplete: run `npm ci` in compat/ (%v)", err)
		}
	}
	chromium = os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(chromium); err != nil {
		missing("Chromium is not installed (%v): apt-get install chromium, or set CHROMIUM_PATH", err)
	}
	return node, chromium
}

// browserTestLogger returns a logger writing to the test log until the test
// ends.
func browserTestLogger(t *testing.T) *slog.Logger {
	w := &testLogWriter{t: t}
	t.Cleanup(w.stop) // registered first, so it runs after the server's shutdown
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// serveExample serves h on a test server until the test ends, then shuts
// the example down (its Socket.IO server, then the HTTP server). It returns
// the URL of the page.
func serveExample(t *testing.T, h http.Handler, shutdown func(context.Context) error) string {
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := shutdown(ctx); err != nil {
			t.Errorf("example server shutdown: %v", err)
		}
		ts.Close()
	})
	return ts.URL + "/"
}

// browserEnv is the environment of the browser scripts: Chromium, a fresh
// profile directory and the screenshot directory (kept with -artifacts).
func browserEnv(t *testing.T, chromium string, extra ...string) []string {
	return append([]string{
		"CHROMIUM=" + chromium,
		"BROWSER_PROFILE=" + t.TempDir(),
		"SCREENSHOT_DIR=" + t.ArtifactDir(),
	}, extra...)
}
