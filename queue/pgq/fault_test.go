package pgq

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/bustest"
	"github.com/socketio-go/sio/queue/internal/faultproxy"
	"github.com/socketio-go/sio/queue/internal/faulttest"
)

// TestConnectionLoss: two servers reach the shared PostgreSQL through a
// proxy; while one broadcasts, the server ends the buses' connections
// (pg_terminate_backend on their application_name) and the proxy refuses
// new ones; requests fail within their timeout; then the proxy accepts
// again and both buses reconnect, LISTEN again and log it, within
// faulttest.Reconnect.
func TestConnectionLoss(t *testing.T) {
	dbURL := pgURL(t)
	proxy, err := faultproxy.New(hostOf(t, dbURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	log, logs := faulttest.NewLogs(t)
	prefix, opts := testName(t), testOptions(t, dbURL)
	var reconnects atomic.Int32
	opts.Logger, opts.OnReconnect = log, func() { reconnects.Add(1) }
	via := viaAddr(t, dbURL, proxy.Addr())
	var buses []*Bus
	faulttest.RunRestart(t, func() core.ClientManager {
		b := newBus(t, via, opts)
		buses = append(buses, b)
		return NewManager(b, queue.Options{ChannelPrefix: prefix, RequestTimeout: faulttest.RequestTimeout, Logger: log})
	}, faulttest.Broker{
		Cut: func() {
			proxy.Refuse(true)
			if n := terminate(t, dbURL, opts.ApplicationName); n < 2 {
				t.Errorf("terminated %d connections, want the two listening ones at least", n)
			}
		},
		Restore: func() { proxy.Refuse(false) },
		Connected: func() bool {
			for _, b := range buses {
				if !b.Connected() {
					return false
				}
			}
			return true
		},
	})
	if n := logs.Count("sio/pgq: lost the listening connection, reconnecting"); n < 2 {
		t.Errorf("%d connection-loss lines, want one per bus", n)
	}
	if n := logs.Count("sio/pgq: reconnected the listening connection"); n < 2 {
		t.Errorf("%d reconnection lines, want one per bus", n)
	}
	if n := reconnects.Load(); n < 2 {
		t.Errorf("OnReconnect called %d times, want once per bus", n)
	}
}

// TestTerminatedMidBroadcast: the server ends the buses' connections
// while broadcasts flow, without any refusal: they reconnect at once and
// the cluster goes on.
func TestTerminatedMidBroadcast(t *testing.T) {
	dbURL := pgURL(t)
	log, logs := faulttest.NewLogs(t)
	prefix, opts := testName(t), testOptions(t, dbURL)
	opts.Logger = log
	var hosts []*siotest.Host
	for range 2 {
		srv := core.NewServer(core.Options{ClientManager: NewManager(newBus(t, dbURL, opts), queue.Options{ChannelPrefix: prefix})})
		h := siotest.Serve(srv)
		defer h.Shutdown(t)
		hosts = append(hosts, h)
	}
	a, b := hosts[0], hosts[1]
	bustest.WaitFor(t, "two servers", siotest.Wait, func() bool { return a.ServerCount(context.Background()) == 2 })
	cl, _ := b.Connect(t, "/", "", nil)
	for i := range 50 {
		_ = a.Emit("tick", i)
		if i == 25 {
			terminate(t, dbURL, opts.ApplicationName)
		}
	}
	bustest.WaitFor(t, "the reconnections", faulttest.Reconnect, func() bool {
		return logs.Count("sio/pgq: reconnected the listening connection") >= 2
	})
	faulttest.EmitUntilReceived(t, a.Server, cl, "after")
}

// TestInFlightBound: while the server does not answer, at most
// MaxInFlight messages wait; the next ones are dropped with ErrDropped,
// counted and logged once per second at most.
func TestInFlightBound(t *testing.T) {
	dbURL := pgURL(t)
	proxy, err := faultproxy.New(hostOf(t, dbURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	log, logs := faulttest.NewLogs(t)
	opts := testOptions(t, dbURL)
	var publishErrors atomic.Int32
	opts.Logger, opts.MaxInFlight = log, 10
	opts.OnPublishError = func(error) { publishErrors.Add(1) }
	b := newBus(t, viaAddr(t, dbURL, proxy.Addr()), opts)
	proxy.Stall(true)
	defer proxy.Stall(false)
	ch := testName(t) + "#/#"
	ctx := context.Background()
	sent, dropped := 0, 0
	for range 100 {
		switch err := b.Publish(ctx, ch, []byte(`{"k":1}`)); {
		case err == nil:
			sent++
		case errors.Is(err, ErrDropped):
			dropped++
		default:
			t.Fatalf("Publish: %v", err)
		}
	}
	if sent != 10 || dropped != 90 {
		t.Errorf("%d queued and %d dropped of 100 with MaxInFlight 10", sent, dropped)
	}
	if b.Dropped() != uint64(dropped) || publishErrors.Load() != int32(dropped) {
		t.Errorf("Dropped() = %d, OnPublishError called %d times, want %d", b.Dropped(), publishErrors.Load(), dropped)
	}
	if n := logs.Count("too many messages waiting to be sent, message dropped"); n != 1 {
		t.Errorf("%d drop lines, want 1", n)
	}
}
