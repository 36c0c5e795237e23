package compat

import (
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/socketio-go/sio/internal/tooltest"
)

// The browser tests: the example programs (examples/*), built and started
// as processes, used by a real headless Chromium driven by playwright-core
// from npm (compat/browser/*.mjs). Chromium is Debian's package (apt-get
// install chromium); CHROMIUM_PATH names another executable.
//
// Run them with: go test ./compat/ -run 'Browser|Example' -v
// Keep the screenshots with: go test ./compat/ -run Browser -artifacts -outputdir DIR

// TestBrowserChat: two pages join the chat (examples/chat), see each
// other, type, exchange messages with acknowledgements and leave; the
// server then counts no user.
func TestBrowserChat(t *testing.T) {
	requireBrowser(t)
	ex := startExample(t, exampleCommand(t, buildExample(t, "chat")))
	runBrowserScript(t, "browser/chat.mjs", "CHAT_URL="+ex.URL)
	// Server-side: the browser is gone, so every user has left the chat
	// (the disconnect handler ran for each).
	ex.waitLog(`msg="user left"`, "users=0")
}

// TestBrowserLatency: the latency page (examples/latency) pings the server
// and shows the round trips.
func TestBrowserLatency(t *testing.T) {
	requireBrowser(t)
	ex := startExample(t, exampleCommand(t, buildExample(t, "latency")))
	runBrowserScript(t, "browser/latency.mjs", "LATENCY_URL="+ex.URL)
}

// TestBrowserTLS: examples/tls over HTTPS with its self-signed
// certificate; the websocket is wss and the server sees a TLS connection.
func TestBrowserTLS(t *testing.T) {
	requireBrowser(t)
	ex := startExample(t, exampleCommand(t, buildExample(t, "tls")))
	runBrowserScript(t, "browser/tls.mjs", "EXAMPLE_URL="+ex.URL)
}

// TestBrowserCORS: examples/cors, the page on one origin and Socket.IO on
// another, which allows the page's origin only: the page connects; the
// same page from an origin the server does not list is refused.
func TestBrowserCORS(t *testing.T) {
	requireBrowser(t)
	ex := startExample(t, exampleCommand(t, buildExample(t, "cors"), "-page-addr", "127.0.0.1:0"))
	runBrowserScript(t, "browser/cors.mjs", "EXAMPLE_URL="+ex.URL)
}

// TestBrowserMiddleware: examples/middleware, a namespace guarded by a
// token: the logged-in page connects and the middleware's user data
// reaches the handler; a forged token is refused with the middleware's
// message and data.
func TestBrowserMiddleware(t *testing.T) {
	requireBrowser(t)
	ex := startExample(t, exampleCommand(t, buildExample(t, "middleware")))
	runBrowserScript(t, "browser/middleware.mjs", "EXAMPLE_URL="+ex.URL)
}

// TestBrowserStatic: examples/static, the page and its files from
// static-file rules, the default file of a folder URL, the secondary
// application, and events pushed by the server.
func TestBrowserStatic(t *testing.T) {
	requireBrowser(t)
	ex := startExample(t, exampleCommand(t, buildExample(t, "static")))
	runBrowserScript(t, "browser/static.mjs", "EXAMPLE_URL="+ex.URL)
}

// requireBrowser returns the node binary and the Chromium executable, after
// checking that playwright-core and the socket.io-client browser build are
// installed. When something is missing the test is skipped, or fails under
// CI=true.
func requireBrowser(t *testing.T) (node, chromium string) {
	t.Helper()
	node = requireNode(t)
	for _, f := range []string{filepath.Join("node_modules", "playwright-core", "package.json"), filepath.Join(clientPackage, "dist", "socket.io.min.js")} {
		if _, err := os.Stat(f); err != nil {
			tooltest.Missing(t, "compat/node_modules is incomplete: run `npm ci` in compat/ (%v)", err)
		}
	}
	chromium = os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(chromium); err != nil {
		tooltest.Missing(t, "Chromium is not installed (%v): apt-get install chromium, or set CHROMIUM_PATH", err)
	}
	return node, chromium
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

// browserTestLogger returns a logger writing to the test log until the test
// ends.
func browserTestLogger(t *testing.T) *slog.Logger {
	w := &testLogWriter{t: t}
	t.Cleanup(w.stop) // registered first, so it runs after the server's shutdown
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
