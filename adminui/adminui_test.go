package adminui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"

	"github.com/socketio-go/sio/core"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Basic takes the three bcrypt prefixes and refuses anything else.
func TestBasicHashes(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		h := prefix + string(hash[4:])
		a, err := Basic("admin", h)
		if err != nil {
			t.Fatalf("%s: %v", prefix, err)
		}
		if !a.check(nil, map[string]any{"username": "admin", "password": "s3cret"}) {
			t.Errorf("%s: the right password is refused", prefix)
		}
		for _, bad := range []map[string]any{
			{"username": "admin", "password": "wrong"},
			{"username": "root", "password": "s3cret"},
			{"password": "s3cret"},
			nil,
		} {
			if a.check(nil, bad) {
				t.Errorf("%s: %v accepted", prefix, bad)
			}
		}
	}
	if _, err := Basic("admin", "s3cret"); !errors.Is(err, ErrBadHash) {
		t.Errorf("a plain password as hash: %v", err)
	}
}

func TestPlainAndAnyOf(t *testing.T) {
	a := AnyOf(Credentials{"ann", "1"}, Credentials{"bob", "2"})
	for auth, want := range map[[2]string]bool{{"ann", "1"}: true, {"bob", "2"}: true, {"ann", "2"}: false, {"", ""}: false} {
		if got := a.check(nil, map[string]any{"username": auth[0], "password": auth[1]}); got != want {
			t.Errorf("%v: %v", auth, got)
		}
	}
	if !Plain("u", "p").check(nil, map[string]any{"username": "u", "password": "p"}) {
		t.Error("Plain refuses its login")
	}
}

func TestConfigDefaults(t *testing.T) {
	if _, err := (Config{}).withDefaults(nil); !errors.Is(err, ErrNoAuth) {
		t.Errorf("no auth: %v", err)
	}
	if _, err := (Config{Auth: NoAuth(), Mode: "test"}).withDefaults(nil); !errors.Is(err, ErrMode) {
		t.Errorf("bad mode: %v", err)
	}
	c, err := Config{Auth: NoAuth(), Namespace: "adm"}.withDefaults(nil)
	if err != nil || c.Namespace != "/adm" || c.Mode != Development || c.StatsInterval != DefaultStatsInterval || c.ServerID == "" || c.Store == nil {
		t.Errorf("defaults %+v %v", c, err)
	}
}

// The memory store forgets expired ids and stays bounded.
func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore(time.Hour)
	_ = m.Save(ctx, "a")
	if ok, _ := m.Exists(ctx, "a"); !ok {
		t.Error("saved id unknown")
	}
	if ok, _ := m.Exists(ctx, "b"); ok {
		t.Error("unknown id known")
	}
	short := NewMemoryStore(time.Nanosecond)
	_ = short.Save(ctx, "x")
	time.Sleep(time.Millisecond) // past a 1ns expiry, not a synchronisation
	if ok, _ := short.Exists(ctx, "x"); ok {
		t.Error("expired id known")
	}
	for i := range maxMemorySessions + 10 {
		_ = m.Save(ctx, newSessionID()+string(rune('a'+i%26)))
	}
	if n := len(m.ids); n > maxMemorySessions {
		t.Errorf("%d ids kept", n)
	}
	if id := newSessionID(); len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Errorf("session id %q", id)
	}
}

func TestSerializeData(t *testing.T) {
	if d, ok := serializeData(nil).(map[string]any); !ok || len(d) != 0 {
		t.Errorf("nil data: %v", d)
	}
	in := map[string]any{"_admin": map[string]any{"clientId": "x"}, "user": "ann"}
	d := serializeData(in).(map[string]any)
	if _, ok := d["_admin"]; ok || d["user"] != "ann" || len(in) != 2 {
		t.Errorf("data %v (input %v)", d, in)
	}
	tm := time.Date(2026, 12, 1, 8, 41, 25, 0, time.UTC)
	if s := jsDateString(tm); s != "Tue Dec 01 2026 08:41:25 GMT+0000 (Coordinated Universal Time)" {
		t.Errorf("date %q", s)
	}
	hs := serializeHandshake(&core.Handshake{Headers: map[string][]string{"X-Forwarded-For": {"203.0.113.9"}, "Origin": {"http://x"}}, Time: tm})
	if hs["address"] != "203.0.113.9" || hs["xdomain"] != true || hs["issued"] != tm.UnixMilli() {
		t.Errorf("handshake %v", hs)
	}
}

// The page is rewritten for local stylesheets and prefilled settings, and
// written once.
func TestRewritePage(t *testing.T) {
	page := []byte(`<html><head><link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto:100,300,400,500,700,900"><link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@mdi/font@latest/css/materialdesignicons.min.css"></head><body><script src="js/app.js"></script></body></html>`)
	out, err := rewritePage(page, UIConfig{ServerPath: "/sio/", Namespace: "/adm"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`href="fonts/roboto/400.css"`, `href="fonts/mdi/css/materialdesignicons.min.css"`, `s.setItem("path","/sio")`, `s.setItem("namespace","/adm")`, `location.origin`} {
		if !strings.Contains(s, want) {
			t.Errorf("no %s in %s", want, s)
		}
	}
	if strings.Contains(s, "https://") {
		t.Errorf("external link left: %s", s)
	}
	if _, err := rewritePage([]byte("<html></html>"), UIConfig{}); err == nil {
		t.Error("a page without the links is accepted")
	}
	dir := t.TempDir()
	a, err := writeCached(dir, out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := writeCached(dir, out)
	if err != nil || a != b {
		t.Errorf("second write %s %v", b, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || filepath.Join(dir, entries[0].Name()) != a {
		t.Errorf("cache holds %v", entries)
	}
	if _, err := UIFiles(UIConfig{Dir: t.TempDir()}); !errors.Is(err, ErrUINotInstalled) {
		t.Errorf("empty folder: %v", err)
	}
}
