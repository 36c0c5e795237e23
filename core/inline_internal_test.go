package core

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/socketio-go/sio/core/parser"
)

// The CONNECT packet written by hand is the JSON codec's, byte for byte
// (msgpack's, encoded by its codec, writes the keys of a map in any order).
func TestConnectPacketMatchesCodec(t *testing.T) {
	for _, codec := range []parser.Codec{parser.JSON} {
		srv := NewServer(Options{Parser: codec})
		for _, nsp := range []string{"/", "/chat"} {
			for _, pid := range []string{"", "AbC-_09x", "odd\"pid"} {
				for _, id := range []string{"AbC-_09xyzAbC-_09xyz", "<odd id>"} {
					s := &Socket{id: id, nsp: srv.Of(nsp), pid: pid}
					payload := map[string]any{"sid": id}
					if pid != "" {
						payload["pid"] = pid
					}
					enc, err := codec.Encode(parser.Outgoing{Type: parser.Connect, Namespace: nsp, Args: []any{payload}})
					if err != nil {
						t.Fatal(err)
					}
					got := s.connectPacket()
					if len(got) != len(enc) {
						t.Fatalf("%d messages, want %d", len(got), len(enc))
					}
					for i, m := range got {
						if string(m.Data()) != string(enc[i].Data) || m.Binary() != enc[i].Binary {
							t.Errorf("nsp %s pid %q id %q: %q, want %q", nsp, pid, id, m.Data(), enc[i].Data)
						}
					}
				}
			}
		}
	}
}

// A socket's own room is implicit in the in-memory adapter, and behaves as
// any room: it may be left, joined again, and named by other sockets.
func TestOwnRoomImplicit(t *testing.T) {
	srv := NewServer(Options{})
	a := NewMemoryAdapter(srv.Of("/"))
	var hooks []string
	a.WatchRooms(func(room string, created, private bool) {
		hooks = append(hooks, fmt.Sprintf("%s %v %v", room, created, private))
	})
	a.AddAll("a", []string{"a"})
	a.AddAll("b", []string{"b", "x"})
	if len(a.rooms) != 1 || a.sids["a"] != nil {
		t.Errorf("rooms %v, sids %v: the own rooms are held", a.rooms, a.sids)
	}
	check := func(rooms []string, want string) {
		t.Helper()
		got := a.Sockets(rooms)
		slices.Sort(got)
		if strings.Join(got, ",") != want {
			t.Errorf("Sockets(%v) = %v, want %s", rooms, got, want)
		}
	}
	check([]string{"a"}, "a")
	check([]string{"a", "b"}, "a,b")
	check(nil, "a,b")
	a.AddAll("b", []string{"a"}) // b joins the room named after a
	check([]string{"a"}, "a,b")
	a.Del("a", "a")
	check([]string{"a"}, "b")
	if r := a.SocketRooms("a"); len(r) != 0 {
		t.Errorf("a's rooms %v", r)
	}
	a.AddAll("a", []string{"a"})
	check([]string{"a"}, "a,b")
	r := a.Rooms()
	slices.Sort(r)
	if strings.Join(r, ",") != "a,b,x" {
		t.Errorf("Rooms %v", r)
	}
	a.DelAll("b")
	a.DelAll("a")
	if len(a.rooms) != 0 || len(a.sids) != 0 || len(a.leftOwn) != 0 {
		t.Errorf("left behind: %v %v %v", a.rooms, a.sids, a.leftOwn)
	}
	// Room "a" never empties while a is out of it: b is in it.
	want := "a true true,b true true,x true false,b false true,x false false,a false true"
	if got := strings.Join(hooks, ","); got != want {
		t.Errorf("hooks %s\nwant  %s", got, want)
	}
}
