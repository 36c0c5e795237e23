package pending

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
)

// TestAnonymousAnswers checks the servers known only by number: answers
// without a uid each settle one, answers with a uid settle one once.
func TestAnonymousAnswers(t *testing.T) {
	var tab Table
	var counts []int
	acks := 0
	r := NewBroadcast(func(n int) { counts = append(counts, n) }, func(core.Args) { acks++ })
	if n, ok := tab.Register("b", r, []string{"self"}, 3, time.Minute); !ok || n != 4 {
		t.Fatalf("Register = %d, %v", n, ok)
	}
	tab.Count("b", "self", 1)
	tab.Count("b", "", 2)   // a Node.js server: no uid
	tab.Count("b", "", 0)   // another one
	tab.Count("b", "go", 1) // a sio server
	if !slices.Equal(counts, []int{4}) {
		t.Fatalf("counts %v, want the total once every server counted", counts)
	}
	tab.Count("b", "go", -1) // its correction
	if !slices.Equal(counts, []int{4, -1}) {
		t.Fatalf("counts %v, want the correction", counts)
	}
	for range 3 {
		tab.Ack("b", "", core.Args{})
	}
	if acks != 3 || tab.Has("b") {
		t.Fatalf("acks %d, pending %v: the request completes with its last acknowledgement", acks, tab.Has("b"))
	}

	var replies []string
	s := NewServerSideEmit(func(n int) { replies = append(replies, "count") }, func(core.Args) { replies = append(replies, "reply") })
	tab.Register("s", s, nil, 2, time.Minute)
	tab.Reply("s", "go", core.Args{})
	tab.Reply("s", "go", core.Args{}) // a duplicate
	tab.Reply("s", "", core.Args{})
	if !slices.Equal(replies, []string{"count", "reply", "reply"}) || tab.Has("s") {
		t.Fatalf("replies %v, pending %v", replies, tab.Has("s"))
	}
}

// TestFetchWait checks the outcomes of Wait.
func TestFetchWait(t *testing.T) {
	var tab Table
	r := NewFetch(nil)
	tab.Register("f", r, nil, 2, 0)
	tab.Sockets("f", "", []*core.RemoteSocket{{ID: "a"}})
	tab.Sockets("f", "", []*core.RemoteSocket{{ID: "b"}})
	if got, out := tab.Wait(context.Background(), "f", r, time.Minute); out != Complete || len(got) != 2 {
		t.Fatalf("Wait = %d sockets, %v", len(got), out)
	}
	r = NewFetch(nil)
	tab.Register("g", r, []string{"x"}, 0, 0)
	if _, out := tab.Wait(context.Background(), "g", r, 10*time.Millisecond); out != TimedOut {
		t.Fatalf("Wait = %v, want TimedOut", out)
	}
	r = NewFetch(nil)
	tab.Register("h", r, []string{"x"}, 0, 0)
	tab.Close()
	if _, out := tab.Wait(context.Background(), "h", r, time.Minute); out != Cancelled {
		t.Fatalf("Wait = %v, want Cancelled", out)
	}
	if _, ok := tab.Register("i", NewFetch(nil), []string{"x"}, 0, 0); ok {
		t.Fatal("a closed table registers")
	}
}
