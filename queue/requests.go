package queue

import (
	"context"
	"time"

	"github.com/socketio-go/sio/queue/internal/pending"
)

// register records r under id, owing an answer from every known peer
// (and this server, with self); with a SubscriberCounter, from as many
// other servers as it counts. It returns the number of servers owed, or
// false when the adapter is closed (its table closes with it). With a
// timeout, r is forgotten after it.
func (a *Adapter) register(id string, r *pending.Request, timeout time.Duration, self bool) (int, bool, error) {
	others := 0
	if a.counter != nil {
		n, err := a.subscribers(context.Background()) // before the lock: a broker round trip
		if err != nil {
			a.log.Warn("sio/queue: request not sent", "err", err)
			return 0, false, err
		}
		others = n - 1
	}
	a.mu.Lock() // the peers owed are those known when r is registered
	defer a.mu.Unlock()
	named := make([]string, 0, len(a.peers)+1)
	if a.counter == nil {
		for uid := range a.peers {
			named = append(named, uid)
		}
	}
	if self {
		named = append(named, a.uid)
	}
	n, ok := a.requests.Register(id, r, named, others, timeout)
	return n, ok, nil
}

// removePeer forgets the server uid (it closed, or timed out) and what the
// pending requests expected from it.
func (a *Adapter) removePeer(uid string, timedOut bool) {
	a.mu.Lock()
	if seen, known := a.peers[uid]; timedOut && (!known || time.Since(seen) <= a.opts.HeartbeatTimeout) {
		a.mu.Unlock()
		return // heard from meanwhile
	}
	delete(a.peers, uid)
	run := a.requests.PeerGone(uid)
	a.mu.Unlock()
	run()
}
