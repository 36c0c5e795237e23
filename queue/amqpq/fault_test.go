package amqpq_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/internal/faultproxy"
	"github.com/socketio-go/sio/queue/internal/faulttest"
)

// TestConnectionLoss cuts a node's broker connection while the other node
// streams server-side events to it: the node logs the loss, fails its
// publishes at once while disconnected, answers a request with a timeout
// instead of hanging, reconnects and subscribes again within 5s of the
// broker being reachable, and receives the stream again; its hooks see
// the failed publishes and the one reconnection. Nothing leaks (goleak in
// TestMain).
func TestConnectionLoss(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	proxy, err := faultproxy.New(brokerAddr(t, broker))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	logs := &logBuf{}
	var reconnects, notConnected atomic.Int64
	busA := newBus(t, viaAddr(t, broker, proxy.Addr(), ""), ex, amqpq.Options{Logger: logs.Logger(),
		OnReconnect: func() { reconnects.Add(1) },
		OnPublishError: func(err error) {
			if errors.Is(err, amqpq.ErrNotConnected) {
				notConnected.Add(1)
			}
		}})
	busB := newBus(t, broker, ex, amqpq.Options{})
	qopts := queue.Options{ChannelPrefix: uniq("sio-test"), RequestTimeout: time.Second,
		HeartbeatInterval: 200 * time.Millisecond, HeartbeatTimeout: 3 * time.Second}
	a := startServer(t, busA, qopts, logs)
	b := startServer(t, busB, qopts, nil)
	var got atomic.Int64
	a.OnServerSideEmit("ping", func(core.Args) []any { got.Add(1); return []any{"pong"} })
	ctx := context.Background()
	waitFor(t, "both servers to count 2", wait, func() bool { return a.ServerCount(ctx) == 2 && b.ServerCount(ctx) == 2 })

	stop := make(chan struct{})
	streamDone := make(chan struct{})
	go func() {
		defer close(streamDone)
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				_ = b.ServerSideEmit("ping")
			}
		}
	}()
	defer func() { close(stop); <-streamDone }()
	waitFor(t, "the stream to reach a", wait, func() bool { return got.Load() > 20 })

	oldQueue := busA.QueueName()
	proxy.Refuse(true)
	proxy.Cut()
	waitFor(t, "a to notice the loss", wait, func() bool { return !busA.Connected() })
	before := notConnected.Load()
	if err := busA.Publish(ctx, qopts.ChannelPrefix+"#/#", []byte("x")); !errors.Is(err, amqpq.ErrNotConnected) {
		t.Errorf("Publish while disconnected: %v, want ErrNotConnected", err)
	}
	if n := notConnected.Load(); n <= before {
		t.Errorf("OnPublishError not called with ErrNotConnected for a Publish while disconnected")
	}
	if n := reconnects.Load(); n != 0 {
		t.Errorf("OnReconnect called %d times before the reconnection", n)
	}
	start := time.Now()
	_, err = a.FetchSockets(ctx)
	if took := time.Since(start); took > qopts.RequestTimeout+2*time.Second {
		t.Errorf("FetchSockets while disconnected took %v", took)
	}
	t.Logf("FetchSockets while disconnected: %v", err)

	proxy.Refuse(false)
	took := waitFor(t, "a to reconnect", 5*time.Second, busA.Connected)
	t.Logf("reconnected %v after the broker became reachable", took)
	if busA.QueueName() == oldQueue {
		t.Errorf("same queue %q after reconnecting", oldQueue)
	}
	if n := reconnects.Load(); n != 1 {
		t.Errorf("OnReconnect called %d times, want 1", n)
	}
	received := got.Load()
	waitFor(t, "the stream to reach a again", 5*time.Second, func() bool { return got.Load() > received+20 })
	replies, err := b.ServerSideEmitWithAck(ctx, "ping")
	if err != nil || len(replies) != 1 {
		t.Errorf("ServerSideEmitWithAck after reconnecting: %d replies, %v", len(replies), err)
	}
	for _, want := range []string{"connection lost, reconnecting", "reconnected"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log has no %q line:\n%s", want, logs)
		}
	}
}

// TestInFlightBound: while the broker's confirmations are held back, a
// node has at most MaxInFlight publishes outstanding; the next ones are
// dropped with ErrInFlight, one log line and a call of OnPublishError
// each, and publishing works again once the confirmations arrive.
func TestInFlightBound(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	proxy, err := faultproxy.New(brokerAddr(t, broker))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	logs := &logBuf{}
	const bound = 8
	var publishErrors atomic.Int64
	bus := newBus(t, viaAddr(t, broker, proxy.Addr(), ""), ex, amqpq.Options{MaxInFlight: bound, Logger: logs.Logger(),
		OnPublishError: func(err error) {
			if errors.Is(err, amqpq.ErrInFlight) {
				publishErrors.Add(1)
			}
		}})
	ch := uniq("sio-test") + "#/#"
	in := newInbox()
	subscribe(t, bus, ch, in.Add)
	publish(t, bus, ch, []byte("first")) // declares the exchange
	in.WaitN(t, "first", 1)
	waitFor(t, "the first confirmation", wait, func() bool { return bus.InFlight() == 0 })

	proxy.Stall(true)
	ctx := context.Background()
	sent, dropped := 0, 0
	for range 3 * bound {
		err := bus.Publish(ctx, ch, []byte("m"))
		switch {
		case err == nil:
			sent++
		case errors.Is(err, amqpq.ErrInFlight):
			dropped++
		default:
			t.Fatalf("Publish: %v", err)
		}
	}
	if sent != bound || dropped != 2*bound {
		t.Errorf("%d sent and %d dropped with confirmations held back, want %d and %d", sent, dropped, bound, 2*bound)
	}
	if n := publishErrors.Load(); n != int64(dropped) {
		t.Errorf("OnPublishError called with ErrInFlight %d times, want %d (once per drop)", n, dropped)
	}
	if n := strings.Count(logs.String(), "unconfirmed publishes at the bound"); n != 1 {
		t.Errorf("%d drop log lines, want 1 (rate-limited):\n%s", n, logs)
	}
	proxy.Stall(false)
	in.WaitN(t, "the publishes that went out", 1+bound)
	waitFor(t, "publishing to work again", wait, func() bool { return bus.Publish(ctx, ch, []byte("again")) == nil })
}

// TestChannelClose: a channel closed by the broker (a refused exchange
// declaration: another test's direct exchange under that name) fails that
// Subscribe with the broker's reason, and the bus reconnects (channel
// close notification) with its other subscriptions working again.
func TestChannelClose(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	logs := &logBuf{}
	var reconnects atomic.Int64
	bus := newBus(t, broker, ex, amqpq.Options{Logger: logs.Logger(), OnReconnect: func() { reconnects.Add(1) }})
	good := uniq("sio-test") + "#/#"
	in := newInbox()
	subscribe(t, bus, good, in.Add)

	direct := uniq("sio-test")
	ex.add(direct)
	conn, err := amqp.Dial(broker)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.ExchangeDeclare(direct, amqp.ExchangeDirect, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err = bus.Subscribe(ctx, direct+"#/#", func([]byte) {})
	var ae *amqp.Error
	if !errors.As(err, &ae) || ae.Code != amqp.PreconditionFailed {
		t.Fatalf("Subscribe to a direct exchange: %v, want PRECONDITION_FAILED", err)
	}
	waitFor(t, "the bus to reconnect", 5*time.Second, func() bool {
		return strings.Contains(logs.String(), "reconnected") && bus.Connected()
	})
	publish(t, bus, good, []byte("after"))
	if m := in.WaitN(t, "the other subscription after reconnecting", 1); string(m[0]) != "after" {
		t.Errorf("got %q", m[0])
	}

	// Publishing to it closes the publishing channel once; later
	// publishes fail at once with the broker's reason.
	_ = bus.Publish(ctx, direct+"#/#", []byte("x"))
	waitFor(t, "the bus to reconnect again", 5*time.Second, func() bool {
		return strings.Count(logs.String(), "reconnected") >= 2 && bus.Connected()
	})
	for range 3 {
		if err := bus.Publish(ctx, direct+"#/#", []byte("x")); !errors.As(err, &ae) || ae.Code != amqp.PreconditionFailed {
			t.Fatalf("Publish to the refused exchange: %v", err)
		}
	}
	if n := strings.Count(logs.String(), "reconnected"); n != 2 {
		t.Errorf("%d reconnections, want 2", n)
	}
	if n := reconnects.Load(); n != 2 {
		t.Errorf("OnReconnect called %d times, want 2", n)
	}
}

// TestRestartScenario runs the shared broker-restart scenario (broadcasts
// in flight, requests during the outage, back within 5s) with both
// servers' connections cut and refused at a proxy in front of the shared
// broker.
func TestRestartScenario(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	proxy, err := faultproxy.New(brokerAddr(t, broker))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	log, logs := faulttest.NewLogs(t)
	via := viaAddr(t, broker, proxy.Addr(), "")
	busA := newBus(t, via, ex, amqpq.Options{Logger: log})
	busB := newBus(t, via, ex, amqpq.Options{Logger: log})
	buses := []tracked{busA, busB}
	prefix := uniq("sio-test")
	i := 0
	faulttest.RunRestart(t, func() core.ClientManager {
		i++
		return queue.NewManager(buses[i-1], queue.Options{ChannelPrefix: prefix, RequestTimeout: faulttest.RequestTimeout})
	}, faulttest.Broker{
		Cut:       func() { proxy.Refuse(true); proxy.Cut() },
		Restore:   func() { proxy.Refuse(false) },
		Connected: func() bool { return busA.Connected() && busB.Connected() },
	})
	for _, want := range []string{"connection lost, reconnecting", "reconnected"} {
		if logs.Count(want) < 2 {
			t.Errorf("%d %q log lines, want one per bus", logs.Count(want), want)
		}
	}
}
