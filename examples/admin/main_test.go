package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"
)

// Without ADMIN_PASSWORD the program refuses to start, unless -no-auth.
func TestRefusesWithoutPassword(t *testing.T) {
	t.Setenv("ADMIN_PASSWORD", "")
	err := run("127.0.0.1:0", false, false, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "ADMIN_PASSWORD") {
		t.Fatalf("run: %v", err)
	}
}
