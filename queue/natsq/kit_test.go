package natsq

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/queuetest"
)

// TestBusConformance runs the Bus contract against a Bus on the shared
// NATS server.
func TestBusConformance(t *testing.T) {
	url := natsURL(t)
	queuetest.RunBus(t, func(t *testing.T) queue.Bus {
		b, err := New(url, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

// TestClusterConformance runs every cluster operation on servers that
// each have their own connection to the shared NATS server, in both
// encodings.
func TestClusterConformance(t *testing.T) {
	url := natsURL(t)
	for _, enc := range []queue.Encoding{queue.EncodingMsgpack, queue.EncodingJSON} {
		t.Run(enc.String(), func(t *testing.T) {
			queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
				prefix := testPrefix(t)
				return func() core.ClientManager {
					return queue.NewManager(newBus(t, url, Options{}), queue.Options{ChannelPrefix: prefix, Encoding: enc})
				}
			})
		})
	}
}

// TestDynamicConformance runs every cluster operation with per-room
// channels (a subject per room), whose order with the namespace's channel
// the delivery groups keep.
func TestDynamicConformance(t *testing.T) {
	url := natsURL(t)
	queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
		prefix := testPrefix(t)
		return func() core.ClientManager {
			return queue.NewManager(newBus(t, url, Options{}), queue.Options{ChannelPrefix: prefix, SubscriptionMode: queue.SubscriptionDynamicPrivate})
		}
	})
}

// TestDeliveryGroup: the subscriptions of one delivery group get their
// messages one at a time, in the order one publisher sent them across
// their channels.
func TestDeliveryGroup(t *testing.T) {
	url := natsURL(t)
	pub, sub := newBus(t, url, Options{}), newBus(t, url, Options{})
	p := testPrefix(t)
	var mu sync.Mutex
	var got []string
	running := 0
	overlap := false
	done := make(chan struct{})
	const n = 300
	ctx := queue.WithDeliveryGroup(context.Background(), "g")
	for _, ch := range []string{"a", "b", "c"} {
		if _, err := sub.Subscribe(ctx, p+"#/"+ch+"#", func(m []byte) {
			mu.Lock()
			running++
			overlap = overlap || running > 1
			mu.Unlock()
			time.Sleep(10 * time.Microsecond) // widen the window an overlap would need
			mu.Lock()
			running--
			got = append(got, string(m))
			if len(got) == n {
				close(done)
			}
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for i := range n {
		ch := []string{"a", "b", "c"}[i%3]
		msg := fmt.Sprintf("%s%d", ch, i)
		want = append(want, msg)
		if err := pub.Publish(context.Background(), p+"#/"+ch+"#", []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(siotest.Wait):
		t.Fatal("the messages did not all arrive")
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("order across the group's channels: %v", got[:min(len(got), 20)])
	}
	if overlap {
		t.Error("two callbacks of the group ran at once")
	}
}
