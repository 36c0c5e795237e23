package compat

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socketio-go/sio/internal/tooltest"
)

// TestFirstCommand checks the README's promise on a fresh machine: in a
// fresh clone of this repository's HEAD (no node_modules anywhere, an
// empty cache folder), the README's first command, exactly as written,
// starts the chat with its browser client installed on the way, and two
// Chromium pages chat on it (compat/browser/chat.mjs).
func TestFirstCommand(t *testing.T) {
	requireBrowser(t)
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		tooltest.Missing(t, "not in a git checkout (%v): the test clones the repository", err)
	}
	repo := strings.TrimSpace(string(top))
	head, err := exec.Command("git", "-C", repo, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	if out, _ := exec.Command("git", "-C", repo, "status", "--porcelain").Output(); len(out) > 0 {
		t.Logf("the clone has HEAD (%s) only: uncommitted changes are not tested here", bytes.TrimSpace(head))
	}
	clone := filepath.Join(t.TempDir(), "sio")
	for _, args := range [][]string{
		{"clone", "--quiet", "--no-checkout", repo, clone},
		{"-C", clone, "checkout", "--quiet", "--detach", strings.TrimSpace(string(head))},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}

	readme, err := os.ReadFile(filepath.Join(clone, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := readmeCommands(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 2 || cmds[1] != "bash .ci/run" {
		t.Fatalf("the README's set-up block has %q; want two commands, the example and `bash .ci/run`", cmds)
	}
	t.Logf("the README's first command: %s", cmds[0])

	ctx, cancel := context.WithTimeout(context.Background(), 2*exampleTimeout)
	t.Cleanup(cancel) // after the example's own cleanup, which stops it
	cmd := exec.CommandContext(ctx, "bash", "-c", cmds[0])
	cmd.Dir = clone
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOCACHE: %v", err)
	}
	cmd.Env = append(os.Environ(),
		"ADDR=127.0.0.1:0",            // a free port instead of 8080
		"XDG_CACHE_HOME="+t.TempDir(), // no browser client installed yet
		// Go's own build cache would move with XDG_CACHE_HOME: keep it, so
		// only the browser client starts from nothing.
		"GOCACHE="+strings.TrimSpace(string(gocache)),
	)
	ex := startExample(t, cmd)
	ex.goRun = true
	ex.waitLog("installing the browser client") // made on the way, by the command itself
	runBrowserScript(t, "browser/chat.mjs", "CHAT_URL="+ex.URL)
}

// readmeCommands returns the commands of the README's first ```sh block,
// without their comments.
func readmeCommands(readme string) ([]string, error) {
	_, block, ok := strings.Cut(readme, "```sh\n")
	if !ok {
		return nil, errors.New("README.md has no ```sh block")
	}
	block, _, ok = strings.Cut(block, "```")
	if !ok {
		return nil, errors.New("README.md: the ```sh block does not end")
	}
	var cmds []string
	for _, line := range strings.Split(block, "\n") {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			cmds = append(cmds, line)
		}
	}
	return cmds, nil
}
