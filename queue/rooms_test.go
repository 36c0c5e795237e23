package queue_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
)

// channelBus records the channels a Bus publishes on and subscribes to.
type channelBus struct {
	queue.Bus
	mu        sync.Mutex
	published map[string]int
	active    map[string]int // subscriptions not yet ended
}

func newChannelBus(b queue.Bus) *channelBus {
	return &channelBus{Bus: b, published: make(map[string]int), active: make(map[string]int)}
}

func (b *channelBus) Publish(ctx context.Context, channel string, msg []byte) error {
	b.mu.Lock()
	b.published[channel]++
	b.mu.Unlock()
	return b.Bus.Publish(ctx, channel, msg)
}

func (b *channelBus) Subscribe(ctx context.Context, channel string, fn func([]byte)) (func(), error) {
	unsub, err := b.Bus.Subscribe(ctx, channel, fn)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.active[channel]++
	b.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			b.active[channel]--
			b.mu.Unlock()
		})
		unsub()
	}, nil
}

func (b *channelBus) count(m map[string]int, channel string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return m[channel]
}

// TestDynamicSubscription checks SubscriptionDynamic: a server subscribes
// to a public room's channel while the room has a member on it, a
// broadcast to that one room goes to the room's channel (and reaches the
// members on every server), a broadcast to a socket id or to two rooms
// goes to the namespace's channel. With SubscriptionDynamicPrivate, socket
// ids have their channel too.
func TestDynamicSubscription(t *testing.T) {
	var rec *channelBus
	c := newCluster(t, 2, clusterConfig{
		queue: queue.Options{SubscriptionMode: queue.SubscriptionDynamic},
		bus:   func(b queue.Bus) queue.Bus { rec = newChannelBus(b); return rec },
	})
	for _, nd := range c.nodes {
		joinHandler(nd)
		nd.On("leave", func(s *core.Socket, room string) { s.Leave(room) })
	}
	c.waitCount(2)
	a, b := c.nodes[0], c.nodes[1]
	ca, sida := a.connect(t, "/", "", nil)
	cb, _ := b.connect(t, "/", "", nil)
	const room = "socket.io#/#blue#"
	ca.Call(t, "/", "join", "blue")
	waitFor(t, "a subscription to the room's channel", func() bool { return rec.count(rec.active, room) == 1 })
	cb.Call(t, "/", "join", "blue")
	waitFor(t, "both servers on the room's channel", func() bool { return rec.count(rec.active, room) == 2 })

	_ = b.To("blue").Emit("blue", 1)
	ca.ExpectEvent(t, "/", "blue")
	cb.ExpectEvent(t, "/", "blue")
	if n := rec.count(rec.published, room); n != 1 {
		t.Errorf("%d broadcasts on %s, want 1", n, room)
	}
	if rec.count(rec.active, "socket.io#/#"+sida+"#") != 0 {
		t.Error("subscribed to a socket id's channel in dynamic mode")
	}
	before := rec.count(rec.published, "socket.io#/#")
	_ = b.To(sida).Emit("private")      // a socket id: 20 characters
	_ = b.To("blue", "red").Emit("two") // two rooms
	ca.ExpectEvent(t, "/", "private")
	ca.ExpectEvent(t, "/", "two")
	if n := rec.count(rec.published, "socket.io#/#") - before; n != 2 {
		t.Errorf("%d broadcasts on the namespace's channel, want 2", n)
	}

	ca.Call(t, "/", "leave", "blue")
	cb.Close()
	waitFor(t, "the room's subscriptions to end", func() bool { return rec.count(rec.active, room) == 0 })
}

// TestDynamicPrivateSubscription checks that SubscriptionDynamicPrivate
// gives each socket id its channel, where broadcasts to it go.
func TestDynamicPrivateSubscription(t *testing.T) {
	var rec *channelBus
	c := newCluster(t, 2, clusterConfig{
		queue: queue.Options{SubscriptionMode: queue.SubscriptionDynamicPrivate},
		bus:   func(b queue.Bus) queue.Bus { rec = newChannelBus(b); return rec },
	})
	c.waitCount(2)
	ca, sida := c.nodes[0].connect(t, "/", "", nil)
	ch := "socket.io#/#" + sida + "#"
	waitFor(t, "a subscription to the socket's channel", func() bool { return rec.count(rec.active, ch) == 1 })
	_ = c.nodes[1].To(sida).Emit("private")
	ca.ExpectEvent(t, "/", "private")
	if n := rec.count(rec.published, ch); n != 1 {
		t.Errorf("%d broadcasts on %s, want 1", n, ch)
	}
	ca.Close()
	waitFor(t, "the subscription to end", func() bool { return rec.count(rec.active, ch) == 0 })
}

// TestSubscriberCount checks a bus that counts subscribers: no heartbeats
// are published, the cluster size follows the subscriptions, and requests
// wait for that many answers.
func TestSubscriberCount(t *testing.T) {
	bus := queue.NewMemoryLogBus(0)
	t.Cleanup(func() { _ = bus.Close() })
	rec := newChannelBus(bus)
	c := newCluster(t, 3, clusterConfig{bus: func(queue.Bus) queue.Bus { return subscriberBus{rec, bus} }})
	for _, nd := range c.nodes {
		if n := nd.ServerCount(context.Background()); n != 3 {
			t.Fatalf("ServerCount %d, want 3", n)
		}
	}
	for i, nd := range c.nodes {
		nd.connect(t, "/", "", nil)
		nd.OnServerSideEmit("hi", func(core.Args) []any { return []any{i} })
	}
	socks, err := c.nodes[0].FetchSockets(context.Background())
	if err != nil || len(socks) != 3 {
		t.Fatalf("FetchSockets: %d sockets, %v", len(socks), err)
	}
	replies, err := c.nodes[1].ServerSideEmitWithAck(context.Background(), "hi", 1)
	if err != nil || len(replies) != 2 {
		t.Fatalf("ServerSideEmitWithAck: %d replies, %v", len(replies), err)
	}
	if n := rec.count(rec.published, "socket.io#/#"); n != 2 {
		t.Errorf("%d messages on the namespace's channel, want 2 (no heartbeats)", n)
	}
	c.nodes[2].Shutdown(t)
	if n := c.nodes[0].ServerCount(context.Background()); n != 2 {
		t.Errorf("ServerCount after a shutdown: %d, want 2", n)
	}
}

// subscriberBus is a recorded bus that keeps the SubscriberCounter.
type subscriberBus struct {
	*channelBus
	counter queue.SubscriberCounter
}

func (b subscriberBus) Subscribers(ctx context.Context, channel string) (int, error) {
	return b.counter.Subscribers(ctx, channel)
}

// failThrice is a bus whose first three Subscribe calls to one channel
// fail (those of a join: ahead of it, when the room is created, when the
// join is done), so only the retry succeeds.
type failThrice struct {
	*channelBus
	channel string
	calls   atomic.Int32
}

func (b *failThrice) Subscribe(ctx context.Context, channel string, fn func([]byte)) (func(), error) {
	if channel == b.channel && b.calls.Add(1) <= 3 {
		return nil, errors.New("refused")
	}
	return b.channelBus.Subscribe(ctx, channel, fn)
}

// TestRoomSubscriptionRetry checks that a room channel whose subscription
// failed is subscribed again while the room exists, logged.
func TestRoomSubscriptionRetry(t *testing.T) {
	const room = "socket.io#/#blue#"
	var rec *failThrice
	c := newCluster(t, 2, clusterConfig{
		queue: queue.Options{SubscriptionMode: queue.SubscriptionDynamic},
		bus: func(b queue.Bus) queue.Bus {
			rec = &failThrice{channelBus: newChannelBus(b), channel: room}
			return rec
		},
	})
	for _, nd := range c.nodes {
		joinHandler(nd)
	}
	c.waitCount(2)
	ca, _ := c.nodes[0].connect(t, "/", "", nil)
	ca.Call(t, "/", "join", "blue")
	waitFor(t, "the retried subscription", func() bool { return rec.count(rec.active, room) == 1 })
	if n := rec.calls.Load(); n != 4 {
		t.Errorf("%d subscriptions to the room's channel, want 4 (three refused)", n)
	}
	_ = c.nodes[1].To("blue").Emit("blue")
	ca.ExpectEvent(t, "/", "blue")
	if !strings.Contains(c.nodes[0].logs.String(), "cannot subscribe to a room's channel") {
		t.Error("the failed subscription was not logged")
	}
}
