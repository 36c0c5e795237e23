package kafkaq_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/socketio-go/sio/queue/kafkaq"
)

// writeCounter counts the requests of each key a client writes.
type writeCounter struct{ n [128]atomic.Int64 }

func (w *writeCounter) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, _ error) {
	if key >= 0 && int(key) < len(w.n) {
		w.n[key].Add(1)
	}
}

var _ kgo.HookBrokerWrite = (*writeCounter)(nil)

// TestClientOptionsEveryClient: Options.ClientOptions reach the consumer
// too (a hook given there sees its fetches and, with a group, its
// joining), not only the producer.
func TestClientOptionsEveryClient(t *testing.T) {
	_, url := newKafka(t)
	for _, group := range []string{"", uniq("sio-node")} {
		w := new(writeCounter)
		b := newBus(t, url, kafkaq.Options{Group: group, ClientOptions: []kgo.Opt{kgo.WithHooks(w)}})
		ch := uniq("sio-test") + "#/#"
		in := newInbox()
		subscribe(t, b, ch, in.Add)
		publish(t, b, ch, []byte("m"))
		in.WaitN(t, "the message", 1)
		if w.n[kmsg.Produce].Load() == 0 || w.n[kmsg.Fetch].Load() == 0 {
			t.Errorf("group %q: the hook saw %d produce and %d fetch requests, want both", group, w.n[kmsg.Produce].Load(), w.n[kmsg.Fetch].Load())
		}
		if group != "" && w.n[kmsg.JoinGroup].Load() == 0 {
			t.Errorf("group %q: the hook saw no JoinGroup request", group)
		}
	}
}
