package queue

import (
	"context"
	"sync"
	"time"

	"github.com/socketio-go/sio/core"
)

type requestKind int

const (
	kindFetch requestKind = iota
	kindServerSideEmit
	kindBroadcast
)

// request is an operation waiting for the other servers' answers. Its
// fields are guarded by the adapter's mu; its callbacks run under cbMu,
// taken before mu is released, so they run in the order they were decided.
type request struct {
	kind  requestKind
	owed  map[string]struct{} // servers still owed an answer (a count, for broadcasts)
	anon  int                 // answers still owed by servers not known by uid (SubscriberCounter)
	heard map[string]struct{} // the servers that gave one of those
	timer *time.Timer
	cbMu  sync.Mutex

	// kindFetch
	sockets   []*core.RemoteSocket
	done      chan struct{} // closed when nothing is owed any more
	finished  bool          // done is closed
	cancelled bool          // by Close

	// kindServerSideEmit and kindBroadcast
	onCount func(int)
	onAck   func(core.Args)

	// kindBroadcast
	counts    map[string]*peerCount
	total     int  // recipients counted so far, corrections included
	acks      int  // replies received
	finalized bool // onCount has been given the total
}

// peerCount is what one server reported for a broadcast with acks.
type peerCount struct {
	counted bool
	n, acks int
}

func (r *request) peer(uid string) *peerCount {
	pc := r.counts[uid]
	if pc == nil {
		pc = &peerCount{}
		r.counts[uid] = pc
	}
	return pc
}

func (r *request) finish() {
	if !r.finished {
		r.finished = true
		close(r.done)
	}
}

// pending returns the number of answers r still expects.
func (r *request) pending() int { return len(r.owed) + r.anon }

// answer records the answer of the server uid, and reports whether it was
// expected (and not a duplicate).
func (r *request) answer(uid string) bool {
	if _, ok := r.owed[uid]; ok {
		delete(r.owed, uid)
		return true
	}
	if r.anon == 0 {
		return false
	}
	if _, dup := r.heard[uid]; dup {
		return false
	}
	if r.heard == nil {
		r.heard = make(map[string]struct{})
	}
	r.heard[uid] = struct{}{}
	r.anon--
	return true
}

// complete reports whether r expects nothing more.
func (r *request) complete() bool {
	switch r.kind {
	case kindBroadcast:
		return r.finalized && r.acks >= r.total
	case kindServerSideEmit:
		return r.pending() == 0
	default:
		return r.finished
	}
}

// cancel abandons r (adapter closing).
func (r *request) cancel() {
	if r.timer != nil {
		r.timer.Stop()
	}
	if r.kind == kindFetch {
		r.cancelled = true
		r.finish()
	}
}

// count records that uid's sockets received n more (or, negative, fewer)
// copies of a broadcast, and returns the callbacks to run.
func (r *request) count(uid string, n int) []func() {
	pc := r.peer(uid)
	if pc.counted {
		pc.n += n
	} else {
		pc.counted, pc.n = true, n
		r.answer(uid)
	}
	r.total += n
	if r.finalized {
		return []func(){func() { r.onCount(n) }}
	}
	return r.maybeFinalize()
}

// maybeFinalize gives onCount the total once every server has counted.
func (r *request) maybeFinalize() []func() {
	if r.finalized || r.pending() > 0 {
		return nil
	}
	r.finalized = true
	total := r.total
	return []func(){func() { r.onCount(total) }}
}

// peerGone forgets what the departed server uid owed r, and returns the
// callbacks to run.
func (r *request) peerGone(uid string) []func() {
	_, owed := r.owed[uid]
	delete(r.owed, uid)
	switch r.kind {
	case kindFetch:
		if owed && len(r.owed) == 0 {
			r.finish()
		}
	case kindServerSideEmit:
		if owed {
			return []func(){func() { r.onCount(-1) }}
		}
	case kindBroadcast:
		if owed {
			return r.maybeFinalize()
		}
		pc := r.counts[uid]
		if pc == nil || !pc.counted {
			return nil
		}
		missing := pc.n - pc.acks
		if missing <= 0 {
			return nil
		}
		pc.n -= missing
		r.total -= missing
		if r.finalized {
			return []func(){func() { r.onCount(-missing) }}
		}
	}
	return nil
}

// register records r under id, owing an answer from every known peer
// (and this server, with self); with a SubscriberCounter, from as many
// other servers as it counts. It returns the number of servers owed, or
// false when the adapter is closed. With a timeout, r is forgotten after
// it.
func (a *Adapter) register(id string, r *request, timeout time.Duration, self bool) (int, bool) {
	others := -1
	if a.counter != nil {
		others = a.countServers(context.Background()) - 1 // before the lock: a broker round trip
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return 0, false
	}
	r.owed = make(map[string]struct{}, len(a.peers)+1)
	if others >= 0 {
		r.anon = others
	} else {
		for uid := range a.peers {
			r.owed[uid] = struct{}{}
		}
	}
	if self {
		r.owed[a.uid] = struct{}{}
	}
	a.requests[id] = r
	if timeout > 0 {
		r.timer = time.AfterFunc(timeout, func() { a.forget(id) })
	}
	return r.pending(), true
}

// forget drops the request id.
func (a *Adapter) forget(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dropLocked(id)
}

func (a *Adapter) dropLocked(id string) {
	if r := a.requests[id]; r != nil {
		delete(a.requests, id)
		if r.timer != nil {
			r.timer.Stop()
		}
	}
}

// update runs fn on the request id of kind, when it is pending, drops the
// request once complete, and runs the callbacks fn returns in order.
func (a *Adapter) update(id string, kind requestKind, fn func(r *request) []func()) {
	a.mu.Lock()
	r := a.requests[id]
	if r == nil || r.kind != kind {
		a.mu.Unlock()
		return
	}
	calls := fn(r)
	if r.complete() {
		a.dropLocked(id)
	}
	r.cbMu.Lock()
	a.mu.Unlock()
	defer r.cbMu.Unlock()
	for _, c := range calls {
		c()
	}
}

// onCount handles a recipient count for the broadcast id from uid.
func (a *Adapter) onCount(id, uid string, n int) {
	a.update(id, kindBroadcast, func(r *request) []func() { return r.count(uid, n) })
}

// onAck handles a reply to the broadcast id relayed by uid.
func (a *Adapter) onAck(id, uid string, reply core.Args) {
	a.update(id, kindBroadcast, func(r *request) []func() {
		r.peer(uid).acks++
		r.acks++
		return []func(){func() { r.onAck(reply) }}
	})
}

// onServerSideEmitResponse handles uid's reply to the server-side event id.
func (a *Adapter) onServerSideEmitResponse(id, uid string, reply core.Args) {
	a.update(id, kindServerSideEmit, func(r *request) []func() {
		if !r.answer(uid) {
			return nil // not counted, or a duplicate
		}
		return []func(){func() { r.onAck(reply) }}
	})
}

// onFetchResponse handles uid's answer to the FETCH_SOCKETS id.
func (a *Adapter) onFetchResponse(id, uid string, sockets []*core.RemoteSocket) {
	a.update(id, kindFetch, func(r *request) []func() {
		// As in Node.js, an answer from a server not waited for (one that
		// came up meanwhile) is kept too.
		r.answer(uid)
		r.sockets = append(r.sockets, sockets...)
		if r.pending() == 0 {
			r.finish()
		}
		return nil
	})
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
	type pending struct {
		r     *request
		calls []func()
	}
	var run []pending
	for id, r := range a.requests {
		calls := r.peerGone(uid)
		if r.complete() {
			a.dropLocked(id)
		}
		if len(calls) > 0 {
			r.cbMu.Lock()
			run = append(run, pending{r, calls})
		}
	}
	a.mu.Unlock()
	for _, p := range run {
		for _, c := range p.calls {
			c()
		}
		p.r.cbMu.Unlock()
	}
}
