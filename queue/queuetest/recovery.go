package queuetest

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// RunRecovery checks connection state recovery across the servers of a
// cluster whose managers come from newCluster (as for RunCluster; the
// servers have core.Options.Recovery): a client that loses its connection
// to one server and reconnects to another, with its private id and last
// offset, gets its socket id, its rooms and exactly the broadcasts it
// missed that reach it, each with its offset; then again onto a third
// server. A manager on a queue.LogBus that is also a queue.SessionStore
// (or has queue.Options.Sessions) passes it; one that keeps sessions on
// the server the client left does not.
func RunRecovery(t *testing.T, newCluster func(t *testing.T) func() core.ClientManager) {
	newManager := newCluster(t)
	if newManager == nil {
		t.Fatal("newCluster returned nil")
	}
	c := &cluster{t: t}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			nd.Shutdown(t)
		}
	})
	for i := range 3 {
		srv := core.NewServer(core.Options{ClientManager: newManager(), AckTimeout: Wait, Recovery: &core.RecoveryOptions{}})
		srv.On("join", func(s *core.Socket, room string) { s.Join(room) })
		srv.Of(chat) // waitCount counts the servers on it too
		c.nodes = append(c.nodes, &node{Host: siotest.Serve(srv), index: i})
	}
	c.waitCount(3)
	a, b, d := c.nodes[0], c.nodes[1], c.nodes[2]

	cl := a.Dial(t, "")
	s := joinSession(t, cl, nil)
	cl.Call(t, "/", "join", "r")
	if err := b.To("r").Emit("first", 1); err != nil {
		t.Fatal(err)
	}
	expectOffset(t, cl, &s, "first", `[1]`)

	for i, next := range []*node{b, d} {
		cl.Close() // abruptly: a transport close, which keeps the session
		waitFor(t, "the socket to leave every server", func() bool {
			for _, nd := range c.nodes {
				if nd.Of("/").Socket(s.sid) != nil {
					return false
				}
			}
			return true
		})
		n := strconv.Itoa(i)
		_ = d.To("r").Emit("missed", i, "to r")
		_ = a.Emit("missed", i, "to all")
		_ = b.To("elsewhere").Emit("not for it")
		_ = d.Except("r").Emit("not for it")
		_ = b.Except().Local().Emit("not for it")

		cl = next.Dial(t, "")
		got := joinSession(t, cl, map[string]string{"pid": s.pid, "offset": s.offset})
		if got.sid != s.sid {
			t.Fatalf("reconnection %d to server %d: sid %s, want the recovered %s", i, next.index, got.sid, s.sid)
		}
		expectOffset(t, cl, &s, "missed", `[`+n+`,"to r"]`)
		expectOffset(t, cl, &s, "missed", `[`+n+`,"to all"]`)
		// Its rooms came back: a broadcast to r from another server
		// reaches it, and it got nothing else before (expectOffset takes
		// the next event).
		_ = a.To("r").Emit("after", i)
		expectOffset(t, cl, &s, "after", `[`+n+`]`)
	}

	// A session is restored once: the same private id again gets a new
	// session.
	cl.Close()
	waitFor(t, "the socket to leave every server", func() bool { return d.Of("/").Socket(s.sid) == nil })
	cl = a.Dial(t, "")
	if got := joinSession(t, cl, map[string]string{"pid": s.pid, "offset": s.offset}); got.sid != s.sid {
		t.Fatalf("third recovery: sid %s, want %s", got.sid, s.sid)
	}
	cl.Close()
	waitFor(t, "the socket to leave every server", func() bool { return a.Of("/").Socket(s.sid) == nil })
	for _, auth := range []map[string]string{
		{"pid": "nope", "offset": s.offset},
		{"pid": s.pid, "offset": "not-an-offset"},
	} {
		cl := b.Dial(t, "")
		if got := joinSession(t, cl, auth); got.sid == s.sid {
			t.Errorf("auth %v recovered the session", auth)
		}
		cl.Close()
	}
}

// session is what a client keeps to recover its session.
type session struct{ sid, pid, offset string }

// joinSession joins "/" with auth and returns the CONNECT packet's sid and
// pid.
func joinSession(t *testing.T, c *siotest.Client, auth any) session {
	t.Helper()
	c.Send(siotest.EncodePacket('0', "/", -1, auth))
	p := c.Expect(t, "connect", func(p siotest.Packet) bool { return p.Nsp == "/" && (p.Type == '0' || p.Type == '4') })
	var v struct{ SID, PID string }
	if p.Type != '0' || json.Unmarshal([]byte(p.Data), &v) != nil || v.SID == "" || v.PID == "" {
		t.Fatalf("connect: %v", p)
	}
	return session{sid: v.SID, pid: v.PID}
}

// expectOffset checks that the next event is event with want (JSON) as its
// arguments before the offset, and records the offset in s.
func expectOffset(t *testing.T, c *siotest.Client, s *session, event, want string) {
	t.Helper()
	p := c.NextEvent(t, "/")
	name, args := p.Event()
	if name != event {
		t.Fatalf("got %v, want the event %s", p, event)
	}
	if len(args) == 0 {
		t.Fatalf("%s without an offset: %v", event, p)
	}
	var off string
	if json.Unmarshal(args[len(args)-1], &off) != nil || off == "" {
		t.Fatalf("%s: last argument is not an offset: %v", event, p)
	}
	got, _ := json.Marshal(args[:len(args)-1])
	if string(got) != want {
		t.Fatalf("%s: args %s, want %s", event, got, want)
	}
	s.offset = off
}
