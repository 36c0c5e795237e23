package natsq

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/bustest"
	"github.com/socketio-go/sio/queue/internal/faulttest"
)

// TestBrokerRestart kills the NATS server under two servers while one
// broadcasts, checks that requests fail within their timeout during the
// outage, restarts it, and checks that both buses reconnect, resubscribe
// and log it, within faulttest.Reconnect.
func TestBrokerRestart(t *testing.T) {
	t.Run("core", func(t *testing.T) { testBrokerRestart(t, false) })
	t.Run("jetstream", func(t *testing.T) { testBrokerRestart(t, true) })
}

// testBrokerRestart runs the scenario on Buses, or on JetStreamBuses
// (stream on file: it outlives the restart), whose broadcasts then come
// through the log consumers, recreated after the reconnection.
func testBrokerRestart(t *testing.T, js bool) {
	srv := startNATSServer(t)
	log, logs := faulttest.NewLogs(t)
	prefix := testPrefix(t)
	jopts := testJetStream(t, srv.URL())
	jopts.Memory = false
	var buses []*Bus
	var reconnects atomic.Int32
	opts := Options{Logger: log, OnReconnect: func() { reconnects.Add(1) }}
	faulttest.RunRestart(t, func() core.ClientManager {
		var bus queue.Bus
		if js {
			jb := newJetStreamBus(t, srv.URL(), opts, jopts)
			buses = append(buses, jb.Bus)
			bus = jb
		} else {
			b := newBus(t, srv.URL(), opts)
			buses = append(buses, b)
			bus = b
		}
		return queue.NewManager(bus, queue.Options{ChannelPrefix: prefix, RequestTimeout: faulttest.RequestTimeout, Logger: log})
	}, faulttest.Broker{
		Cut:     srv.stop,
		Restore: srv.restart,
		Connected: func() bool {
			for _, b := range buses {
				if !b.Connected() {
					return false
				}
			}
			return true
		},
	})
	if n := logs.Count("sio/natsq: disconnected from the server, reconnecting"); n < 2 {
		t.Errorf("%d disconnection lines, want one per bus", n)
	}
	if n := logs.Count("sio/natsq: reconnected and resubscribed"); n < 2 {
		t.Errorf("%d reconnection lines, want one per bus", n)
	}
	if n := reconnects.Load(); n < 2 {
		t.Errorf("OnReconnect called %d times, want once per bus", n)
	}
}

// TestReconnectBufferDrops: while the server is down, publishes wait in
// the bounded reconnect buffer; beyond it they are dropped with ErrDropped,
// counted and logged (once per second at most), and the buffered ones are
// sent on reconnection (after the resubscriptions: the bus's own
// subscription gets them).
func TestReconnectBufferDrops(t *testing.T) {
	srv := startNATSServer(t)
	log, logs := faulttest.NewLogs(t)
	var publishErrors atomic.Int32
	b := newBus(t, srv.URL(), Options{Logger: log, MaxPending: 4 << 10, OnPublishError: func(error) { publishErrors.Add(1) }})
	ch := testPrefix(t) + "#/#"
	got := make(chan []byte, 1000)
	ctx := context.Background()
	if _, err := b.Subscribe(ctx, ch, func(m []byte) { got <- m }); err != nil {
		t.Fatal(err)
	}
	srv.stop()
	bustest.WaitFor(t, "the outage", faulttest.Reconnect, func() bool { return !b.Connected() })
	msg := []byte(strings.Repeat("x", 100))
	sent, dropped := 0, 0
	for range 200 {
		switch err := b.Publish(ctx, ch, msg); {
		case err == nil:
			sent++
		case errors.Is(err, ErrDropped):
			dropped++
		default:
			t.Fatalf("Publish during the outage: %v", err)
		}
	}
	if sent == 0 || dropped == 0 || sent > 4<<10/100 {
		t.Fatalf("%d buffered and %d dropped of 200 publishes of 100 bytes with a 4 KiB buffer", sent, dropped)
	}
	if b.Dropped() != uint64(dropped) || publishErrors.Load() != int32(dropped) {
		t.Errorf("Dropped() = %d, OnPublishError called %d times, want %d", b.Dropped(), publishErrors.Load(), dropped)
	}
	if n := logs.Count("reconnect buffer full, message dropped"); n != 1 {
		t.Errorf("%d drop lines for %d drops within a second, want 1", n, dropped)
	}
	srv.restart()
	for i := range sent {
		select {
		case <-got:
		case <-time.After(siotest.Wait):
			t.Fatalf("%d of the %d buffered messages arrived", i, sent)
		}
	}
}
