package clientjs

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegister(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "socket.io.min.js")
	if err := os.WriteFile(script, []byte("window.io = function () {};"), 0o644); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name       string
		path       string
		url        string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{"script", script, URL, http.StatusOK, "text/javascript", "window.io"},
		{"no source map beside it", script, URL + ".map", http.StatusNotFound, "", ""},
		{"no path", "", URL, http.StatusNotFound, "text/plain", "npm ci"},
		{"unreadable path", filepath.Join(dir, "nope.js"), URL, http.StatusNotFound, "text/plain", "-client-js"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			Register(mux, tt.path, log)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.url, nil))
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tt.wantStatus, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type %q, want %q", ct, tt.wantType)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body %q does not contain %q", body, tt.wantBody)
			}
		})
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	want := filepath.Join(root, "compat", npmPath)
	if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, []byte("//"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "examples", "chat")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	// t.TempDir may sit behind a symbolic link (macOS): compare real paths.
	got, err := filepath.EvalSymlinks(Find())
	if err != nil {
		t.Fatalf("Find() from %s: %v", sub, err)
	}
	if wantReal, _ := filepath.EvalSymlinks(want); got != wantReal {
		t.Errorf("Find() = %q, want %q", got, wantReal)
	}
}
