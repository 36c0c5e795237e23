package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCleanName(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"alice", "alice", false},
		{"  bob \t", "bob", false},
		{"a\x00l\u0007i\nce", "alice", false},
		{"Zoë 👋", "Zoë 👋", false},
		{"", "", true},
		{" \x01 ", "", true},
		{strings.Repeat("é", MaxNameLength), strings.Repeat("é", MaxNameLength), false},
		{strings.Repeat("é", MaxNameLength+1), "", true},
	}
	for _, tt := range tests {
		got, err := cleanName(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("cleanName(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestPage checks what the handler serves besides Socket.IO (which the
// browser test in compat/ exercises).
func TestPage(t *testing.T) {
	app := newApp("", slog.New(slog.DiscardHandler))
	tests := []struct {
		url        string
		wantStatus int
		wantBody   string
	}{
		{"/", http.StatusOK, `<script src="/socket.io/socket.io.min.js">`},
		{"/chat.js", http.StatusOK, `io()`},
		{"/chat.css", http.StatusOK, `.messages`},
		{"/nope", http.StatusNotFound, ""},
		// The Socket.IO path goes to the server (an unsupported protocol
		// version, so that no session is left open).
		{"/socket.io/?EIO=3&transport=polling", http.StatusBadRequest, `"code"`},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.url, nil))
		body, _ := io.ReadAll(rec.Result().Body)
		if rec.Code != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
			t.Errorf("GET %s: %d %q; want %d containing %q", tt.url, rec.Code, body, tt.wantStatus, tt.wantBody)
		}
	}
	if err := app.Shutdown(t.Context()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}
