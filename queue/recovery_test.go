package queue_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
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
	c.Send(siotest.EncodePacket('0', "/", -1, auth))
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
