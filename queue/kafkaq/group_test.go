package kafkaq_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/socketio-go/sio/queue/kafkaq"
)

// TestGroupStartOffsets: with a consumer group, a record stored right
// after Subscribe returned is delivered however the broker orders the
// consumer's offset requests and the producer's writes. The broker
// answers the group's offset fetch once Subscribe has returned, the first
// request for the topic's offsets after that at once (the record is
// produced when it is answered), and holds every later listing of the
// topic's end until the record is stored: a consumer that only then lists
// where a partition without a commit starts (by time, which finds
// nothing yet, and then the end, which is past the record) skips it.
func TestGroupStartOffsets(t *testing.T) {
	c, url := newKafka(t)
	b := newBus(t, url, kafkaq.Options{Group: uniq("sio-node")})
	ch := uniq("sio-test") + "#/#"
	topic := kafkaq.TopicOf(ch)

	subscribed := make(chan struct{}) // Subscribe returned
	started := make(chan struct{})    // the topic's offsets were asked for after that
	stored := make(chan struct{})     // the first record is stored
	afterSubscribe := func() bool {
		select {
		case <-subscribed:
			return true
		default:
			return false
		}
	}
	var once sync.Once
	first := func() bool { // the first request for the topic's offsets after Subscribe returned
		f := false
		once.Do(func() { f = true; close(started) })
		return f
	}
	c.ControlKey(int16(kmsg.OffsetFetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		c.SleepControl(func() { <-subscribed })
		return nil, nil, false
	})
	c.ControlKey(int16(kmsg.OffsetForLeaderEpoch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		for _, rt := range req.(*kmsg.OffsetForLeaderEpochRequest).Topics {
			if rt.Topic == topic && afterSubscribe() {
				first()
			}
		}
		return nil, nil, false
	})
	c.ControlKey(int16(kmsg.ListOffsets), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		for _, rt := range req.(*kmsg.ListOffsetsRequest).Topics {
			if rt.Topic == topic && afterSubscribe() && !first() && len(rt.Partitions) > 0 && rt.Partitions[0].Timestamp == -1 {
				c.SleepControl(func() { <-stored })
			}
		}
		return nil, nil, false
	})

	in := newInbox()
	subscribe(t, b, ch, in.Add)
	close(subscribed)
	select {
	case <-started:
	case <-time.After(wait):
		t.Fatal("the consumer never asked for the topic's offsets after Subscribe returned")
	}

	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	produce := func(v string) {
		t.Helper()
		if err := prod.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(ch), Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatalf("producing %q: %v", v, err)
		}
	}
	produce("first")
	close(stored)
	produce("second")
	if got := in.WaitN(t, "the records", 1); string(got[0]) != "first" {
		t.Fatalf("first record delivered: %q, want \"first\" (it was skipped)", got[0])
	}
	in.WaitN(t, "both records", 2)
}
