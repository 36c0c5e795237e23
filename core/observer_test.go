package core_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/internal/siotest"
)

// observed records what an Observer is told, as strings.
type observed struct {
	mu   sync.Mutex
	list []string
}

func (o *observed) add(format string, args ...any) {
	o.mu.Lock()
	o.list = append(o.list, fmt.Sprintf(format, args...))
	o.mu.Unlock()
}

func (o *observed) all() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.list)
}

func (o *observed) has(fact string) bool { return slices.Contains(o.all(), fact) }

// matching returns the facts that start with prefix.
func (o *observed) matching(prefix string) []string {
	var out []string
	for _, f := range o.all() {
		if strings.HasPrefix(f, prefix) {
			out = append(out, f)
		}
	}
	return out
}

// observer reports every fact.
func (o *observed) observer() *core.Observer {
	return &core.Observer{
		Engine: &engineio.Observer{
			SessionOpened: func(s *engineio.Socket, tr string) { o.add("session opened %s", tr) },
			SessionClosed: func(s *engineio.Socket, tr string, r engineio.CloseReason) { o.add("session closed %s %s", tr, r) },
		},
		SocketConnected:    func(s *core.Socket) { o.add("connected %s %s", s.Namespace().Name(), s.ID()) },
		SocketDisconnected: func(s *core.Socket, r core.DisconnectReason) { o.add("disconnected %s %s", s.ID(), r) },
		ConnectRefused:     func(nsp string, err error) { o.add("refused %s %v", nsp, err) },
		RoomJoined:         func(n *core.Namespace, room, sid string) { o.add("joined %s %s", room, sid) },
		RoomLeft:           func(n *core.Namespace, room, sid string) { o.add("left %s %s", room, sid) },
		EventReceived: func(s *core.Socket, ev string, args core.Args) {
			vals := make([]any, args.Len())
			var err error
			for i := range vals {
				vals[i], err = args.Value(i)
			}
			o.add("received %s %v %v", ev, vals, err)
		},
		EventSent: func(s *core.Socket, ev string, args []any) { o.add("sent %s %v", ev, args) },
		Broadcast: func(n *core.Namespace, ev string, recipients int) {
			o.add("broadcast %s %s %d", n.Name(), ev, recipients)
		},
		DataChanged: func(s *core.Socket, data any) { o.add("data %v", data) },
		AckStarted:  func(s *core.Socket) { o.add("ack started") },
		AckEnded: func(s *core.Socket, latency time.Duration, answered bool) {
			o.add("ack ended %v %v", answered, latency > 0)
		},
	}
}

// Every fact of a socket's life reaches two observers in order: connect,
// rooms, events both ways, broadcasts, data, acknowledgements,
// disconnection; refusals too; a removed observer hears nothing more.
func TestObserverSocketFacts(t *testing.T) {
	ts := newServer(t, core.Options{})
	a, b := &observed{}, &observed{}
	removeA := ts.Observe(a.observer())
	ts.Observe(b.observer())

	nsp := ts.Of("/x")
	nsp.Use(func(s *core.Socket) error {
		var auth struct{ Token string }
		_ = s.Handshake().Auth.Decode(0, &auth)
		if auth.Token != "ok" {
			return errors.New("bad token")
		}
		return nil
	})
	replies := make(chan string, 4)
	nsp.On("go", func(s *core.Socket, what string) string {
		s.Join("room1")
		s.SetData(map[string]int{"n": 1})
		_ = s.Emit("hello", "you")
		_ = nsp.To("room1").Emit("news", 7)
		reply, err := s.EmitWithAck(s.Context(), "ask", "q")
		var r string
		_ = reply.Decode(0, &r)
		replies <- fmt.Sprintf("%s %v", r, err)
		s.Leave("room1")
		return "done"
	})

	c := ts.dial(t)
	if p := c.Connect(t, "/x", map[string]string{"token": "no"}); p.Type != '4' {
		t.Fatalf("bad token accepted: %v", p)
	}
	if p := c.Connect(t, "/nope", nil); p.Type != '4' {
		t.Fatalf("unknown namespace accepted: %v", p)
	}
	sid := c.Join(t, "/x", map[string]string{"token": "ok"})
	id := c.Request("/x", "go", "now")
	ask := c.ExpectEvent(t, "/x", "ask")
	c.Send(siotest.EncodePacket('3', "/x", ask.ID, []string{"fine"}))
	c.ExpectAck(t, "/x", id)
	if r := recv(t, replies); r != "fine <nil>" {
		t.Errorf("ack reply %s", r)
	}
	c.Send(siotest.EncodePacket('1', "/x", -1, nil))
	waitFor(t, "disconnect observed", func() bool { return b.has("disconnected " + sid + " client namespace disconnect") })
	removeA()
	c.Close()
	waitFor(t, "session close observed", func() bool { return len(b.matching("session closed")) == 1 })

	want := []string{
		"session opened websocket",
		"refused /x bad token",
		"refused /nope sio: invalid namespace",
		"joined S S",
		"connected /x S",
		"received go [now] <nil>",
		"joined room1 S",
		"data map[n:1]",
		"sent hello [you]",
		"sent news [7]",
		"broadcast /x news 1",
		"ack started",
		"sent ask [q]",
		"ack ended true true",
		"left room1 S",
		"left S S",
		"disconnected S client namespace disconnect",
	}
	// The refused socket's own room comes and goes too; it has another id.
	clean := func(list []string) []string {
		for i, f := range list {
			list[i] = strings.ReplaceAll(f, sid, "S")
		}
		return slices.DeleteFunc(list, func(f string) bool {
			return (strings.HasPrefix(f, "joined ") || strings.HasPrefix(f, "left ")) && !strings.HasSuffix(f, " S")
		})
	}
	if got := clean(a.all()); !slices.Equal(got, want) {
		t.Errorf("observer a saw\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	want = append(want, "session closed websocket transport close")
	if got := clean(b.all()); !slices.Equal(got, want) {
		t.Errorf("observer b saw\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// An acknowledgement that never comes ends unanswered: on timeout, and
// when the socket disconnects with the wait pending.
func TestObserverAcksUnanswered(t *testing.T) {
	ts := newServer(t, core.Options{})
	o := &observed{}
	ts.Observe(o.observer())
	socks := make(chan *core.Socket, 1)
	ts.OnConnect(func(s *core.Socket) { socks <- s })
	c := ts.dial(t)
	c.Join(t, "/", nil)
	s := recv(t, socks)

	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := s.EmitWithAck(ctx, "ask"); !errors.Is(err, core.ErrAckTimeout) {
		t.Errorf("EmitWithAck: %v", err)
	}
	if err := s.Timeout(time.Millisecond).Emit("ask", core.AckFunc(func(core.Args, error) {})); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two acks ended", func() bool { return len(o.matching("ack ended false")) == 2 })
	if err := s.Emit("ask", core.AckFunc(func(core.Args, error) {})); err != nil {
		t.Fatal(err)
	}
	c.Close()
	waitFor(t, "three acks ended", func() bool { return len(o.matching("ack ended false")) == 3 })
	if n := len(o.matching("ack started")); n != 3 {
		t.Errorf("%d acks started", n)
	}
}

// A panicking observer is logged; the others and the server go on.
func TestObserverPanicRecovered(t *testing.T) {
	ts := newServer(t, core.Options{})
	ts.Observe(&core.Observer{SocketConnected: func(*core.Socket) { panic("boom") }})
	o := &observed{}
	ts.Observe(o.observer())
	c := ts.dial(t)
	sid := c.Join(t, "/", nil)
	c.Barrier(t, "/")
	if !o.has("connected / " + sid) {
		t.Errorf("facts %q", o.all())
	}
}

// Namespaces lists the namespaces by name, without the catch-all one.
func TestNamespacesList(t *testing.T) {
	ts := newServer(t, core.Options{})
	ts.Of("/b")
	ts.Of("/a")
	ts.Of("*")
	var names []string
	for _, n := range ts.Namespaces() {
		names = append(names, n.Name())
	}
	if !slices.Equal(names, []string{"/", "/a", "/b"}) {
		t.Errorf("namespaces %q", names)
	}
}
