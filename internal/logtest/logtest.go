// Package logtest is a log/slog handler that keeps the records it handles,
// for sio's tests that assert log lines.
package logtest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Record is a log line as a Handler kept it.
type Record struct {
	// Level of the line.
	Level slog.Level
	// Message of the line.
	Message string
	// Attrs holds the line's attributes (those of Logger.With included) as
	// text, by key; a group's attributes have its name and a dot before
	// their key.
	Attrs map[string]string
}

// String formats r as a text handler would, attributes sorted by key.
func (r Record) String() string {
	keys := make([]string, 0, len(r.Attrs))
	for k := range r.Attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q", r.Level, r.Message)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, r.Attrs[k])
	}
	return b.String()
}

// Has reports whether r's attributes include each of kv, a list of key and
// value pairs.
func (r Record) Has(kv ...string) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		if v, ok := r.Attrs[kv[i]]; !ok || v != kv[i+1] {
			return false
		}
	}
	return true
}

// Handler is a slog.Handler keeping every record at or above its level.
// Its methods are safe for concurrent use.
type Handler struct {
	level slog.Leveler
	store *store
	attrs []slog.Attr // from WithAttrs, keys already prefixed
	group string      // prefix of later keys, with its dot
}

type store struct {
	mu   sync.Mutex // guards recs
	recs []Record
}

// New returns a Handler keeping the records at level or above.
func New(level slog.Leveler) *Handler { return &Handler{level: level, store: &store{}} }

// Logger returns a logger writing to h.
func (h *Handler) Logger() *slog.Logger { return slog.New(h) }

// Enabled reports whether level is at or above h's level.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

// Handle keeps r.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	rec := Record{Level: r.Level, Message: r.Message, Attrs: map[string]string{}}
	for _, a := range h.attrs {
		addAttr(rec.Attrs, "", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		addAttr(rec.Attrs, h.group, a)
		return true
	})
	h.store.mu.Lock()
	h.store.recs = append(h.store.recs, rec)
	h.store.mu.Unlock()
	return nil
}

func addAttr(m map[string]string, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			addAttr(m, prefix+a.Key+".", g)
		}
		return
	}
	m[prefix+a.Key] = v.String()
}

// WithAttrs returns a handler adding attrs to every record, into the same
// store as h.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = slices.Clone(h.attrs)
	for _, a := range attrs {
		a.Key = h.group + a.Key
		c.attrs = append(c.attrs, a)
	}
	return &c
}

// WithGroup returns a handler putting later attributes in group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group = h.group + name + "."
	return &c
}

// Records returns the records kept so far, in order.
func (h *Handler) Records() []Record {
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	return slices.Clone(h.store.recs)
}

// Find returns the first record with message msg whose attributes include
// kv (key and value pairs).
func (h *Handler) Find(msg string, kv ...string) (Record, bool) {
	for _, r := range h.Records() {
		if r.Message == msg && r.Has(kv...) {
			return r, true
		}
	}
	return Record{}, false
}

// Count returns the number of records with message msg whose attributes
// include kv.
func (h *Handler) Count(msg string, kv ...string) int {
	n := 0
	for _, r := range h.Records() {
		if r.Message == msg && r.Has(kv...) {
			n++
		}
	}
	return n
}

// Wait returns the first record with message msg whose attributes include
// kv, waiting up to 10 seconds for it (a line logged by another
// goroutine); it fails the test when none comes.
func (h *Handler) Wait(t testing.TB, msg string, kv ...string) Record {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if r, ok := h.Find(msg, kv...); ok {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line %q with %q; lines:\n%s", msg, kv, h)
		}
		time.Sleep(time.Millisecond)
	}
}

// String returns the records, one a line.
func (h *Handler) String() string {
	var b strings.Builder
	for _, r := range h.Records() {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}
