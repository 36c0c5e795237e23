package stdsio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

// App is python-socketio's WSGIApp: the Socket.IO path first, then the
// static-file rules, then the secondary application, else 404. Files
// carry an ETag; a request that names it is answered 304.
func ExampleApp() {
	dir, _ := os.MkdirTemp("", "static")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>hello</h1>"), 0o644)
	_ = os.MkdirAll(filepath.Join(dir, "assets"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "assets", "app.js"), []byte("io()"), 0o644)

	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())
	static := core.StaticFiles{
		"/":       {Filename: filepath.Join(dir, "index.html")},
		"/assets": {Filename: filepath.Join(dir, "assets")},
	}
	api := http.NewServeMux()
	api.HandleFunc("GET /api/hello", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello from the API") })
	ts := httptest.NewServer(stdsio.App(srv, static, api))
	defer ts.Close()

	get := func(path, etag string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, _ := ts.Client().Do(req)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-16s %d %-24s %s", path, res.StatusCode, res.Header.Get("Content-Type"), body)))
		return res
	}
	get("/", "")
	res := get("/assets/app.js", "")
	get("/assets/app.js", res.Header.Get("Etag")) // unchanged: 304
	get("/api/hello", "")
	get("/assets/../../etc/passwd", "") // out of its folder: 403
	// Output:
	// /                200 text/html                <h1>hello</h1>
	// /assets/app.js   200 application/javascript   io()
	// /assets/app.js   304
	// /api/hello       200 text/plain; charset=utf-8 hello from the API
	// /assets/../../etc/passwd 403 text/plain; charset=utf-8 403 forbidden
}
