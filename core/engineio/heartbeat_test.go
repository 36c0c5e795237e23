package engineio

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The schedule is a heap by due time, whatever the order of the updates
// and removals.
func TestBeatsHeap(t *testing.T) {
	var b beats
	base := time.Now().Add(time.Hour) // the timer never fires in this test
	socks := make([]*Socket, 200)
	for i := range socks {
		socks[i] = &Socket{beatIdx: -1}
		b.schedule(socks[i], base.Add(time.Duration(rand.IntN(1000))*time.Millisecond))
	}
	for range 500 {
		s := socks[rand.IntN(len(socks))]
		if rand.IntN(4) == 0 {
			b.remove(s)
		} else {
			b.schedule(s, base.Add(time.Duration(rand.IntN(1000))*time.Millisecond))
		}
		for i, s := range b.heap {
			if s.beatIdx != i {
				t.Fatalf("index %d at %d", s.beatIdx, i)
			}
			if i > 0 && b.heap[(i-1)/2].beatAt > s.beatAt {
				t.Fatalf("heap order broken at %d", i)
			}
		}
	}
	for _, s := range socks {
		b.remove(s)
	}
	if len(b.heap) != 0 {
		t.Errorf("%d left", len(b.heap))
	}
	b.timer.Stop()
}

// Every session gets its pings from the one schedule, and a session that
// does not answer is closed with "ping timeout" while the others live on.
func TestHeartbeatManySessions(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingInterval: 30 * time.Millisecond, PingTimeout: 300 * time.Millisecond})
	rec := newRecorder(srv)
	const n = 20
	conns := make([]*fakeConn, n)
	dones := make([]<-chan struct{}, n)
	for i := range conns {
		conns[i], dones[i] = serveWS(t, srv, "EIO=4&transport=websocket")
		conns[i].recv(t) // open
		rec.conn(t)
	}
	for round := range 3 {
		for i, c := range conns[1:] {
			if got := c.recv(t); got.typ != wsText || string(got.data) != "2" {
				t.Fatalf("round %d, session %d: %v, want a ping", round, i+1, got)
			}
			c.sendText("3")
		}
	}
	if ev := rec.closed(t); ev.reason != ReasonPingTimeout {
		t.Errorf("closed with %s", ev.reason)
	}
	waitDone(t, dones[0], "Serve of the silent session")
	if srv.Len() != n-1 {
		t.Errorf("%d sessions, want %d", srv.Len(), n-1)
	}
	for _, c := range conns[1:] {
		c.sendText("1")
	}
	for _, d := range dones[1:] {
		waitDone(t, d, "Serve")
	}
}
