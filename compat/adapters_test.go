package compat

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/internal/siotest"
)

// Tests of the four adapters (stdsio, ginsio, echosio, fibersio) inside
// their host frameworks: coexistence with the host's routes, static folder
// and 404; the static-file rules; host values in the connect handler;
// connection cycles; Fiber's pooled contexts.

// newAdapterServer returns a Socket.IO server whose connect handler reports
// the host value "user" and whose "echo" event acknowledges its arguments.
func newAdapterServer(opts core.Options) *core.Server {
	if opts.Engine.PingInterval == 0 {
		opts.Engine.PingInterval = 300 * time.Millisecond
		opts.Engine.PingTimeout = 2 * time.Second
	}
	if opts.Engine.ClosePollWait == 0 {
		// The raw polling handshakes of these tests never poll again:
		// Shutdown does not wait for them.
		opts.Engine.ClosePollWait = -1
	}
	srv := core.NewServer(opts)
	srv.OnConnect(func(s *core.Socket) error {
		u, _ := s.HostValue("user")
		return s.Emit("welcome", u, s.Handshake().Query.Get("cid"), s.Handshake().Headers.Get("X-Client-Id"))
	})
	srv.On("echo", func(s *core.Socket, a core.Args) core.Args { return a })
	return srv
}

func forEachHost(t *testing.T, fn func(t *testing.T, h adapterHost)) {
	for _, h := range adapterHosts() {
		t.Run(h.name, func(t *testing.T) { fn(t, h) })
	}
}

func httpGet(t *testing.T, url string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no redirects, no transparent gzip
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestAdapterHostCoexistence(t *testing.T) {
	assets := t.TempDir()
	writeFile(t, filepath.Join(assets, "site.css"), "body{}")
	forEachHost(t, func(t *testing.T, h adapterHost) {
		srv := newAdapterServer(core.Options{})
		app := startHost(t, h, []*core.Server{srv}, hostConfig{assets: assets})

		if code, _, body := httpGet(t, app.URL+"/home"); code != 200 || body != "home" {
			t.Errorf("host route: %d %q", code, body)
		}
		if code, _, body := httpGet(t, app.URL+"/assets/site.css"); code != 200 || body != "body{}" {
			t.Errorf("host static folder: %d %q", code, body)
		}
		if code, _, _ := httpGet(t, app.URL+"/nope"); code != 404 {
			t.Errorf("host 404: got %d", code)
		}
		// The exact path without its slash, and a path that only shares
		// the prefix.
		if code, _, body := httpGet(t, app.URL+"/socket.io?EIO=4&transport=polling"); code != 200 || !strings.HasPrefix(body, `0{"sid":`) {
			t.Errorf("handshake on /socket.io: %d %q", code, body)
		}
		if code, _, _ := httpGet(t, app.URL+"/socket.iox"); code != 404 {
			t.Errorf("/socket.iox reached sio: %d", code)
		}
		// Engine.IO errors keep their status (not Gin's preset 404).
		if code, _, body := httpGet(t, app.URL+"/socket.io/?EIO=4&transport=polling&sid=nope"); code != 400 || !strings.Contains(body, `"code":1`) {
			t.Errorf("unknown sid: %d %q", code, body)
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, polling := range []bool{false, true} {
			c, err := siotest.Dial(ctx, app.URL, siotest.Options{Polling: polling,
				Header: http.Header{"X-User": {"alice"}}})
			if err != nil {
				t.Fatalf("polling=%v: %v", polling, err)
			}
			ev, err := c.ReadEvent(ctx)
			if err != nil || ev.Name != "welcome" || string(ev.Args[0]) != `"alice"` {
				t.Errorf("polling=%v: host auth value in the connect handler: %+v %v", polling, ev, err)
			}
			reply, err := c.EmitWithAck(ctx, "echo", map[string]any{"big": strings.Repeat("x", 4096)}, 2)
			if err != nil || len(reply) != 2 || string(reply[1]) != "2" {
				t.Errorf("polling=%v: echo: %s %v", polling, reply, err)
			}
			c.Disconnect()
		}
		if n := app.hostHits.Load(); n != 0 {
			t.Errorf("%d sio requests reached the host router", n)
		}
	})
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAdapterStaticFiles(t *testing.T) {
	root := t.TempDir()
	pub := filepath.Join(root, "public")
	writeFile(t, filepath.Join(root, "index.html"), "<h1>index</h1>")
	writeFile(t, filepath.Join(root, "secret.txt"), "SECRET")
	writeFile(t, filepath.Join(pub, "app.js"), "js()")
	writeFile(t, filepath.Join(pub, "style.css"), "css{}")
	writeFile(t, filepath.Join(pub, "data.json"), "{}")
	writeFile(t, filepath.Join(pub, "img.png"), "png")
	writeFile(t, filepath.Join(pub, "blob.bin"), "bin")
	writeFile(t, filepath.Join(pub, "index.html"), "<h1>public index</h1>")
	writeFile(t, filepath.Join(pub, "sub", "main.html"), "<h1>sub main</h1>")
	writeFile(t, filepath.Join(root, "docs", "main.html"), "<h1>docs main</h1>")
	writeFile(t, filepath.Join(root, "report.dat"), "report")

	static := core.StaticFiles{
		"/":             {Filename: filepath.Join(root, "index.html")},
		"/static":       {Filename: pub},
		"/typed":        {Filename: filepath.Join(root, "report.dat"), ContentType: "text/csv"},
		"/socket.io/x":  {Filename: filepath.Join(root, "secret.txt")}, // shadowed by sio
		"/home":         {Filename: filepath.Join(pub, "app.js")},      // shadows the host route
		"/missing.html": {Filename: filepath.Join(root, "nope.html")},
	}
	withDefault := core.StaticFiles{
		"/docs/": {Filename: filepath.Join(root, "docs") + "/"},
		"":       {Filename: "main.html", ContentType: "text/x-main"},
	}
	cases := []struct {
		static      core.StaticFiles
		path        string
		code        int
		body, ctype string
	}{
		{static, "/", 200, "<h1>index</h1>", "text/html"},
		{static, "/static/app.js", 200, "js()", "application/javascript"},
		{static, "/static/style.css", 200, "css{}", "text/css"},
		{static, "/static/data.json", 200, "{}", "application/json"},
		{static, "/static/img.png", 200, "png", "image/png"},
		{static, "/static/blob.bin", 200, "bin", "application/octet-stream"},
		{static, "/static/", 200, "<h1>public index</h1>", "text/html"},
		{static, "/typed", 200, "report", "text/csv"},
		{static, "/home", 200, "js()", "application/javascript"}, // static rules before the host
		{static, "/missing.html", 404, "", ""},                   // no file: the host's 404
		{withDefault, "/docs/", 200, "<h1>docs main</h1>", "text/x-main"},
	}
	traversal := []string{
		"/static/../secret.txt",
		"/static/%2e%2e/secret.txt",
		"/static/%2E%2E/%2e%2e/" + strings.TrimPrefix(filepath.Join(root, "secret.txt"), "/"),
		"/static/..%2fsecret.txt",
		"/static/..%5csecret.txt",
	}
	forEachHost(t, func(t *testing.T, h adapterHost) {
		srv := newAdapterServer(core.Options{})
		apps := map[string]*hostApp{}
		for name, st := range map[string]core.StaticFiles{"main": static, "default": withDefault} {
			apps[name] = startHost(t, h, []*core.Server{newAdapterServer(core.Options{})}, hostConfig{static: st})
		}
		_ = srv
		for _, c := range cases {
			app := apps["main"]
			if len(c.static) == len(withDefault) {
				app = apps["default"]
			}
			code, hdr, body := httpGet(t, app.URL+c.path)
			if code != c.code || (c.code == 200 && (body != c.body || !strings.HasPrefix(hdr.Get("Content-Type"), c.ctype))) {
				t.Errorf("GET %s: %d %q %q, want %d %q %q", c.path, code, hdr.Get("Content-Type"), body, c.code, c.ctype, c.body)
			}
		}
		// The sio path wins over a static rule.
		if code, _, body := httpGet(t, apps["main"].URL+"/socket.io/x?EIO=4&transport=polling"); code != 200 || strings.Contains(body, "SECRET") {
			t.Errorf("sio path shadowed by a static rule: %d %q", code, body)
		}
		// Not a traversal (the path stays inside the folder), and no such
		// file: not served, whoever answers.
		abs := "/static//" + strings.TrimPrefix(filepath.Join(root, "secret.txt"), "/")
		if code, _, body := httpGet(t, apps["main"].URL+abs); code == 200 || strings.Contains(body, "SECRET") {
			t.Errorf("%s served: %d %q", abs, code, body)
		}
		for _, p := range traversal {
			code, _, body := httpGet(t, apps["main"].URL+p)
			if strings.Contains(body, "SECRET") || code != http.StatusForbidden {
				t.Errorf("traversal %s: %d %q, want 403", p, code, body)
			}
		}
	})
}

// A folder rule whose URL ends in "/" and whose folder does not serves
// the folder's files and never its siblings; a link out of the folder is
// refused (403), on every adapter.
func TestAdapterStaticFolderRule(t *testing.T) {
	root := t.TempDir()
	pub := filepath.Join(root, "pub")
	writeFile(t, filepath.Join(pub, "x.txt"), "x")
	writeFile(t, filepath.Join(root, "pub_private.txt"), "PRIVATE")
	writeFile(t, filepath.Join(root, "secret.txt"), "SECRET")
	if err := os.Symlink("../secret.txt", filepath.Join(pub, "out.txt")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	static := core.StaticFiles{"/s2/": {Filename: pub}}
	forEachHost(t, func(t *testing.T, h adapterHost) {
		app := startHost(t, h, []*core.Server{newAdapterServer(core.Options{})}, hostConfig{static: static})
		if code, _, body := httpGet(t, app.URL+"/s2/x.txt"); code != 200 || body != "x" {
			t.Errorf("/s2/x.txt: %d %q", code, body)
		}
		if code, _, body := httpGet(t, app.URL+"/s2/_private.txt"); code != 404 || body == "PRIVATE" {
			t.Errorf("/s2/_private.txt: %d %q, want the host's 404", code, body)
		}
		if code, _, body := httpGet(t, app.URL+"/s2/out.txt"); code != http.StatusForbidden || body == "SECRET" {
			t.Errorf("/s2/out.txt (a link out of the folder): %d %q, want 403", code, body)
		}
	})
}

// TestAdapterCycles opens and closes 1,000 connections per adapter: on
// websocket and polling, closed cleanly and dropped abruptly; afterwards the
// server holds nothing (goleak checks the goroutines in TestMain).
func TestAdapterCycles(t *testing.T) {
	const cycles = 1000
	forEachHost(t, func(t *testing.T, h adapterHost) {
		srv := newAdapterServer(core.Options{Engine: engineio.Options{
			PingInterval: 200 * time.Millisecond, PingTimeout: 400 * time.Millisecond}})
		app := startHost(t, h, []*core.Server{srv}, hostConfig{})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var wg sync.WaitGroup
		errs := make(chan error, cycles)
		work := make(chan int)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					polling, abrupt := i%2 == 1, i%4 >= 2
					c, err := siotest.Dial(ctx, app.URL, siotest.Options{Polling: polling})
					if err != nil {
						errs <- fmt.Errorf("cycle %d (polling=%v): %w", i, polling, err)
						continue
					}
					if i%8 < 4 { // half the connections exchange an event first
						if _, err := c.EmitWithAck(ctx, "echo", i); err != nil {
							errs <- fmt.Errorf("cycle %d: echo: %w", i, err)
						}
					}
					if abrupt {
						c.Close()
					} else {
						c.Disconnect()
					}
				}
			}()
		}
		for i := range cycles {
			work <- i
		}
		close(work)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		waitUntil(t, 30*time.Second, "every session closed", func() bool {
			return srv.Engine().Len() == 0 && srv.Of("/").Len() == 0
		})
	})
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFiberPooledContext runs polling, upgrading and websocket-only clients
// on Fiber's default (non-Immutable) configuration while other requests
// reuse the pooled contexts: each socket must see its own handshake query
// and headers, which it would not if the adapter kept borrowed bytes.
// Under -race, a retained Ctx also shows as a data race.
func TestFiberPooledContext(t *testing.T) {
	var h adapterHost
	for _, x := range adapterHosts() {
		if x.name == "fiber" {
			h = x
		}
	}
	srv := newAdapterServer(core.Options{})
	app := startHost(t, h, []*core.Server{srv}, hostConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stop := make(chan struct{})
	// The noise has its own keep-alive connections, closed at the end:
	// Fiber's shutdown waits for open connections.
	noiseClient := &http.Client{Transport: &http.Transport{}}
	defer noiseClient.CloseIdleConnections()
	var noise sync.WaitGroup
	for n := range 4 { // churn the context pool with other requests
		noise.Add(1)
		go func() {
			defer noise.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/nope-%d-%d?cid=zzzzzzzzzz", app.URL, n, i),
					strings.NewReader(strings.Repeat("z", 512)))
				req.Header.Set("X-Client-Id", "zzzzzzzzzzzzzzzz")
				if resp, err := noiseClient.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cid := fmt.Sprintf("client-%03d", i)
			c, err := dialWithQuery(ctx, app.URL, cid, i%3)
			if err != nil {
				t.Error(cid, err)
				return
			}
			defer c.Disconnect()
			ev, err := c.ReadEvent(ctx)
			if err != nil || len(ev.Args) < 3 || string(ev.Args[1]) != `"`+cid+`"` || string(ev.Args[2]) != `"`+cid+`"` {
				t.Errorf("%s: handshake seen by the server: %+v %v", cid, ev, err)
			}
			reply, err := c.EmitWithAck(ctx, "echo", cid, strings.Repeat(cid, 50))
			if err != nil || string(reply[0]) != `"`+cid+`"` {
				t.Errorf("%s: echo %s %v", cid, reply, err)
			}
		}()
	}
	wg.Wait()
	close(stop)
	noise.Wait()
}

// dialWithQuery connects with a cid query parameter and X-Client-Id header,
// over websocket (mode 0) or polling.
func dialWithQuery(ctx context.Context, base, cid string, mode int) (*siotest.Client, error) {
	return siotest.Dial(ctx, base, siotest.Options{
		Query:   url.Values{"cid": {cid}},
		Polling: mode != 0,
		Header:  http.Header{"X-Client-Id": {cid}},
	})
}

// TestAdapterHostCompression checks that the host's compression middleware
// (Echo's Gzip, Fiber's compress) and the core's own compression of
// polling responses do not corrupt a large polling payload.
func TestAdapterHostCompression(t *testing.T) {
	forEachHost(t, func(t *testing.T, h adapterHost) {
		srv := newAdapterServer(core.Options{})
		app := startHost(t, h, []*core.Server{srv}, hostConfig{})
		code, hdr, body := httpGet(t, app.URL+"/socket.io/?EIO=4&transport=polling", "Accept-Encoding", "gzip")
		if code != 200 {
			t.Fatalf("handshake: %d", code)
		}
		if hdr.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(zr)
			body = string(b)
		}
		var open struct {
			SID string `json:"sid"`
		}
		if err := json.Unmarshal([]byte(strings.TrimPrefix(body, "0")), &open); err != nil || open.SID == "" {
			t.Fatalf("handshake body %q: %v", body, err)
		}
		big := strings.Repeat("y", 8000)
		post := func(payload string) {
			req, _ := http.NewRequest(http.MethodPost, app.URL+"/socket.io/?EIO=4&transport=polling&sid="+open.SID, strings.NewReader(payload))
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("POST: %v %v", resp, err)
			}
			resp.Body.Close()
		}
		post("40")
		post(`421["echo","` + big + `"]`)
		var got bytes.Buffer
		for i := 0; i < 5 && !strings.Contains(got.String(), big); i++ {
			_, hdr, body := httpGet(t, app.URL+"/socket.io/?EIO=4&transport=polling&sid="+open.SID, "Accept-Encoding", "gzip")
			if hdr.Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(strings.NewReader(body))
				if err != nil {
					t.Fatalf("gzip: %v", err)
				}
				b, err := io.ReadAll(zr)
				if err != nil {
					t.Fatalf("gzip body: %v", err)
				}
				body = string(b)
			}
			got.WriteString(body)
		}
		if !strings.Contains(got.String(), `431["`+big+`"]`) {
			t.Errorf("large polling payload corrupted: %.200q", got.String())
		}
		post("1")
	})
}
