package core_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/socketio-go/sio/core"
)

// staticTree writes a folder pub with its siblings, and returns the
// parent folder:
//
//	pub/index.html pub/x.txt pub/sub/y.txt     served
//	pub_private.txt pubx.txt secret.txt        siblings, never served
//	pub/in -> x.txt                            a link inside the folder
//	pub/out -> ../secret.txt, pub/up -> ..     links that leave it
//	publink -> pub                             a link to the folder
func staticTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range map[string]string{
		"pub/index.html": "index", "pub/x.txt": "x", "pub/sub/y.txt": "y",
		"pub_private.txt": "PRIVATE", "pubx.txt": "PRIVATE", "secret.txt": "SECRET",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"pub/in": "x.txt", "pub/out": "../secret.txt", "pub/up": "..", "publink": "pub"} {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(link))); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	return root
}

// open returns what sf serves for urlPath: the file's content, or the
// error's name.
func open(sf core.StaticFiles, urlPath string) string {
	f, _, err := sf.Open(urlPath)
	switch {
	case errors.Is(err, core.ErrStaticForbidden):
		return "forbidden"
	case errors.Is(err, fs.ErrNotExist):
		return "not found"
	case err != nil:
		return err.Error()
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return string(b)
}

// Every spelling of a folder rule (a trailing slash or not, on the URL
// and on the folder) serves the same files, and never a sibling of the
// folder.
func TestStaticFolderSpellings(t *testing.T) {
	root := staticTree(t)
	pub := filepath.ToSlash(filepath.Join(root, "pub"))
	for _, rule := range []struct{ url, folder string }{
		{"/s", pub}, {"/s/", pub}, {"/s", pub + "/"}, {"/s/", pub + "/"},
	} {
		sf := core.StaticFiles{rule.url: {Filename: rule.folder}}
		name := "{" + rule.url + ": " + filepath.Base(rule.folder) + map[bool]string{true: "/", false: ""}[rule.folder[len(rule.folder)-1] == '/'] + "}"
		for path, want := range map[string]string{
			"/s/x.txt":                "x",
			"/s/sub/y.txt":            "y",
			"/s/":                     "index",
			"/s/sub/":                 "not found",
			"/s/_private.txt":         "not found",
			"/s_private.txt":          "not found",
			"/sx.txt":                 "not found",
			"/s/../pub_private.txt":   "forbidden",
			"/s/sub/../../secret.txt": "forbidden",
			"/s/..\\secret.txt":       "forbidden",
			"/s/in":                   "x",
			"/s/out":                  "forbidden",
			"/s/up/secret.txt":        "forbidden",
		} {
			if got := open(sf, path); got != want {
				t.Errorf("%s: %s served %q, want %q", name, path, got, want)
			}
		}
		// The rule's own URL: a folder for the slash spellings.
		want := "not found"
		if rule.url == "/s/" || rule.folder == pub+"/" {
			want = "index"
		}
		own := rule.url
		if got := open(sf, own); got != want {
			t.Errorf("%s: %s served %q, want %q", name, own, got, want)
		}
	}
}

// A folder reached through a link is served; exact rules open the file
// named, links included.
func TestStaticLinks(t *testing.T) {
	root := staticTree(t)
	sf := core.StaticFiles{
		"/l":      {Filename: filepath.Join(root, "publink")},
		"/secret": {Filename: filepath.Join(root, "pub", "out")},
		"/":       {Filename: filepath.Join(root, "pub", "index.html")},
	}
	for path, want := range map[string]string{
		"/l/x.txt":  "x",
		"/l/out":    "forbidden",
		"/secret":   "SECRET", // named by the application
		"/":         "index",
		"/anything": "not found", // "/" is a file rule: nothing under it
	} {
		if got := open(sf, path); got != want {
			t.Errorf("%s served %q, want %q", path, got, want)
		}
	}
}
