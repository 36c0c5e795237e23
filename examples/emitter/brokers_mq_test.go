package main

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/kafkaq"
	"github.com/socketio-go/sio/queue/pymsg"
)

// expectEmits subscribes to the cluster channel and the python channel on
// bus, runs the emitter on base in both formats and checks what arrives.
func expectEmits(t *testing.T, bus queue.Bus, base, prefix, channel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan []byte, 4)
	for _, ch := range []string{prefix + "#/chat#", channel} {
		if _, err := bus.Subscribe(ctx, ch, func(b []byte) { got <- b }); err != nil {
			t.Fatal(err)
		}
	}
	next := func() []byte {
		t.Helper()
		select {
		case b := <-got:
			return b
		case <-ctx.Done():
			t.Fatal("nothing published")
		}
		return nil
	}
	if err := run(base+"?prefix="+prefix, "/chat", "room1", []string{"news", `"hi"`}); err != nil {
		t.Fatal(err)
	}
	h, data, err := queue.SplitMessage(next())
	if err != nil || h.UID != "emitter" || h.Type != queue.TypeBroadcast || h.NSP != "/chat" || len(data) == 0 {
		t.Errorf("cluster format: %+v %v", h, err)
	}
	if err := run(base+"?format=python&channel="+channel, "/chat", "room1", []string{"news", `"hi"`}); err != nil {
		t.Fatal(err)
	}
	m, err := pymsg.Decode(next())
	if err != nil || m.Method != pymsg.MethodEmit || m.Event != "news" || m.Namespace != "/chat" || len(m.Rooms) != 1 || m.Rooms[0] != "room1" {
		t.Errorf("python format: %+v %v", m, err)
	}
	if err := run(base+"?format=nope", "/", "", []string{"e"}); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("unknown format: %v", err)
	}
}

// TestEmitAMQP runs the emitter through the shared RabbitMQ, on exchanges
// of the test's own.
func TestEmitAMQP(t *testing.T) {
	base := "amqp://guest:guest@127.0.0.1:5672/"
	if c, err := net.DialTimeout("tcp", "127.0.0.1:5672", 2*time.Second); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("RabbitMQ is not reachable: %v", err)
		}
		t.Skipf("RabbitMQ is not reachable: %v", err)
	} else {
		_ = c.Close()
	}
	name := "sio-emitter-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	bus, err := amqpq.New(base, amqpq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = bus.Close()
		if conn, err := amqp.Dial(base); err == nil { // the test's own exchanges
			for _, ex := range []string{name, name + "-py"} {
				if ch, err := conn.Channel(); err == nil {
					_ = ch.ExchangeDelete(ex, true, false)
					_ = ch.Close()
				}
			}
			_ = conn.Close()
		}
	}()
	expectEmits(t, bus, base, name, name+"-py")
}

// TestEmitKafka runs the emitter through an in-process Kafka (kfake).
func TestEmitKafka(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	base := "kafka://" + strings.Join(c.ListenAddrs(), ",")
	bus, err := kafkaq.New(base, kafkaq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	expectEmits(t, bus, base, "sio-emitter-test", "sio-emitter-test-py")
}
