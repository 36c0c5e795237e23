package kafkaq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/kafkaq"
)

func newLogBus(t *testing.T, url, sessions string) *kafkaq.LogBus {
	t.Helper()
	b, err := kafkaq.NewLogBus(url, kafkaq.Options{}, kafkaq.LogOptions{SessionTopic: sessions})
	if err != nil {
		t.Fatalf("kafkaq.NewLogBus: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// TestLog: appended messages reach the log subscriptions of every bus
// with their offsets and not the plain subscriptions; ReadLog returns the
// ones after an offset, and refuses offsets the log does not have.
func TestLog(t *testing.T) {
	_, url := newKafka(t)
	sessions := uniq("sessions")
	a, b := newLogBus(t, url, sessions), newLogBus(t, url, sessions)
	ch := uniq("sio-test") + "#/#"
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	type entry struct{ off, msg string }
	got := make(chan entry, 16)
	if _, err := b.SubscribeLog(ctx, ch, func(off string, msg []byte) { got <- entry{off, string(msg)} }); err != nil {
		t.Fatal(err)
	}
	plain := newInbox()
	subscribe(t, b, ch, plain.Add)
	var offs []string
	for _, m := range []string{"one", "two", "three"} {
		off, err := a.Append(ctx, ch, []byte(m))
		if err != nil {
			t.Fatal(err)
		}
		offs = append(offs, off)
	}
	publish(t, a, ch, []byte("plain"))
	for i, m := range []string{"one", "two", "three"} {
		if e := <-got; e.off != offs[i] || e.msg != m {
			t.Errorf("log entry %d: %v, want %s %s", i, e, offs[i], m)
		}
	}
	if m := plain.WaitN(t, "the plain message", 1); len(m) != 1 || string(m[0]) != "plain" {
		t.Errorf("the plain subscription got %q", m)
	}
	var after []string
	if err := b.ReadLog(ctx, ch, offs[0], func(off string, msg []byte) bool {
		after = append(after, off+"="+string(msg))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{offs[1] + "=two", offs[2] + "=three"}; len(after) != 2 || after[0] != want[0] || after[1] != want[1] {
		t.Errorf("ReadLog after %s: %v, want %v", offs[0], after, want)
	}
	if err := b.ReadLog(ctx, ch, offs[2], func(string, []byte) bool { t.Error("a record after the last"); return true }); err != nil {
		t.Errorf("ReadLog after the last: %v", err)
	}
	for _, bad := range []string{"", "x", "0-x", "-1-1", "0-999999", "99-0"} {
		if err := b.ReadLog(ctx, ch, bad, func(string, []byte) bool { return true }); !errors.Is(err, queue.ErrUnknownOffset) {
			t.Errorf("ReadLog(%q): %v, want ErrUnknownOffset", bad, err)
		}
	}
}

// TestSessions: a session saved through one bus is taken once through
// another, right after it was saved; an expired one is gone.
func TestSessions(t *testing.T) {
	_, url := newKafka(t)
	sessions := uniq("sessions")
	a, b := newLogBus(t, url, sessions), newLogBus(t, url, sessions)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.SaveSession(ctx, "pid1", []byte("state"), time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := b.TakeSession(ctx, "pid1")
	if err != nil || string(got) != "state" {
		t.Fatalf("TakeSession: %q %v", got, err)
	}
	if _, err := a.TakeSession(ctx, "pid1"); !errors.Is(err, queue.ErrNoSession) {
		t.Errorf("second TakeSession: %v, want ErrNoSession", err)
	}
	if err := a.SaveSession(ctx, "pid2", []byte("old"), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // the session's own lifetime, not a synchronisation
	if _, err := b.TakeSession(ctx, "pid2"); !errors.Is(err, queue.ErrNoSession) {
		t.Errorf("TakeSession of an expired session: %v, want ErrNoSession", err)
	}
	// A bus started later reads the sessions saved before it.
	if err := a.SaveSession(ctx, "pid3", []byte("kept"), time.Minute); err != nil {
		t.Fatal(err)
	}
	c := newLogBus(t, url, sessions)
	if got, err := c.TakeSession(ctx, "pid3"); err != nil || string(got) != "kept" {
		t.Errorf("TakeSession on a new bus: %q %v", got, err)
	}
}
