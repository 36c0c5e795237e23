package compat

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/socketio-go/sio/adminui"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
	"github.com/socketio-go/sio/internal/tooltest"
	"github.com/socketio-go/sio/queue"
)

// The Admin UI tests: sio servers instrumented with package adminui, the
// official UI's files served by every adapter, a real socket.io-client
// (default and msgpack parsers) on the admin namespace
// (compat/adminui/admin.test.mjs) and the UI itself in a headless Chromium
// (compat/adminui/ui.test.mjs). The npm packages are those of
// compat/adminui (npm ci there).
//
// Run them with: go test ./compat/ -run AdminUI -v

// adminNodeModules is the npm install of the Admin UI tests.
var adminNodeModules = filepath.Join("adminui", "node_modules")

// The login of the instrumented servers that use authentication.
const (
	adminUser     = "admin"
	adminPassword = "s3cret"
)

// requireAdminUI returns the node binary once the Admin UI's npm folder is
// installed; it skips the test otherwise (fails under CI=true).
func requireAdminUI(t *testing.T) string {
	t.Helper()
	node := requireNode(t)
	if _, err := os.Stat(filepath.Join(adminNodeModules, "@socket.io", "admin-ui", "ui", "dist", "index.html")); err != nil {
		tooltest.Missing(t, "compat/adminui/node_modules is missing: run `npm ci` in compat/adminui (%v)", err)
	}
	return node
}

// adminApp adds the application events the tests drive to srv's main
// namespace.
func adminApp(srv *core.Server) {
	srv.On("set data", func(s *core.Socket, name string) string {
		s.SetData(map[string]any{"name": name})
		return "ok"
	})
	srv.On("rooms", func(s *core.Socket) []string {
		rooms := s.Rooms()
		slices.Sort(rooms)
		return rooms
	})
	srv.On("hello", func(s *core.Socket, args core.Args) string {
		_ = s.Emit("welcome", "friend")
		return "ok"
	})
	srv.On("join", func(s *core.Socket, room string) string { s.Join(room); return "ok" })
	srv.On("leave", func(s *core.Socket, room string) string { s.Leave(room); return "ok" })
}

// adminServers are the instrumented servers of the suite, all served by
// one host:
//
//	/socket.io/  basic auth (bcrypt), development    (serverId "dev")
//	/mp/         basic auth, msgpack parser            ("mp")
//	/prod/       no auth, production                   ("prod")
//	/ro/         no auth, read-only                    ("ro")
//	/ca/, /cb/   no auth, two servers of one cluster   ("node-a", "node-b")
type adminServers struct {
	servers []*core.Server
	env     []string
}

func newAdminServers(t *testing.T) *adminServers {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	basic, err := adminui.Basic(adminUser, string(hash))
	if err != nil {
		t.Fatal(err)
	}
	bus := queue.NewMemoryBus()
	t.Cleanup(func() { _ = bus.Close() })
	as := &adminServers{}
	add := func(path string, opts core.Options, cfg adminui.Config) {
		opts.Path = path
		opts.Logger = browserTestLogger(t)
		opts.Engine.PingInterval = 2 * time.Second
		srv := core.NewServer(opts)
		adminApp(srv)
		cfg.StatsInterval = 300 * time.Millisecond
		admin, err := adminui.Instrument(srv, cfg)
		if err != nil {
			t.Fatal(err)
		}
		// The suite's round trip on the admin namespace (an event without
		// a handler is not acknowledged).
		srv.Of(adminui.DefaultNamespace).On("__barrier__", func(*core.Socket) {})
		t.Cleanup(admin.Close) // after the host's cleanup, which shuts the server down
		as.servers = append(as.servers, srv)
	}
	add("/socket.io/", core.Options{}, adminui.Config{Auth: basic, ServerID: "dev"})
	add("/mp/", core.Options{Parser: parser.Msgpack}, adminui.Config{Auth: basic, ServerID: "mp"})
	add("/prod/", core.Options{}, adminui.Config{Auth: adminui.NoAuth(), Mode: adminui.Production, ServerID: "prod"})
	add("/ro/", core.Options{}, adminui.Config{Auth: adminui.NoAuth(), ReadOnly: true, ServerID: "ro"})
	for _, node := range []string{"a", "b"} {
		add("/c"+node+"/", core.Options{ClientManager: queue.NewManager(bus, queue.Options{})},
			adminui.Config{Auth: adminui.NoAuth(), ServerID: "node-" + node})
	}
	as.env = []string{"ADMIN_USER=" + adminUser, "ADMIN_PASSWORD=" + adminPassword}
	return as
}

// adminUIFiles returns the static-file rules of the UI under /admin-ui/.
func adminUIFiles(t *testing.T) core.StaticFiles {
	t.Helper()
	files, err := adminui.UIFiles(adminui.UIConfig{Dir: adminNodeModules, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// adminUIHosts are the adapters the browser suite runs on (SIO_ADAPTERS
// narrows them); the protocol suite and the UI files run on all four.
func adminUIHosts() []adapterHost {
	return slices.DeleteFunc(selectedHosts(), func(h adapterHost) bool { return h.name != "std" && h.name != "fiber" })
}

// TestAdminUIProtocol: a real socket.io-client on the admin namespaces of
// the instrumented servers: authentication, config per mode, every event's
// payload, every operation's effect, read-only, msgpack, the cluster.
func TestAdminUIProtocol(t *testing.T) {
	node := requireAdminUI(t)
	for _, h := range selectedHosts() {
		t.Run(h.name, func(t *testing.T) {
			as := newAdminServers(t)
			app := startHost(t, h, as.servers, hostConfig{})
			runNodeTests(t, node, append(as.env, "BASE_URL="+app.URL), "adminui/admin.test.mjs")
		})
	}
}

// TestAdminUIFiles: every adapter serves the UI's page (rewritten: local
// stylesheets, prefilled settings), its scripts and the local fonts and
// icons, with ETags.
func TestAdminUIFiles(t *testing.T) {
	requireAdminUI(t)
	files := adminUIFiles(t)
	for _, h := range selectedHosts() {
		t.Run(h.name, func(t *testing.T) {
			srv := core.NewServer(core.Options{Logger: browserTestLogger(t)})
			app := startHost(t, h, []*core.Server{srv}, hostConfig{static: files})
			get := func(path string) (*http.Response, string) {
				t.Helper()
				resp, err := http.Get(app.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d", path, resp.StatusCode)
				}
				return resp, string(b)
			}
			resp, page := get("/admin-ui/")
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("page type %q", ct)
			}
			if strings.Contains(page, "https://") || !strings.Contains(page, "fonts/mdi/css/materialdesignicons.min.css") || !strings.Contains(page, "location.origin") {
				t.Errorf("page not rewritten: %s", page)
			}
			if resp.Header.Get("Etag") == "" {
				t.Error("no ETag on the page")
			}
			refs := []string{"fonts/roboto/400.css", "fonts/mdi/css/materialdesignicons.min.css", "favicon.png"}
			for _, m := range []string{`src="`, `href="`} {
				for _, part := range strings.Split(page, m)[1:] {
					ref := part[:strings.IndexByte(part, '"')]
					if strings.HasPrefix(ref, "js/") || strings.HasPrefix(ref, "css/") {
						refs = append(refs, ref)
					}
				}
			}
			for _, ref := range refs {
				get("/admin-ui/" + ref)
			}
			// The fonts the stylesheets name.
			resp, _ = get("/admin-ui/fonts/mdi/fonts/materialdesignicons-webfont.woff2")
			if ct := resp.Header.Get("Content-Type"); ct != "font/woff2" {
				t.Errorf("icon font type %q", ct)
			}
			_, css := get("/admin-ui/fonts/roboto/400.css")
			i := strings.Index(css, "url(./files/")
			if i < 0 {
				t.Fatalf("no font file in %s", css[:min(len(css), 300)])
			}
			font := css[i+len("url(./") : i+strings.IndexByte(css[i:], ')')]
			if resp, _ = get("/admin-ui/fonts/roboto/" + font); resp.Header.Get("Content-Type") != "font/woff2" {
				t.Errorf("%s: type %q", font, resp.Header.Get("Content-Type"))
			}
		})
	}
}

// TestAdminUIBrowser: the UI, served by the Go server, in a headless
// Chromium with no network beyond the server: it logs in, lists the test
// clients on the Sockets page and the server on the Servers page, and a
// click on a socket's disconnect button disconnects that client.
func TestAdminUIBrowser(t *testing.T) {
	requireAdminUI(t)
	node, chromium := requireBrowser(t)
	files := adminUIFiles(t)
	for _, h := range adminUIHosts() {
		t.Run(h.name, func(t *testing.T) {
			as := newAdminServers(t)
			for _, srv := range as.servers[1:] { // only the first is served here
				t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
			}
			app := startHost(t, h, as.servers[:1], hostConfig{static: files})
			env := append(browserEnv(t, chromium, "BASE_URL="+app.URL), as.env...)
			runNodeTests(t, node, env, "adminui/ui.test.mjs")
		})
	}
}
