package amqpq_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/amqpq"
)

// TestBusAcrossConnections: two buses (two connections, two queues) get
// every message of the channels they subscribe to, the publisher's own
// included, in order, and only those: the channels of one exchange are
// told apart by routing key. A 256 KiB message with every byte value
// arrives intact.
func TestBusAcrossConnections(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	a := newBus(t, broker, ex, amqpq.Options{})
	b := newBus(t, broker, ex, amqpq.Options{})
	prefix := uniq("sio-test")
	all, mine := prefix+"#/#", prefix+"#/#"+"0123456789abcdef#"
	inA, inB, inMine := newInbox(), newInbox(), newInbox()
	subscribe(t, a, all, inA.Add)
	subscribe(t, b, all, inB.Add)
	subscribe(t, b, mine, inMine.Add)
	const n = 300
	for i := range n {
		publish(t, a, all, fmt.Appendf(nil, "%d", i))
	}
	publish(t, b, mine, []byte("reply"))
	large := make([]byte, 256<<10)
	_, _ = rand.Read(large)
	publish(t, a, all, large)
	for name, in := range map[string]*inbox{"publisher": inA, "other": inB} {
		msgs := in.WaitN(t, name, n+1)
		for i := range n {
			if string(msgs[i]) != fmt.Sprint(i) {
				t.Fatalf("%s: message %d is %q", name, i, msgs[i])
			}
		}
		if !bytes.Equal(msgs[n], large) || len(msgs) != n+1 {
			t.Errorf("%s: %d messages, last %d bytes", name, len(msgs), len(msgs[len(msgs)-1]))
		}
	}
	if m := inMine.WaitN(t, "reply channel", 1); len(m) != 1 || string(m[0]) != "reply" {
		t.Errorf("reply channel got %q", m)
	}
	if a.QueueName() == "" || a.QueueName() == b.QueueName() {
		t.Errorf("queues %q and %q", a.QueueName(), b.QueueName())
	}
}

// TestBusClose: after Close, Publish and Subscribe fail with
// queue.ErrClosed; a write-only bus refuses to subscribe.
func TestBusClose(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	b, err := amqpq.New(broker, amqpq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := uniq("sio-test") + "#/#"
	ex.add(ch)
	in := newInbox()
	subscribe(t, b, ch, in.Add)
	publish(t, b, ch, []byte("x"))
	in.WaitN(t, "before close", 1)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Publish(ctx, ch, []byte("y")); !errors.Is(err, queue.ErrClosed) {
		t.Errorf("Publish after Close: %v", err)
	}
	if _, err := b.Subscribe(ctx, ch, func([]byte) {}); !errors.Is(err, queue.ErrClosed) {
		t.Errorf("Subscribe after Close: %v", err)
	}
	w := newBus(t, broker, ex, amqpq.Options{WriteOnly: true})
	if _, err := w.Subscribe(ctx, ch, func([]byte) {}); !errors.Is(err, amqpq.ErrWriteOnly) {
		t.Errorf("Subscribe on a write-only bus: %v", err)
	}
	if w.QueueName() != "" {
		t.Errorf("write-only bus has queue %q", w.QueueName())
	}
}

// TestBadURL: a wrong password or an unreachable broker fails New with a
// clear error that does not show the password.
func TestBadURL(t *testing.T) {
	broker := brokerURL(t)
	_, err := amqpq.New(viaAddr(t, "amqp://guest:wrong-secret@x/", brokerAddr(t, broker), ""), amqpq.Options{})
	if err == nil {
		t.Fatal("New with a wrong password succeeded")
	}
	if bytes.Contains([]byte(err.Error()), []byte("wrong-secret")) {
		t.Errorf("the error shows the password: %v", err)
	}
	t.Log(err)
	if _, err := amqpq.New("amqp://guest:guest@127.0.0.1:1/", amqpq.Options{}); err == nil {
		t.Error("New to a closed port succeeded")
	}
}
