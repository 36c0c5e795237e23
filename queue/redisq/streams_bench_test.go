package redisq

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socketio-go/sio/queue"
)

// benchMessage is a cluster-sized BROADCAST.
var benchMessage = []byte(`{"uid":"0123456789abcdef","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["news","hello world"],"nsp":"/"},"opts":{"rooms":[],"except":[],"flags":{}}}}`)

// benchDelivery publishes b.N messages with send on one bus and waits until
// another bus's subscription (made with subscribe) received them all.
func benchDelivery(b *testing.B, subscribe func(fn func()) error, send func(ctx context.Context) error) {
	var n atomic.Int64
	done := make(chan struct{})
	if err := subscribe(func() {
		if n.Add(1) == int64(b.N) {
			close(done)
		}
	}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if err := send(ctx); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		b.Fatalf("%d of %d received", n.Load(), b.N)
	}
}

// BenchmarkShardedPublish measures messages through the shared Redis with
// SPUBLISH, received by another bus's SSUBSCRIBE.
func BenchmarkShardedPublish(b *testing.B) {
	client := requireRedis(b)
	pub, sub := NewShardedBus(client, ShardedOptions{}), NewShardedBus(client, ShardedOptions{})
	b.Cleanup(func() { _ = pub.Close(); _ = sub.Close() })
	ch := testPrefix(b) + "#/#"
	benchDelivery(b, func(fn func()) error {
		_, err := sub.Subscribe(context.Background(), ch, func([]byte) { fn() })
		return err
	}, func(ctx context.Context) error { return pub.Publish(ctx, ch, benchMessage) })
}

// BenchmarkStreamsAppend measures broadcasts through a Redis stream: XADD
// (with the transcoding of the entry's data) and the XREAD of another bus.
func BenchmarkStreamsAppend(b *testing.B) {
	client := requireRedis(b)
	p := testPrefix(b)
	b.Cleanup(func() { client.Del(context.Background(), p) })
	opts := StreamsOptions{StreamName: p, ChannelPrefix: p, MaxLen: int64(b.N) + 1000}
	pub, sub := NewStreamsBus(client, opts), NewStreamsBus(client, opts)
	b.Cleanup(func() { _ = pub.Close(); _ = sub.Close() })
	ch := p + "#/#"
	msg, err := queue.Transcode(benchMessage, queue.EncodingMsgpack) // as the manager writes it
	if err != nil {
		b.Fatal(err)
	}
	benchDelivery(b, func(fn func()) error {
		_, err := sub.SubscribeLog(context.Background(), ch, func(string, []byte) { fn() })
		return err
	}, func(ctx context.Context) error {
		_, err := pub.Append(ctx, ch, msg)
		return err
	})
}
