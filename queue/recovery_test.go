package queue_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/livetest"
)

// logCluster starts n servers with connection state recovery on one
// MemoryLogBus.
func logCluster(t *testing.T, n int, opts queue.Options) (*cluster, *queue.MemoryLogBus) {
	t.Helper()
	bus := queue.NewMemoryLogBus(0)
	t.Cleanup(func() { _ = bus.Close() }) // after the servers' shutdown (cleanups run last first)
	c := newCluster(t, n, clusterConfig{
		queue:  opts,
		bus:    func(queue.Bus) queue.Bus { return bus },
		server: func(_ int, o *core.Options) { o.Recovery = &core.RecoveryOptions{} },
	})
	for _, nd := range c.nodes {
		joinHandler(nd)
	}
	return c, bus
}

// session is what a client keeps to recover its session.
type session struct{ sid, pid, offset string }

// joinSession joins "/" with auth and returns the CONNECT packet's sid and
// pid.
func joinSession(t *testing.T, c *client, auth any) session {
	t.Helper()
	c.Send(livetest.EncodePacket('0', "/", -1, auth))
	p := c.Expect(t, "connect", func(p packet) bool { return p.Nsp == "/" && (p.Type == '0' || p.Type == '4') })
	var v struct{ SID, PID string }
	if p.Type != '0' || json.Unmarshal([]byte(p.Data), &v) != nil || v.SID == "" || v.PID == "" {
		t.Fatalf("connect: %v", p)
	}
	return session{sid: v.SID, pid: v.PID}
}

// expectOffset checks that the next event is event with want (JSON) as its
// arguments before the offset, and records the offset in s.
func expectOffset(t *testing.T, c *client, s *session, event, want string) {
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

// TestRecoveryAcrossServers checks connection state recovery on a LogBus:
// a client that loses its connection to one server reconnects to another
// and gets its id, rooms and the broadcasts it missed (only those that
// reach it), then the same onto a third server. The cluster size comes
// from the bus (no heartbeats).
func TestRecoveryAcrossServers(t *testing.T) {
	c, _ := logCluster(t, 3, queue.Options{})
	for _, nd := range c.nodes {
		if n := nd.ServerCount(context.Background()); n != 3 {
			t.Fatalf("ServerCount %d, want 3", n)
		}
	}
	a, b, d := c.nodes[0], c.nodes[1], c.nodes[2]
	cl := a.dial(t, "")
	s := joinSession(t, cl, nil)
	cl.Call(t, "/", "join", "r")
	if err := b.To("r").Emit("first", 1); err != nil {
		t.Fatal(err)
	}
	expectOffset(t, cl, &s, "first", `[1]`)

	for i, next := range []*node{b, d} {
		cl.Close()                  // abruptly: a transport close, which keeps the session
		waitSocketGone(t, c, s.sid) // its session was saved before it left
		_ = d.To("r").Emit("missed", i, "to r")
		_ = a.Emit("missed", i, "to all")
		_ = b.To("elsewhere").Emit("not for it")
		_ = d.Except("r").Emit("not for it")
		_ = b.Except().Local().Emit("not for it")

		cl = next.dial(t, "")
		got := joinSession(t, cl, map[string]string{"pid": s.pid, "offset": s.offset})
		if got.sid != s.sid {
			t.Fatalf("reconnection %d: sid %s, want the recovered %s", i, got.sid, s.sid)
		}
		expectOffset(t, cl, &s, "missed", `[`+itoa(i)+`,"to r"]`)
		expectOffset(t, cl, &s, "missed", `[`+itoa(i)+`,"to all"]`)
		// Its rooms came back: a broadcast to r from another server
		// reaches it. It got nothing else (expectOffset takes the next
		// event).
		_ = a.To("r").Emit("after", i)
		expectOffset(t, cl, &s, "after", `[`+itoa(i)+`]`)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// waitSocketGone waits until no server has the socket sid.
func waitSocketGone(t *testing.T, c *cluster, sid string) {
	t.Helper()
	waitFor(t, "the socket to leave", func() bool {
		for _, nd := range c.nodes {
			if nd.Of("/").Socket(sid) != nil {
				return false
			}
		}
		return true
	})
}

// TestRecoveryRefused checks that an unknown offset, an unknown pid and a
// session taken once give a new session.
func TestRecoveryRefused(t *testing.T) {
	c, _ := logCluster(t, 2, queue.Options{})
	a, b := c.nodes[0], c.nodes[1]
	cl := a.dial(t, "")
	s := joinSession(t, cl, nil)
	_ = a.Emit("e")
	expectOffset(t, cl, &s, "e", `[]`)
	cl.Close()
	waitSocketGone(t, c, s.sid)

	for _, auth := range []map[string]string{
		{"pid": "nope", "offset": s.offset},
		{"pid": s.pid, "offset": "999999"}, // takes the session
		{"pid": s.pid, "offset": s.offset}, // taken already
	} {
		cl := b.dial(t, "")
		if got := joinSession(t, cl, auth); got.sid == s.sid {
			t.Errorf("auth %v recovered the session", auth)
		}
		cl.Close()
	}
}

// TestRecoveryExpiry checks that a session older than the maximum
// disconnection duration is not restored.
func TestRecoveryExpiry(t *testing.T) {
	bus := queue.NewMemoryLogBus(0)
	t.Cleanup(func() { _ = bus.Close() })
	c := newCluster(t, 2, clusterConfig{
		bus: func(queue.Bus) queue.Bus { return bus },
		server: func(_ int, o *core.Options) {
			o.Recovery = &core.RecoveryOptions{MaxDisconnectionDuration: time.Millisecond}
		},
	})
	cl := c.nodes[0].dial(t, "")
	s := joinSession(t, cl, nil)
	_ = c.nodes[0].Emit("e")
	expectOffset(t, cl, &s, "e", `[]`)
	cl.Close()
	waitSocketGone(t, c, s.sid)
	time.Sleep(5 * time.Millisecond) // past the (1 ms) duration: the expiry under test
	cl = c.nodes[1].dial(t, "")
	if got := joinSession(t, cl, map[string]string{"pid": s.pid, "offset": s.offset}); got.sid == s.sid {
		t.Error("an expired session was recovered")
	}
}
