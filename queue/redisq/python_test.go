package redisq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/bustest"
	"github.com/socketio-go/sio/queue/pymsg"
	"github.com/socketio-go/sio/queue/queuetest"
)

// pyNode is a sio server in python-socketio's format.
type pyNode struct {
	*siotest.Host
	logs *bustest.LogBuf
}

// startPyNode starts a sio server in python-socketio's format on Redis
// (package pymsg on a Bus); single writes one-argument emits as a bare
// value, for python-socketio before 5.15.1.
func startPyNode(t *testing.T, channel string, single bool) *pyNode {
	t.Helper()
	client := requireRedis(t)
	logs := &bustest.LogBuf{}
	bus := NewBus(client, BusOptions{Logger: logs.Logger()})
	t.Cleanup(func() { _ = bus.Close() })
	m := pymsg.NewManager(bus, pymsg.Options{Channel: channel, Logger: logs.Logger(), SingleValue: single})
	srv := core.NewServer(core.Options{ClientManager: m, AckTimeout: 5 * time.Second})
	for _, nsp := range []string{"/", "/chat"} {
		srv.Of(nsp).On("join", func(s *core.Socket, room string) string { s.Join(room); return "ok" })
	}
	n := &pyNode{Host: siotest.Serve(srv), logs: logs}
	t.Cleanup(func() { n.Shutdown(t) })
	return n
}

// waitServers waits until n servers subscribe to channel.
func waitServers(t *testing.T, channel string, n int64) {
	t.Helper()
	c := requireRedis(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := numSub(context.Background(), c, channel)
		if err == nil && got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers of %s, want %d (%v)", got, channel, n, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPythonFormat runs the operations python-socketio's format carries
// between two sio servers over Redis (pymsg on a Bus).
func TestPythonFormat(t *testing.T) {
	channel := testPrefix(t)
	a, b := startPyNode(t, channel, false), startPyNode(t, channel, false)
	waitServers(t, channel, 2)
	if na, nb := a.ServerCount(context.Background()), b.ServerCount(context.Background()); na != 2 || nb != 2 {
		t.Errorf("ServerCount = %d and %d, want 2 (PUBSUB NUMSUB of the channel)", na, nb)
	}
	ca, sa := a.Connect(t, "/", "", nil)
	cb, sb := b.Connect(t, "/", "", nil)
	cc, _ := b.Connect(t, "/", "", nil)
	cb.Call(t, "/", "join", "red")
	cc.Call(t, "/", "join", "red")

	// Broadcasts: every socket, a room, a room but one socket, binary and
	// several arguments; each followed by a sync to everyone from the same
	// server, which shows where the targeted event did not go.
	step := func(what string, emit func() error, reached ...*siotest.Client) {
		t.Helper()
		if err := emit(); err != nil {
			t.Fatal(err)
		}
		if err := a.Emit("sync"); err != nil {
			t.Fatal(err)
		}
		for _, cl := range []*siotest.Client{ca, cb, cc} {
			want := "sync"
			for _, r := range reached {
				if r == cl {
					want = what
				}
			}
			if got := nextEventName(t, cl); got != want {
				t.Errorf("%s: got %q first, want %q", what, got, want)
			}
			if want != "sync" {
				cl.ExpectEvent(t, "/", "sync")
			}
		}
	}
	step("all", func() error { return a.Emit("all", 1, "x") }, ca, cb, cc)
	step("red", func() error { return a.To("red").Emit("red", map[string]any{"k": "v"}) }, cb, cc)
	step("red-but", func() error { return a.To("red").Except(sb).Emit("red-but") }, cc)
	step("to-sid", func() error { return a.To(sb).Emit("to-sid") }, cb)
	if err := a.To(sb).Emit("args", "one", 2, []any{3}); err != nil {
		t.Fatal(err)
	}
	if p := cb.ExpectEvent(t, "/", "args"); p.ArgsText() != `["one",2,[3]]` {
		t.Errorf("args: %v", p)
	}
	if err := a.To(sb).Emit("bin", "b", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if p := cb.ExpectEvent(t, "/", "bin"); p.ArgsText() != `["b",{"_placeholder":true,"num":0}]` || len(p.Att) != 1 || !bytes.Equal(p.Att[0], []byte{1, 2, 3}) {
		t.Errorf("bin: %v", p)
	}

	// An acknowledgement from a client of the other server (a callback).
	cb.OnAck(func(event string, args []json.RawMessage) ([]any, bool) { return []any{"ack-" + event, 7}, true })
	replies, err := a.To(sb).Timeout(5*time.Second).EmitWithAck(context.Background(), "ask")
	if err != nil || len(replies) != 1 {
		t.Fatalf("EmitWithAck: %v %v", replies, err)
	}
	var word string
	var num int
	if replies[0].Len() != 2 || replies[0].Decode(0, &word) != nil || replies[0].Decode(1, &num) != nil || word != "ack-ask" || num != 7 {
		t.Errorf("reply %v", replies[0])
	}

	// enter_room, leave_room, close_room, disconnect.
	a.Of("/").To(sb).SocketsJoin("green")
	bustest.WaitFor(t, "enter_room", siotest.Wait, func() bool { return inRoom(b, sb, "green") })
	a.Of("/").To(sb).SocketsLeave("green")
	bustest.WaitFor(t, "leave_room", siotest.Wait, func() bool { return !inRoom(b, sb, "green") })
	a.Of("/").In("red").SocketsLeave("red")
	bustest.WaitFor(t, "close_room", siotest.Wait, func() bool { return !inRoom(b, sb, "red") })
	a.Of("/").To(sb).DisconnectSockets(false)
	bustest.WaitFor(t, "disconnect", siotest.Wait, func() bool { return b.Of("/").Socket(sb) == nil })

	if err := a.ServerSideEmit("x"); !errors.Is(err, pymsg.ErrUnsupported) {
		t.Errorf("ServerSideEmit: %v, want ErrUnsupported", err)
	}
	if socks, err := a.FetchSockets(context.Background()); err != nil || len(socks) != 1 || socks[0].ID != sa {
		t.Errorf("FetchSockets: %v %v (local only)", socks, err)
	}

	// A pickled message (python-socketio before 5.14) is never read.
	pub := requireRedis(t)
	pub.Publish(context.Background(), channel, "\x80\x04\x95...pickle")
	bustest.WaitFor(t, "the dropped pickle logged", siotest.Wait, func() bool { return strings.Contains(b.logs.String(), "dropping undecodable message") })
}

func inRoom(n *pyNode, sid, room string) bool {
	s := n.Of("/").Socket(sid)
	if s == nil {
		return false
	}
	for _, r := range s.Rooms() {
		if r == room {
			return true
		}
	}
	return false
}

func nextEventName(t *testing.T, cl *siotest.Client) string {
	t.Helper()
	name, _ := cl.NextEvent(t, "/").Event()
	return name
}

// TestBusConformance runs queue's conformance kit on the pub/sub Bus: the
// Bus contract, and every cluster operation of queue's managers on it.
func TestBusConformance(t *testing.T) {
	client := requireRedis(t)
	queuetest.RunBus(t, func(t *testing.T) queue.Bus { return NewBus(client, BusOptions{}) })
	queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
		prefix := testPrefix(t)
		return func() core.ClientManager {
			bus := NewBus(client, BusOptions{})
			t.Cleanup(func() { _ = bus.Close() })
			return queue.NewManager(bus, queue.Options{ChannelPrefix: prefix})
		}
	})
}
