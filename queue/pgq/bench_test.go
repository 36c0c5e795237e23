package pgq

import (
	"context"
	"testing"
	"time"
)

// BenchmarkPublish measures messages through the shared PostgreSQL: b.N
// cluster-sized JSON messages published, and all of them received by a
// subscription of another bus.
func BenchmarkPublish(b *testing.B) {
	dbURL := pgURL(b)
	opts := testOptions(b, dbURL)
	opts.MaxInFlight = b.N + 1
	pub, sub := newBus(b, dbURL, opts), newBus(b, dbURL, opts)
	ch := testName(b) + "#/#"
	got := make(chan struct{}, 1)
	n := 0
	ctx := context.Background()
	if _, err := sub.Subscribe(ctx, ch, func([]byte) {
		if n++; n == b.N {
			got <- struct{}{}
		}
	}); err != nil {
		b.Fatal(err)
	}
	msg := []byte(`{"uid":"0123456789abcdef","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["news","hello world"]},"opts":{"rooms":[],"except":[],"flags":{}}}}`)
	b.ResetTimer()
	for range b.N {
		if err := pub.Publish(ctx, ch, msg); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-got:
	case <-time.After(time.Minute):
		b.Fatalf("%d of %d received", n, b.N)
	}
}
