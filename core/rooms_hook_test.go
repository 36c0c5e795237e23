package core_test

import (
	"slices"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
)

// hookManager makes MemoryAdapters that report their room changes.
type hookManager struct {
	events   chan string
	adapters chan *core.MemoryAdapter
}

func (m hookManager) NewAdapter(nsp *core.Namespace) core.Adapter {
	a := core.NewMemoryAdapter(nsp)
	a.WatchRooms(func(room string, created, private bool) {
		ev := "deleted"
		if created {
			ev = "created"
		}
		if private {
			ev += " private"
		}
		m.events <- ev + " " + room
	})
	m.adapters <- a
	return a
}

// TestWatchRooms checks the room hook: a socket's own room is private, a
// named room is public, and each is reported when it gets its first member
// and loses its last, not in between.
func TestWatchRooms(t *testing.T) {
	m := hookManager{events: make(chan string, 100), adapters: make(chan *core.MemoryAdapter, 10)}
	ts := newServer(t, core.Options{ClientManager: m})
	ts.Of("/").On("join", func(s *core.Socket, room string) { s.Join(room) })
	ts.Of("/").On("leave", func(s *core.Socket, room string) { s.Leave(room) })
	c1, c2 := ts.dial(t), ts.dial(t)
	id1 := c1.Join(t, "/", nil)
	id2 := c2.Join(t, "/", nil)
	c1.Call(t, "/", "join", "r")
	c2.Call(t, "/", "join", "r")
	c1.Call(t, "/", "leave", "r")
	c2.Call(t, "/", "leave", "r")
	c1.Call(t, "/", "join", "again")
	c1.Close()
	want := []string{"created private " + id1, "created private " + id2, "created r", "deleted r",
		"created again"}
	var got []string
	for range len(want) + 2 {
		got = append(got, recv(t, m.events))
	}
	// The last two are c1's rooms, deleted in any order when it leaves.
	if !slices.Equal(got[:len(want)], want) {
		t.Fatalf("events %q, want %q first", got, want)
	}
	tail := got[len(want):]
	slices.Sort(tail)
	if !slices.Equal(tail, []string{"deleted again", "deleted private " + id1}) {
		t.Fatalf("events when the socket left: %q", tail)
	}
}

// TestBroadcastAt checks that BroadcastAt appends the caller's offset to
// plain events when recovery is on, and nothing when it is empty.
func TestBroadcastAt(t *testing.T) {
	m := hookManager{events: make(chan string, 100), adapters: make(chan *core.MemoryAdapter, 10)}
	ts := newServer(t, core.Options{ClientManager: m, Recovery: &core.RecoveryOptions{}})
	c := ts.dial(t)
	c.Join(t, "/", nil)
	a := recv(t, m.adapters)
	ev := func(name string) *core.Packet {
		return core.NewPacket(parser.Outgoing{Type: parser.Event, Namespace: "/", Event: name, Args: []any{1}})
	}
	a.BroadcastAt(ev("logged"), core.BroadcastOptions{}, "17-0")
	a.BroadcastAt(ev("none"), core.BroadcastOptions{}, "")
	for _, w := range []struct{ event, args string }{
		{"logged", `[1,"17-0"]`}, {"none", `[1]`},
	} {
		if p := c.ExpectEvent(t, "/", w.event); p.ArgsText() != w.args {
			t.Errorf("%s: args %s, want %s", w.event, p.ArgsText(), w.args)
		}
	}
}
