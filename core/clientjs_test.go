package core

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClientFiles(t *testing.T) {
	pkg := t.TempDir() // an npm install: package.json beside dist/
	if err := os.MkdirAll(filepath.Join(pkg, "dist"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "dist", "socket.io.min.js"), []byte("//"), 0o644); err != nil {
		t.Fatal(err)
	}
	dist := filepath.ToSlash(filepath.Join(pkg, "dist"))
	tests := []struct {
		name, dir, path string
		wantWarning     bool
	}{
		{"package folder", pkg, "", false},
		{"dist folder", filepath.Join(pkg, "dist"), "/rt", false},
		{"no bundle", t.TempDir(), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			srv := NewServer(Options{ServeClient: tt.dir, Path: tt.path, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			defer srv.Shutdown(t.Context())
			files := srv.ClientFiles()
			if len(files) != 8 {
				t.Fatalf("%d rules, want 8: %v", len(files), files)
			}
			base := srv.Engine().Path()
			f, ok, err := files.Resolve(base + "socket.io.min.js")
			if !ok || err != nil || f.ContentType != "application/javascript; charset=utf-8" || f.CacheControl != "public, max-age=0" {
				t.Errorf("socket.io.min.js: %+v %v %v", f, ok, err)
			}
			if !tt.wantWarning && f.Filename != dist+"/socket.io.min.js" {
				t.Errorf("socket.io.min.js is %s, want the one in %s", f.Filename, dist)
			}
			if f, _, _ := files.Resolve(base + "socket.io.esm.min.js.map"); f.ContentType != "application/json; charset=utf-8" {
				t.Errorf("source map: %+v", f)
			}
			if _, ok, _ := files.Resolve(base + "socket.io.slim.js"); ok {
				t.Error("a file that is no bundle has a rule")
			}
			if got := strings.Count(logs.String(), "ServeClient"); got != map[bool]int{true: 1}[tt.wantWarning] {
				t.Errorf("%d warnings, want %v: %s", got, tt.wantWarning, logs.String())
			}
		})
	}
	srv := NewServer(Options{})
	defer srv.Shutdown(t.Context())
	if files := srv.ClientFiles(); files != nil {
		t.Errorf("ServeClient off: %v", files)
	}
}

func TestStaticETag(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(name, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	etag := StaticETag(st)
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `-5"`) {
		t.Errorf("StaticETag = %s, want a quoted tag ending in the size", etag)
	}
	if err := os.WriteFile(name, []byte("hello, world"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, _ = os.Stat(name)
	if StaticETag(st) == etag {
		t.Error("the tag did not change with the file")
	}
}
