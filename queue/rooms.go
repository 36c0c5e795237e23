package queue

import (
	"context"
	"sync"
	"unicode/utf16"

	"github.com/socketio-go/sio/core"
)

// countServers returns the cluster size from the bus's SubscriberCounter:
// the subscriptions of the namespace's channel (at least 1, this server).
func (a *Adapter) countServers(ctx context.Context) int {
	ctx, cancel := context.WithTimeout(ctx, a.opts.RequestTimeout)
	defer cancel()
	n, err := a.counter.Subscribers(ctx, a.channel)
	if err != nil {
		a.log.Warn("sio/queue: cannot count the servers", "channel", a.channel, "err", err)
		return 1
	}
	return max(n, 1)
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

	mu    sync.Mutex // guards want and dirty
	want  map[string]bool
	dirty map[string]struct{}

	have map[string]func() // the worker's subscriptions
}

func newRoomChannels(a *Adapter) *roomChannels {
	rc := &roomChannels{
		a:     a,
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		want:  make(map[string]bool),
		dirty: make(map[string]struct{}),
		have:  make(map[string]func()),
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
		rc.want[room] = true
	} else {
		delete(rc.want, room)
	}
	rc.dirty[room] = struct{}{}
	rc.mu.Unlock()
	select {
	case rc.wake <- struct{}{}:
	default:
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
		rc.mu.Unlock()
		for room := range dirty {
			rc.mu.Lock()
			want := rc.want[room]
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
	}
}

func (rc *roomChannels) subscribe(room string) {
	a := rc.a
	ch := a.roomChannel(room)
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestTimeout)
	defer cancel()
	unsub, err := a.bus.Subscribe(WithDeliveryGroup(ctx, a), ch, a.onMessage)
	if err != nil {
		a.log.Error("sio/queue: cannot subscribe to a room's channel", "channel", ch, "err", err)
		return
	}
	rc.have[room] = unsub
}

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
