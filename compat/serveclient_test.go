package compat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// clientPackage is the npm install of socket.io-client in this folder.
var clientPackage = filepath.Join("node_modules", "socket.io-client")

// TestAdapterServeClient: with core.Options.ServeClient, every adapter
// serves the browser bundles of the npm install under the server's path,
// byte for byte, with their types, an ETag that earns a 304 and Node's
// Cache-Control; the Engine.IO requests on the same path still reach the
// server; without the option the URLs are the server's.
func TestAdapterServeClient(t *testing.T) {
	requireNode(t) // compat/node_modules must be installed (fails under CI=true)
	bundles := []struct{ name, ctype string }{
		{"socket.io.js", "application/javascript; charset=utf-8"},
		{"socket.io.min.js", "application/javascript; charset=utf-8"},
		{"socket.io.esm.min.js", "application/javascript; charset=utf-8"},
		{"socket.io.msgpack.min.js", "application/javascript; charset=utf-8"},
		{"socket.io.js.map", "application/json; charset=utf-8"},
		{"socket.io.min.js.map", "application/json; charset=utf-8"},
		{"socket.io.esm.min.js.map", "application/json; charset=utf-8"},
		{"socket.io.msgpack.min.js.map", "application/json; charset=utf-8"},
	}
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "page.html"), "<p>page</p>")
	static := core.StaticFiles{"/page": {Filename: filepath.Join(root, "page.html")}}
	forEachHost(t, func(t *testing.T, h adapterHost) {
		// Shutdown waits up to the ping timeout for the handshaken
		// polling sessions below to collect their close packet.
		eng := engineio.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 300 * time.Millisecond}
		servers := []*core.Server{
			// The package folder, on the default path.
			newAdapterServer(core.Options{Engine: eng, ServeClient: clientPackage}),
			// Its dist folder, on another path.
			newAdapterServer(core.Options{Engine: eng, ServeClient: filepath.Join(clientPackage, "dist"), Path: "/rt"}),
		}
		app := startHost(t, h, servers, hostConfig{static: static})
		for _, base := range []string{"/socket.io/", "/rt/"} {
			for _, b := range bundles {
				want, err := os.ReadFile(filepath.Join(clientPackage, "dist", b.name))
				if err != nil {
					t.Fatal(err)
				}
				url := app.URL + base + b.name
				code, hdr, body := httpGet(t, url)
				if code != 200 || body != string(want) {
					t.Fatalf("GET %s: %d, %d bytes; want 200 and the %d bytes of dist/%s", url, code, len(body), len(want), b.name)
				}
				if got := hdr.Get("Content-Type"); got != b.ctype {
					t.Errorf("GET %s: Content-Type %q, want %q", url, got, b.ctype)
				}
				if got := hdr.Get("Cache-Control"); got != "public, max-age=0" {
					t.Errorf("GET %s: Cache-Control %q", url, got)
				}
				etag := hdr.Get("Etag")
				if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 3 {
					t.Fatalf("GET %s: ETag %q, want a quoted entity tag", url, etag)
				}
				for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
					if code, _, body := httpGet(t, url, "If-None-Match", inm); code != 304 || body != "" {
						t.Errorf("GET %s with If-None-Match %s: %d %q, want 304 and no body", url, inm, code, body)
					}
				}
				if code, _, _ := httpGet(t, url, "If-None-Match", `"other"`); code != 200 {
					t.Errorf("GET %s with a stale If-None-Match: %d, want 200", url, code)
				}
			}
			// The Engine.IO requests on the same path.
			if code, _, body := httpGet(t, app.URL+base+"?EIO=4&transport=polling"); code != 200 || !strings.HasPrefix(body, `0{"sid":`) {
				t.Errorf("handshake on %s: %d %q", base, code, body)
			}
			// A name that is no bundle is the server's (an Engine.IO error).
			if code, _, body := httpGet(t, app.URL+base+"socket.io.slim.js"); code != 400 || !strings.Contains(body, `"code"`) {
				t.Errorf("GET %ssocket.io.slim.js: %d %q, want the server's 400", base, code, body)
			}
		}
		// Static files have their ETag too.
		code, hdr, _ := httpGet(t, app.URL+"/page")
		if code != 200 || hdr.Get("Etag") == "" || hdr.Get("Cache-Control") != "" {
			t.Errorf("static file: %d, ETag %q, Cache-Control %q", code, hdr.Get("Etag"), hdr.Get("Cache-Control"))
		}
		if code, _, _ := httpGet(t, app.URL+"/page", "If-None-Match", hdr.Get("Etag")); code != 304 {
			t.Errorf("static file with its ETag: %d, want 304", code)
		}
		if n := app.hostHits.Load(); n != 0 {
			t.Errorf("%d sio requests reached the host router", n)
		}
	})
}

// TestAdapterServeClientOff: without the option the bundle URLs are the
// server's.
func TestAdapterServeClientOff(t *testing.T) {
	forEachHost(t, func(t *testing.T, h adapterHost) {
		app := startHost(t, h, []*core.Server{newAdapterServer(core.Options{})}, hostConfig{})
		if code, _, body := httpGet(t, app.URL+"/socket.io/socket.io.min.js"); code != 400 || !strings.Contains(body, `"code"`) {
			t.Errorf("ServeClient off: %d %q, want the server's 400", code, body)
		}
	})
}
