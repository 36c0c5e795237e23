package queue

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/socketio-go/sio/core"
)

// countServers returns the cluster size from the bus's SubscriberCounter:
// the subscriptions of the namespace's channel (at least 1, this server);
// 1 when the broker does not answer (logged).
func (a *Adapter) countServers(ctx context.Context) int {
	n, err := a.subscribers(ctx)
	if err != nil {
		a.log.Warn("sio/queue: cannot count the servers", "channel", a.channel, "err", err)
		return 1
	}
	return n
}

// subscribers asks the bus's SubscriberCounter for the cluster size, within
// the request timeout.
func (a *Adapter) subscribers(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.RequestTimeout)
	defer cancel()
	n, err := a.counter.Subscribers(ctx, a.channel)
	if err != nil {
		return 0, fmt.Errorf("%w: cannot count the servers: %w", ErrRequestTimeout, err)
	}
	return max(n, 1), nil
}

// looksLikeSocketID reports whether room has the length of a socket id (20
// UTF-16 code units, as JavaScript counts), as the sharded Redis adapter
// tells them.
func looksLikeSocketID(room string) bool {
	n := 0
	for _, r := range room {
		n += utf16.RuneLen(r)
		if n > 20 {
			return false
		}
	}
	return n == 20
}

// broadcastChannel returns the channel of a broadcast without
// acknowledgements: its room's in the dynamic modes when it targets
// exactly one room (not one that looks like a socket id, in
// SubscriptionDynamic), else the namespace's.
func (a *Adapter) broadcastChannel(opts core.BroadcastOptions) string {
	if len(opts.Rooms) != 1 {
		return a.channel
	}
	switch a.opts.SubscriptionMode {
	case SubscriptionDynamic:
		if looksLikeSocketID(opts.Rooms[0]) {
			return a.channel
		}
	case SubscriptionDynamicPrivate:
	default:
		return a.channel
	}
	return a.roomChannel(opts.Rooms[0])
}

// roomChannel returns the channel of room in the dynamic modes.
func (a *Adapter) roomChannel(room string) string { return a.channel + room + "#" }

// roomChannels keeps an adapter's subscriptions to its rooms' channels in
// step with its rooms: the room hook (run under the MemoryAdapter's lock)
// records what is wanted, and a goroutine subscribes and unsubscribes. The
// memory is one entry per room.
type roomChannels struct {
	a    *Adapter
	wake chan struct{} // a change to apply
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex      // guards the fields below
	exists  map[string]bool // the rooms with a member here (the hook's view)
	pre     map[string]int  // rooms subscribed ahead of a join in progress
	dirty   map[string]struct{}
	gen     uint64        // changes recorded
	applied uint64        // changes applied
	settled chan struct{} // closed (and replaced) when changes are applied

	have map[string]func() // the worker's subscriptions
}

func newRoomChannels(a *Adapter) *roomChannels {
	rc := &roomChannels{
		a:       a,
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		exists:  make(map[string]bool),
		pre:     make(map[string]int),
		dirty:   make(map[string]struct{}),
		settled: make(chan struct{}),
		have:    make(map[string]func()),
	}
	a.MemoryAdapter.WatchRooms(rc.changed)
	go rc.run()
	return rc
}

// changed is the room hook.
func (rc *roomChannels) changed(room string, created, private bool) {
	if created && private && rc.a.opts.SubscriptionMode != SubscriptionDynamicPrivate {
		return
	}
	rc.mu.Lock()
	if created {
		rc.exists[room] = true
	} else {
		delete(rc.exists, room)
	}
	rc.markLocked(room)
	rc.mu.Unlock()
}

// markLocked records a change of room for the worker; rc.mu is held.
func (rc *roomChannels) markLocked(room string) {
	rc.dirty[room] = struct{}{}
	rc.gen++
	select {
	case rc.wake <- struct{}{}:
	default:
	}
}

// wantLocked reports whether room's channel should be subscribed; rc.mu is
// held.
func (rc *roomChannels) wantLocked(room string) bool { return rc.exists[room] || rc.pre[room] > 0 }

// hold subscribes to the channels of rooms ahead of a join that may create
// them, and waits until it is done; release undoes it once the join has
// happened (the rooms that exist then stay subscribed).
func (rc *roomChannels) hold(rooms []string) {
	rc.mu.Lock()
	for _, r := range rooms {
		rc.pre[r]++
		rc.markLocked(r)
	}
	gen := rc.gen
	rc.mu.Unlock()
	rc.wait(gen)
}

func (rc *roomChannels) release(rooms []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, r := range rooms {
		if rc.pre[r]--; rc.pre[r] <= 0 {
			delete(rc.pre, r)
		}
		rc.markLocked(r)
	}
}

// run applies the changes until close.
func (rc *roomChannels) run() {
	defer close(rc.done)
	for {
		select {
		case <-rc.stop:
			return
		case <-rc.wake:
		}
		rc.mu.Lock()
		dirty := rc.dirty
		rc.dirty = make(map[string]struct{})
		gen := rc.gen
		rc.mu.Unlock()
		for room := range dirty {
			rc.mu.Lock()
			want := rc.wantLocked(room)
			rc.mu.Unlock()
			unsub, have := rc.have[room]
			switch {
			case want && !have:
				rc.subscribe(room)
			case !want && have:
				unsub()
				delete(rc.have, room)
			}
		}
		rc.mu.Lock()
		rc.applied = gen
		close(rc.settled)
		rc.settled = make(chan struct{})
		rc.mu.Unlock()
	}
}

// wait waits (at most holdWait or the request timeout) until the changes
// up to gen are applied.
func (rc *roomChannels) wait(gen uint64) {
	t := time.NewTimer(min(rc.a.opts.RequestTimeout, holdWait))
	defer t.Stop()
	for {
		rc.mu.Lock()
		if rc.applied >= gen {
			rc.mu.Unlock()
			return
		}
		ch := rc.settled
		rc.mu.Unlock()
		select {
		case <-ch:
		case <-t.C:
			return
		case <-rc.stop:
			return
		}
	}
}

// newRooms returns the rooms of a join by the sockets ids (nil: unknown)
// that have no member here yet and get a channel in the mode.
func (a *Adapter) newRooms(ids []string, rooms []string) []string {
	var out []string
	for _, r := range rooms {
		if len(a.MemoryAdapter.Sockets([]string{r})) > 0 {
			continue
		}
		private := a.nsp.Socket(r) != nil || slices.Contains(ids, r)
		if private && a.opts.SubscriptionMode != SubscriptionDynamicPrivate {
			continue
		}
		out = append(out, r)
	}
	return out
}

// AddAll implements core.Adapter. In the dynamic modes, the channels of the
// rooms it creates are subscribed before the socket joins them, so that a
// broadcast to a room sent after a Join returns reaches the socket from
// every server.
func (a *Adapter) AddAll(id string, rooms []string) {
	if a.rooms == nil {
		a.MemoryAdapter.AddAll(id, rooms)
		return
	}
	fresh := a.newRooms([]string{id}, rooms)
	if len(fresh) > 0 {
		a.rooms.hold(fresh)
		defer a.rooms.release(fresh)
	}
	a.MemoryAdapter.AddAll(id, rooms)
}

// addSockets applies another server's SOCKETS_JOIN, subscribing to the new
// rooms' channels first as AddAll does.
func (a *Adapter) addSockets(opts core.BroadcastOptions, rooms []string) {
	if a.rooms == nil {
		a.MemoryAdapter.AddSockets(opts, rooms)
		return
	}
	fresh := a.newRooms(nil, rooms)
	if len(fresh) > 0 {
		a.rooms.hold(fresh)
		defer a.rooms.release(fresh)
	}
	a.MemoryAdapter.AddSockets(opts, rooms)
}

func (rc *roomChannels) subscribe(room string) {
	a := rc.a
	ch := a.roomChannel(room)
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestTimeout)
	defer cancel()
	unsub, err := a.bus.Subscribe(WithDeliveryGroup(ctx, a), ch, a.onMessage)
	if err != nil {
		a.log.Error("sio/queue: cannot subscribe to a room's channel, retrying in 1s", "channel", ch, "err", err)
		time.AfterFunc(roomRetry, func() { // while the room is wanted
			select {
			case <-rc.stop:
			default:
				rc.mu.Lock()
				rc.markLocked(room)
				rc.mu.Unlock()
			}
		})
		return
	}
	rc.have[room] = unsub
}

// The room channels' timings: a failed subscription is retried after
// roomRetry; a join waits at most holdWait for its rooms' subscriptions
// (then joins anyway: the broker is failing).
const (
	roomRetry = time.Second
	holdWait  = time.Second
)

// close stops the worker and ends the room subscriptions.
func (rc *roomChannels) close() {
	rc.a.MemoryAdapter.WatchRooms(nil)
	close(rc.stop)
	<-rc.done
	for _, unsub := range rc.have {
		unsub()
	}
	rc.have = nil
}
