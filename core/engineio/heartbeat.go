package engineio

import (
	"sync"
	"time"
)

// beats schedules the heartbeats of a server's sessions on one timer, as
// a server pinging every client from one ticker does, instead of a timer
// per session: a min-heap of the sessions by due time, and a timer for the
// earliest, whose run calls the due sessions' heartbeat.
type beats struct {
	mu    sync.Mutex  // guards heap, timer and the beat fields of the sessions in heap
	heap  []*Socket   // by Socket.beatAt; Socket.beatIdx is the position
	timer *time.Timer // fires at heap[0].beatAt; nil until first needed
}

// schedule makes s's heartbeat run at at (once), replacing its previous
// time. The caller may hold s.mu.
func (b *beats) schedule(s *Socket, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s.beatAt = at.UnixNano()
	if s.beatIdx < 0 {
		s.beatIdx = len(b.heap)
		b.heap = append(b.heap, s)
		b.up(s.beatIdx)
	} else if !b.up(s.beatIdx) {
		b.down(s.beatIdx)
	}
	if b.heap[0] == s {
		d := time.Until(at)
		if b.timer == nil {
			b.timer = time.AfterFunc(d, b.run)
		} else {
			b.timer.Reset(d)
		}
	}
}

// remove takes s out of the schedule, if it is in it.
func (b *beats) remove(s *Socket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if i := s.beatIdx; i >= 0 {
		b.removeAt(i)
	}
}

// run calls the heartbeat of every session that is due, then waits for
// the next.
func (b *beats) run() {
	now := time.Now().UnixNano()
	var due []*Socket
	b.mu.Lock()
	for len(b.heap) > 0 && b.heap[0].beatAt <= now {
		due = append(due, b.heap[0])
		b.removeAt(0)
	}
	if len(b.heap) > 0 {
		b.timer.Reset(time.Duration(b.heap[0].beatAt - now))
	}
	b.mu.Unlock()
	for _, s := range due {
		s.heartbeat()
	}
}

// removeAt removes the session at position i. b.mu must be held.
func (b *beats) removeAt(i int) {
	s := b.heap[i]
	last := len(b.heap) - 1
	if i != last {
		b.swap(i, last)
	}
	b.heap[last] = nil
	b.heap = b.heap[:last]
	s.beatIdx = -1
	if i != last && !b.up(i) {
		b.down(i)
	}
	if len(b.heap) == 0 && cap(b.heap) > 1024 {
		b.heap = nil // a burst of sessions has gone
	}
}

func (b *beats) swap(i, j int) {
	b.heap[i], b.heap[j] = b.heap[j], b.heap[i]
	b.heap[i].beatIdx, b.heap[j].beatIdx = i, j
}

// up moves the session at i towards the root; it reports whether it moved.
func (b *beats) up(i int) bool {
	moved := false
	for i > 0 {
		p := (i - 1) / 2
		if b.heap[p].beatAt <= b.heap[i].beatAt {
			break
		}
		b.swap(i, p)
		i, moved = p, true
	}
	return moved
}

// down moves the session at i towards the leaves.
func (b *beats) down(i int) {
	n := len(b.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && b.heap[r].beatAt < b.heap[l].beatAt {
			c = r
		}
		if b.heap[i].beatAt <= b.heap[c].beatAt {
			return
		}
		b.swap(i, c)
		i = c
	}
}
