// Package pending tracks the requests a cluster adapter sends to the
// other servers (FetchSockets, ServerSideEmit with acknowledgements,
// broadcasts with acknowledgements) until their answers have come: the
// part of request handling package queue's ClusterAdapter and
// queue/redisq's formats share.
//
// A request owes answers from servers known by uid (named) and from
// servers known only by number (anon: the broker counts the servers, or
// the format's answers carry no uid). An answer from a named server
// settles that server; any other answer settles one anonymous server, if
// some are still owed, once per uid (an answer without a uid always
// counts).
package pending

import (
	"context"
	"sync"
	"time"

	"github.com/socketio-go/sio/core"
)

// Kind is what a request waits for.
type Kind int

// The kinds of request.
const (
	Fetch          Kind = iota // the sockets of FetchSockets
	ServerSideEmit             // the replies to ServerSideEmit with acknowledgements
	Broadcast                  // the counts and acknowledgements of a broadcast with acknowledgements
)

// Outcome is how a FetchSockets wait ended.
type Outcome int

// The outcomes of Table.Wait.
const (
	Complete  Outcome = iota // every answer came
	TimedOut                 // the timeout passed first
	Cancelled                // the table was closed
	CtxDone                  // the context ended first
)

// Request is an operation waiting for the other servers' answers. Its
// fields are guarded by its table's mu; its callbacks run under cbMu,
// taken before mu is released, so they run in the order they were
// decided.
type Request struct {
	kind  Kind
	owed  map[string]struct{} // named servers still owed an answer (a count, for broadcasts)
	anon  int                 // anonymous servers still owed one
	heard map[string]struct{} // the uids that settled one of those
	timer *time.Timer
	cbMu  sync.Mutex

	// Fetch
	sockets   []*core.RemoteSocket
	done      chan struct{} // closed when nothing is owed any more
	finished  bool          // done is closed
	cancelled bool          // by Close

	// ServerSideEmit and Broadcast
	onCount func(int)
	onAck   func(core.Args)

	// Broadcast
	counts    map[string]*peerCount
	total     int  // recipients counted so far, corrections included
	acks      int  // replies received
	finalized bool // onCount has been given the total
}

// peerCount is what one named server reported for a broadcast with acks.
type peerCount struct {
	counted bool
	n, acks int
}

// NewFetch returns a FetchSockets request that starts with the local
// sockets.
func NewFetch(local []*core.RemoteSocket) *Request {
	return &Request{kind: Fetch, sockets: local, done: make(chan struct{})}
}

// NewServerSideEmit returns a ServerSideEmit request: Register gives
// onCount the number of servers owed a reply, then each reply goes to
// onAck (and -1 to onCount for a server that leaves without replying).
func NewServerSideEmit(onCount func(int), onAck func(core.Args)) *Request {
	return &Request{kind: ServerSideEmit, onCount: onCount, onAck: onAck}
}

// NewBroadcast returns a broadcast request: onCount gets the total number
// of recipients once every server owed a count has given it, then later
// corrections; onAck gets each acknowledgement.
func NewBroadcast(onCount func(int), onAck func(core.Args)) *Request {
	return &Request{kind: Broadcast, onCount: onCount, onAck: onAck, counts: make(map[string]*peerCount)}
}

// owing returns the number of servers still owed an answer.
func (r *Request) owing() int { return len(r.owed) + r.anon }

// settle records the answer of uid; false when uid was not owed one (or
// already answered).
func (r *Request) settle(uid string) bool {
	if _, ok := r.owed[uid]; ok {
		delete(r.owed, uid)
		return true
	}
	if r.anon == 0 {
		return false
	}
	if uid != "" {
		if _, dup := r.heard[uid]; dup {
			return false
		}
		if r.heard == nil {
			r.heard = make(map[string]struct{})
		}
		r.heard[uid] = struct{}{}
	}
	r.anon--
	return true
}

func (r *Request) peer(uid string) *peerCount {
	pc := r.counts[uid]
	if pc == nil {
		pc = &peerCount{}
		if uid != "" { // without a uid, every count is a server's first
			r.counts[uid] = pc
		}
	}
	return pc
}

func (r *Request) finish() {
	if !r.finished {
		r.finished = true
		close(r.done)
	}
}

// complete reports whether r expects nothing more.
func (r *Request) complete() bool {
	switch r.kind {
	case Broadcast:
		return r.finalized && r.acks >= r.total
	case ServerSideEmit:
		return r.owing() == 0
	default:
		return r.finished
	}
}

// cancel abandons r (table closing).
func (r *Request) cancel() {
	if r.timer != nil {
		r.timer.Stop()
	}
	if r.kind == Fetch {
		r.cancelled = true
		r.finish()
	}
}

// count records that uid's sockets received n more (or, negative, fewer)
// copies of a broadcast, and returns the callbacks to run.
func (r *Request) count(uid string, n int) []func() {
	pc := r.peer(uid)
	if pc.counted {
		pc.n += n
	} else {
		pc.counted, pc.n = true, n
		r.settle(uid)
	}
	r.total += n
	if r.finalized {
		return []func(){func() { r.onCount(n) }}
	}
	return r.maybeFinalize()
}

// maybeFinalize gives onCount the total once every server has counted.
func (r *Request) maybeFinalize() []func() {
	if r.finalized || r.owing() > 0 {
		return nil
	}
	r.finalized = true
	total := r.total
	return []func(){func() { r.onCount(total) }}
}

// peerGone forgets what the departed server uid owed r, and returns the
// callbacks to run.
func (r *Request) peerGone(uid string) []func() {
	_, owed := r.owed[uid]
	delete(r.owed, uid)
	switch r.kind {
	case Fetch:
		if owed && r.owing() == 0 {
			r.finish()
		}
	case ServerSideEmit:
		if owed {
			return []func(){func() { r.onCount(-1) }}
		}
	case Broadcast:
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

// Table holds the pending requests of one adapter. The zero value is an
// empty table.
type Table struct {
	mu     sync.Mutex // guards closed, reqs and the fields of the requests
	closed bool
	reqs   map[string]*Request
}

// Register records r under id, owing an answer from each server of named
// and from anon servers known only by number. It returns the number of
// servers owed, or false when the table is closed. A ServerSideEmit
// request's onCount gets that number before any reply (0 when closed);
// one that owes nothing is not kept. With a timeout, r is forgotten after
// it.
func (t *Table) Register(id string, r *Request, named []string, anon int, timeout time.Duration) (int, bool) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		if r.kind == ServerSideEmit {
			r.onCount(0)
		}
		return 0, false
	}
	r.owed = make(map[string]struct{}, len(named))
	for _, uid := range named {
		r.owed[uid] = struct{}{}
	}
	r.anon = max(anon, 0)
	n := r.owing()
	if n > 0 || r.kind == Broadcast {
		if t.reqs == nil {
			t.reqs = make(map[string]*Request)
		}
		t.reqs[id] = r
		if timeout > 0 {
			r.timer = time.AfterFunc(timeout, func() { t.Forget(id) })
		}
	}
	r.cbMu.Lock()
	t.mu.Unlock()
	defer r.cbMu.Unlock()
	if r.kind == ServerSideEmit {
		r.onCount(n)
	}
	return n, true
}

// Has reports whether id is a pending request of the table.
func (t *Table) Has(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.reqs[id]
	return ok
}

// Forget drops the request id.
func (t *Table) Forget(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dropLocked(id)
}

func (t *Table) dropLocked(id string) {
	if r := t.reqs[id]; r != nil {
		delete(t.reqs, id)
		if r.timer != nil {
			r.timer.Stop()
		}
	}
}

// update runs fn on the request id of kind, when it is pending, drops the
// request once complete, and runs the callbacks fn returns in order.
func (t *Table) update(id string, kind Kind, fn func(r *Request) []func()) {
	t.mu.Lock()
	r := t.reqs[id]
	if r == nil || r.kind != kind {
		t.mu.Unlock()
		return
	}
	calls := fn(r)
	if r.complete() {
		t.dropLocked(id)
	}
	r.cbMu.Lock()
	t.mu.Unlock()
	defer r.cbMu.Unlock()
	for _, c := range calls {
		c()
	}
}

// Count handles a recipient count for the broadcast id from uid (empty
// when the answer carries none).
func (t *Table) Count(id, uid string, n int) {
	t.update(id, Broadcast, func(r *Request) []func() { return r.count(uid, n) })
}

// Ack handles a reply to the broadcast id relayed by uid.
func (t *Table) Ack(id, uid string, reply core.Args) {
	t.update(id, Broadcast, func(r *Request) []func() {
		r.peer(uid).acks++
		r.acks++
		return []func(){func() { r.onAck(reply) }}
	})
}

// Reply handles uid's reply to the server-side event id; a reply from a
// server not owed one (not counted, or a duplicate) is dropped.
func (t *Table) Reply(id, uid string, reply core.Args) {
	t.update(id, ServerSideEmit, func(r *Request) []func() {
		if !r.settle(uid) {
			return nil
		}
		return []func(){func() { r.onAck(reply) }}
	})
}

// Sockets handles uid's answer to the FetchSockets id. As in Node.js, an
// answer from a server not waited for (one that came up meanwhile) is
// kept too.
func (t *Table) Sockets(id, uid string, sockets []*core.RemoteSocket) {
	t.update(id, Fetch, func(r *Request) []func() {
		r.settle(uid)
		r.sockets = append(r.sockets, sockets...)
		if r.owing() == 0 {
			r.finish()
		}
		return nil
	})
}

// Unanswered records that no server but keep will answer the broadcast id
// (publishing it failed).
func (t *Table) Unanswered(id, keep string) {
	t.update(id, Broadcast, func(r *Request) []func() {
		for uid := range r.owed {
			if uid != keep {
				delete(r.owed, uid)
			}
		}
		r.anon = 0
		return r.maybeFinalize()
	})
}

// PeerGone forgets what the departed server uid owes the pending
// requests. The caller holds whatever lock makes the departure atomic
// with its Register calls; it runs the returned function after releasing
// that lock (it runs the requests' callbacks).
func (t *Table) PeerGone(uid string) (run func()) {
	type pending struct {
		r     *Request
		calls []func()
	}
	var todo []pending
	t.mu.Lock()
	for id, r := range t.reqs {
		calls := r.peerGone(uid)
		if r.complete() {
			t.dropLocked(id)
		}
		if len(calls) > 0 {
			r.cbMu.Lock()
			todo = append(todo, pending{r, calls})
		}
	}
	t.mu.Unlock()
	return func() {
		for _, p := range todo {
			for _, c := range p.calls {
				c()
			}
			p.r.cbMu.Unlock()
		}
	}
}

// Wait waits for the answers to the FetchSockets request r, registered
// under id, for timeout at most or until ctx ends, forgets it, and
// returns the sockets gathered.
func (t *Table) Wait(ctx context.Context, id string, r *Request, timeout time.Duration) ([]*core.RemoteSocket, Outcome) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	out := Complete
	select {
	case <-r.done:
	case <-timer.C:
		out = TimedOut
	case <-ctx.Done():
		out = CtxDone
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dropLocked(id)
	if out == Complete && r.cancelled {
		out = Cancelled
	}
	return r.sockets, out
}

// Close abandons every pending request (a FetchSockets wait ends with
// Cancelled) and refuses new ones.
func (t *Table) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for id, r := range t.reqs {
		r.cancel()
		delete(t.reqs, id)
	}
}
