package core_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// chatNamespace is a class-based namespace.
type chatNamespace struct {
	*core.Namespace
	events chan string
}

func (n *chatNamespace) OnConnect(s *core.Socket, auth struct{ Room string }) error {
	if auth.Room == "" {
		return core.RefuseConnection("no room")
	}
	s.Join(auth.Room)
	n.events <- "connect " + auth.Room
	return nil
}

func (n *chatNamespace) OnDisconnect(s *core.Socket, reason core.DisconnectReason) {
	n.events <- "disconnect " + string(reason)
}

func (n *chatNamespace) OnChatMessage(s *core.Socket, text string) string {
	// The embedded *Namespace is set: its helpers are bound to /chat.
	n.Except(s.ID()).Emit("chat", text)
	return "sent: " + text
}

func (n *chatNamespace) OnPing(*core.Socket) string       { return "pong" }
func (n *chatNamespace) OnOverridden(*core.Socket) string { return "method" }
func (n *chatNamespace) OnGetID(*core.Socket) string      { return "id" }
func (n *chatNamespace) OnHTTPRequest(*core.Socket) string {
	return "http"
}

// Not handlers: no "On" prefix, or unexported.
func (n *chatNamespace) Helper(*core.Socket) string   { return "helper" }
func (n *chatNamespace) onSecret(*core.Socket) string { return "secret" }

var _ = (*chatNamespace).onSecret

// TestRegisterNamespace checks class-based namespaces: method names map to
// events, the connect and disconnect methods run, the embedded *Namespace
// is set, and a function handler wins over a method.
func TestRegisterNamespace(t *testing.T) {
	ts := newServer(t, core.Options{})
	cls := &chatNamespace{events: make(chan string, 10)}
	ts.Of("/chat").On("overridden", func(*core.Socket) string { return "function" })
	nsp := ts.RegisterNamespace("/chat", cls)
	if cls.Namespace != nsp || nsp != ts.Of("/chat") {
		t.Fatal("the embedded *Namespace is not the registered namespace")
	}

	c := ts.dial(t)
	if p := c.Connect(t, "/chat", nil); p.Type != '4' || !strings.Contains(p.Data, "no room") {
		t.Errorf("OnConnect did not refuse: %v", p)
	}
	c.Join(t, "/chat", map[string]string{"Room": "r1"})
	if got := recv(t, cls.events); got != "connect r1" {
		t.Errorf("event %q", got)
	}
	other := ts.dial(t)
	other.Join(t, "/chat", map[string]string{"Room": "r2"})
	recv(t, cls.events)

	for _, tt := range []struct{ event, want string }{
		{"chatMessage", `["sent: hi"]`},
		{"chat_message", `["sent: hi"]`},
		{"ping", `["pong"]`},
		{"overridden", `["function"]`},
		{"httpRequest", `["http"]`},
		{"hTTPRequest", ""},
		{"http_request", `["http"]`},
		{"getID", `["id"]`},
		{"get_id", `["id"]`},
		{"helper", ""},
		{"onSecret", ""},
		{"secret", ""},
		{"ChatMessage", ""},
	} {
		if tt.want == "" { // no handler: no acknowledgement
			callNoAck(t, c, "/chat", tt.event, "hi")
			continue
		}
		if got := c.Call(t, "/chat", tt.event, "hi").ArgsText(); got != tt.want {
			t.Errorf("%s: ack %s, want %s", tt.event, got, tt.want)
		}
	}
	for range 2 {
		if p := other.ExpectEvent(t, "/chat", "chat"); p.ArgsText() != `["hi"]` {
			t.Errorf("broadcast %v", p)
		}
	}
	for _, p := range c.Rest(t, "/chat") {
		t.Errorf("the sender received %v", p)
	}
	c.Send(siotest.EncodePacket('1', "/chat", -1, nil))
	if got := recv(t, cls.events); got != "disconnect client namespace disconnect" {
		t.Errorf("event %q", got)
	}

	t.Run("bad", func(t *testing.T) {
		for _, v := range []any{chatNamespace{}, new(int), nil, &badDisconnect{}} {
			func() {
				defer func() {
					if err, _ := recover().(error); !errors.Is(err, core.ErrBadHandler) {
						t.Errorf("RegisterNamespace(%T): panic %v, want ErrBadHandler", v, err)
					}
				}()
				ts.RegisterNamespace("/bad", v)
			}()
		}
	})
	t.Run("connect function wins", func(t *testing.T) {
		ts := newServer(t, core.Options{})
		ts.Of("/x").OnConnect(func(*core.Socket) error { return nil })
		ts.RegisterNamespace("/x", &chatNamespace{events: make(chan string, 10)})
		c := ts.dial(t)
		c.Join(t, "/x", nil) // the method would refuse: no room
	})
}

type badDisconnect struct{}

func (badDisconnect) OnDisconnect(*core.Socket) {}

// TestRooms checks room membership on the server and the socket, the sid
// room, rooms per namespace, and broadcasts to rooms with Except.
func TestRooms(t *testing.T) {
	ts := newServer(t, core.Options{})
	sockets := make(chan *core.Socket, 10)
	ts.OnConnect(func(s *core.Socket) { sockets <- s })
	ts.Of("/other").OnConnect(func(s *core.Socket) { sockets <- s })

	const n = 4
	var cs []*siotest.Client
	var sids []string
	var ss []*core.Socket
	for range n {
		c := ts.dial(t)
		sids = append(sids, c.Join(t, "/", nil))
		ss = append(ss, recv(t, sockets))
		cs = append(cs, c)
	}
	// Client 0 is also in /other, in a room of the same name.
	otherSid := cs[0].Join(t, "/other", nil)
	other := recv(t, sockets)
	other.Join("red")

	sorted := func(v []string) []string { v = slices.Clone(v); slices.Sort(v); return v }
	for i, s := range ss {
		if got := ts.Rooms(sids[i]); !slices.Equal(got, []string{sids[i]}) {
			t.Errorf("rooms of socket %d: %v, want its own id", i, got)
		}
		if got := s.Rooms(); !slices.Equal(got, []string{sids[i]}) {
			t.Errorf("Socket.Rooms %d: %v", i, got)
		}
	}
	ss[0].Join("red", "blue")
	ss[1].Join("red")
	if err := errors.Join(ts.EnterRoom(sids[2], "blue"), ts.EnterRoom(sids[3], "green")); err != nil {
		t.Fatal(err)
	}
	if got, want := sorted(ts.Rooms(sids[0])), sorted([]string{sids[0], "red", "blue"}); !slices.Equal(got, want) {
		t.Errorf("rooms %v, want %v", got, want)
	}
	if got, want := sorted(ts.Of("/other").Rooms(otherSid)), sorted([]string{otherSid, "red"}); !slices.Equal(got, want) {
		t.Errorf("rooms in /other %v, want %v", got, want)
	}

	// check emits event with a fresh argument through send and verifies
	// that exactly the clients in want receive it.
	seq := 0
	check := func(name string, send func(event string, arg int), want ...int) {
		t.Helper()
		seq++
		send("b", seq)
		for i, c := range cs {
			got := c.Rest(t, "/")
			if slices.Contains(want, i) {
				if len(got) != 1 || got[0].EventName() != "b" || got[0].ArgsText() != fmt.Sprintf("[%d]", seq) {
					t.Errorf("%s: client %d received %v, want one b %d", name, i, got, seq)
				}
			} else if len(got) != 0 {
				t.Errorf("%s: client %d received %v, want nothing", name, i, got)
			}
		}
		for _, p := range cs[0].Rest(t, "/other") {
			t.Errorf("%s: /other received %v", name, p)
		}
	}
	emit := func(op core.BroadcastOperator) func(string, int) {
		return func(e string, a int) {
			if err := op.Emit(e, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	check("all", func(e string, a int) { ts.Emit(e, a) }, 0, 1, 2, 3)
	check("red", emit(ts.To("red")), 0, 1)
	check("In", emit(ts.Of("/").In("red")), 0, 1)
	check("red or blue, once each", emit(ts.To("red", "blue")), 0, 1, 2)
	check("chained To", emit(ts.To("red").To("green")), 0, 1, 3)
	check("sid room", emit(ts.To(sids[2])), 2)
	check("except one", emit(ts.Except(sids[1])), 0, 2, 3)
	check("except many", emit(ts.Except(sids[1], "green")), 0, 2)
	check("chained Except", emit(ts.Except(sids[1]).Except(sids[2])), 0, 3)
	check("red except blue", emit(ts.To("red").Except("blue")), 1)
	check("socket broadcast", emit(ss[0].Broadcast()), 1, 2, 3)
	check("socket to", emit(ss[0].To("red", "blue")), 1, 2)
	check("socket except", emit(ss[0].Except("green")), 1, 2)
	check("socket emit", func(e string, a int) { ss[3].Emit(e, a) }, 3)
	check("nobody", emit(ts.To("nowhere")), []int{}...)
	check("local", emit(ts.To("blue").Local()), 0, 2)
	check("volatile", emit(ts.To(sids[1]).Volatile()), 1)

	// A kept operator is reusable and not changed by derivations.
	base := ts.To("red")
	_ = base.To("green").Except(sids[0])
	check("kept operator", emit(base), 0, 1)

	ss[0].Leave("red")
	if err := ts.LeaveRoom(sids[2], "blue"); err != nil {
		t.Fatal(err)
	}
	check("after leaving", emit(ts.To("red", "blue")), 0, 1)
	ts.CloseRoom("red")
	check("closed room", emit(ts.To("red")), []int{}...)
	if got := ts.Rooms(sids[1]); !slices.Equal(got, []string{sids[1]}) {
		t.Errorf("rooms after CloseRoom: %v", got)
	}
	if got, want := sorted(ts.Of("/other").Rooms(otherSid)), sorted([]string{otherSid, "red"}); !slices.Equal(got, want) {
		t.Errorf("CloseRoom in / changed /other: %v", got)
	}

	// A socket that leaves leaves its rooms.
	cs[3].Send("1")
	waitFor(t, "socket 3 to leave", func() bool { return ts.Of("/").Len() == n-1 })
	if got := ts.Rooms(sids[3]); len(got) != 0 {
		t.Errorf("rooms of a socket that left: %v", got)
	}
	if got := ts.Of("/").Adapter().Sockets([]string{"green"}); len(got) != 0 {
		t.Errorf("green still holds %v", got)
	}
}

// TestRoomsOfUnknownSid checks that EnterRoom and LeaveRoom fail with
// ErrNoSocket for a sid that is not connected (never was, or left) and
// leave nothing behind, also for a socket that joins after it left.
func TestRoomsOfUnknownSid(t *testing.T) {
	ts := newServer(t, core.Options{})
	kept := make(chan *core.Socket, 1)
	ts.OnConnect(func(s *core.Socket) { kept <- s })
	c := ts.dial(t)
	sid := c.Join(t, "/", nil)
	s := recv(t, kept)
	if err := ts.EnterRoom(sid, "joined"); err != nil {
		t.Fatalf("EnterRoom of a connected sid: %v", err)
	}
	c.Send("1")
	waitFor(t, "the socket to leave", func() bool { return ts.Of("/").Len() == 0 })

	for _, id := range []string{"unknown", sid} {
		if err := ts.EnterRoom(id, "phantom"); !errors.Is(err, core.ErrNoSocket) {
			t.Errorf("EnterRoom(%q): %v, want ErrNoSocket", id, err)
		}
		if err := ts.LeaveRoom(id, "phantom"); !errors.Is(err, core.ErrNoSocket) {
			t.Errorf("LeaveRoom(%q): %v, want ErrNoSocket", id, err)
		}
		if err := ts.Of("/chat").EnterRoom(id, "phantom"); !errors.Is(err, core.ErrNoSocket) {
			t.Errorf("Of(/chat).EnterRoom(%q): %v, want ErrNoSocket", id, err)
		}
	}
	s.Join("late") // a handler holding the socket after it left
	if rooms := ts.Of("/").Adapter().(*core.MemoryAdapter).Rooms(); len(rooms) != 0 {
		t.Errorf("rooms left behind: %v", rooms)
	}
	if got := ts.Rooms(sid); len(got) != 0 {
		t.Errorf("rooms of the sid: %v", got)
	}
}

// TestSessions checks user sessions: copies, per socket and namespace,
// destroyed on disconnect.
func TestSessions(t *testing.T) {
	ts := newServer(t, core.Options{})
	sockets := make(chan *core.Socket, 10)
	inDisconnect := make(chan map[string]any, 10)
	ts.OnConnect(func(s *core.Socket) { sockets <- s })
	ts.OnDisconnect(func(s *core.Socket, _ core.DisconnectReason) { inDisconnect <- s.Session() })
	ts.Of("/b").OnConnect(func(s *core.Socket) { sockets <- s })
	ts.On("set", func(s *core.Socket, k string, v any) error {
		return s.UpdateSession(func(m map[string]any) error { m[k] = v; return nil })
	})
	ts.On("get", func(s *core.Socket, k string) any { return s.Session()[k] })

	c1, c2 := ts.dial(t), ts.dial(t)
	sid1, sid2 := c1.Join(t, "/", nil), c2.Join(t, "/", nil)
	s1, _ := recv(t, sockets), recv(t, sockets)
	sidB := c1.Join(t, "/b", nil)
	recv(t, sockets)

	if m, err := ts.Session(sid1); err != nil || len(m) != 0 {
		t.Errorf("new session %v, %v", m, err)
	}
	c1.Call(t, "/", "set", "user", "ann")
	if got := c1.Call(t, "/", "get", "user").ArgsText(); got != `["ann"]` {
		t.Errorf("get across events: %s", got)
	}
	if got := c2.Call(t, "/", "get", "user").ArgsText(); got != `[null]` {
		t.Errorf("another socket sees %s", got)
	}
	if m, _ := ts.Of("/b").Session(sidB); len(m) != 0 {
		t.Errorf("the same client in /b sees %v", m)
	}

	// Session returns a copy.
	m, _ := ts.Session(sid1)
	m["user"] = "mallory"
	if got := s1.Session()["user"]; got != "ann" {
		t.Errorf("changing a copy changed the session: %v", got)
	}
	// SaveSession stores a copy.
	saved := map[string]any{"user": "bob"}
	if err := ts.SaveSession(sid1, saved); err != nil {
		t.Fatal(err)
	}
	saved["user"] = "eve"
	if got := c1.Call(t, "/", "get", "user").ArgsText(); got != `["bob"]` {
		t.Errorf("after SaveSession: %s", got)
	}
	// UpdateSession's error is returned.
	boom := errors.New("boom")
	if err := ts.UpdateSession(sid1, func(m map[string]any) error { m["n"] = 1; return boom }); err != boom {
		t.Errorf("UpdateSession: %v", err)
	}
	for _, err := range []error{
		ts.SaveSession("nobody", nil),
		ts.UpdateSession("nobody", func(map[string]any) error { return nil }),
		func() error { _, err := ts.Session("nobody"); return err }(),
		func() error { _, err := ts.Session(sidB); return err }(), // a /b sid in /
	} {
		if !errors.Is(err, core.ErrNoSocket) {
			t.Errorf("unknown sid: %v, want ErrNoSocket", err)
		}
	}

	// The session is readable in the disconnect handler, then destroyed.
	c1.Send("1")
	if got := recv(t, inDisconnect); got["user"] != "bob" || got["n"] != 1 {
		t.Errorf("session in the disconnect handler: %v", got)
	}
	waitFor(t, "the session to be destroyed", func() bool { return len(s1.Session()) == 0 })
	if _, err := ts.Session(sid1); !errors.Is(err, core.ErrNoSocket) {
		t.Errorf("Session after disconnect: %v", err)
	}
	// A new socket of the same client starts afresh.
	c1.Join(t, "/", nil)
	recv(t, sockets)
	if got := c1.Call(t, "/", "get", "user").ArgsText(); got != `[null]` {
		t.Errorf("a new socket sees %s", got)
	}
	_ = sid2
}
