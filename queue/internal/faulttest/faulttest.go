// Package faulttest is the broker-failure scenario of sio's broker queue
// packages: two servers linked by a broker, broadcasts in flight while the
// broker goes away, requests during the outage, and the cluster working
// again once the broker is back.
package faulttest

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/bustest"
)

// Reconnect bounds the time from the broker's return to both buses being
// connected and subscribed again.
const Reconnect = 5 * time.Second

// RequestTimeout is the managers' request timeout in the scenario: a
// request during the outage must fail after it, not hang.
const RequestTimeout = time.Second

// Broker is what the scenario does to the broker.
type Broker struct {
	// Cut takes the broker away (kills it, or ends the buses'
	// connections and refuses new ones).
	Cut func()
	// Restore brings it back.
	Restore func()
	// Connected reports whether both buses are connected.
	Connected func() bool
}

// Logs is a log destination the scenario's callers read.
type Logs struct{ bustest.LogBuf }

// NewLogs returns a logger writing text lines to a Logs; the lines go to
// the test log when t fails.
func NewLogs(t testing.TB) (*slog.Logger, *Logs) {
	l := &Logs{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("log lines:\n" + l.String())
		}
	})
	return l.Logger(), l
}

// Count returns the number of lines containing s.
func (l *Logs) Count(s string) int {
	n := 0
	for line := range strings.Lines(l.String()) {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// RunRestart runs the scenario on two servers whose managers newManager
// returns (with RequestTimeout as their request timeout, each on its own
// bus): a client on server b, broadcasts from server a in flight while the
// broker is cut; during the outage FetchSockets and ServerSideEmitWithAck
// from a fail within twice RequestTimeout; after Restore both buses are
// connected within Reconnect, a broadcast from a reaches b's client again
// and a FetchSockets from a sees it. The caller checks its bus's log lines
// and leaks (goleak) afterwards.
func RunRestart(t *testing.T, newManager func() core.ClientManager, br Broker) {
	var hosts []*siotest.Host
	defer func() { // before the caller's cleanups close the buses
		for _, h := range hosts {
			h.Shutdown(t)
		}
	}()
	for range 2 {
		srv := core.NewServer(core.Options{ClientManager: newManager()})
		srv.OnServerSideEmit("ping", func(args core.Args) []any { return []any{"pong"} })
		hosts = append(hosts, siotest.Serve(srv))
	}
	a, b := hosts[0], hosts[1]
	bustest.WaitFor(t, "both servers to count 2 servers", siotest.Wait, func() bool {
		return a.ServerCount(context.Background()) == 2 && b.ServerCount(context.Background()) == 2
	})
	cl, sid := b.Connect(t, "/", "", nil)
	if err := a.Emit("first"); err != nil {
		t.Fatal(err)
	}
	cl.ExpectEvent(t, "/", "first")

	// Broadcasts in flight while the broker goes away.
	stop := make(chan struct{})
	var sent atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = a.Emit("tick", sent.Add(1))
			time.Sleep(2 * time.Millisecond)
		}
	})
	bustest.WaitFor(t, "broadcasts to flow", siotest.Wait, func() bool { return sent.Load() > 20 })
	br.Cut()
	bustest.WaitFor(t, "the buses to notice the outage", siotest.Wait, func() bool { return !br.Connected() })

	// Requests fail instead of hanging.
	ctx, cancel := context.WithTimeout(context.Background(), 10*RequestTimeout)
	defer cancel()
	start := time.Now()
	if _, err := a.FetchSockets(ctx); err == nil {
		t.Error("FetchSockets during the outage succeeded")
	} else if !errors.Is(err, queue.ErrRequestTimeout) && !errors.Is(err, queue.ErrClosed) {
		t.Logf("FetchSockets during the outage: %v", err)
	}
	if d := time.Since(start); d > 2*RequestTimeout {
		t.Errorf("FetchSockets during the outage took %v", d)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 2*RequestTimeout)
	defer scancel()
	start = time.Now()
	if replies, err := a.ServerSideEmitWithAck(sctx, "ping"); err == nil {
		t.Errorf("ServerSideEmitWithAck during the outage succeeded: %d replies", len(replies))
	}
	if d := time.Since(start); d > 2*RequestTimeout+time.Second {
		t.Errorf("ServerSideEmitWithAck during the outage took %v", d)
	}

	br.Restore()
	restored := time.Now()
	bustest.WaitFor(t, "the buses to reconnect", Reconnect, br.Connected)
	t.Logf("reconnected %v after the broker came back", time.Since(restored).Round(time.Millisecond))
	close(stop)
	wg.Wait()

	// Resubscribed: a's broadcasts reach b's client again (the ticks of
	// the outage may or may not have).
	EmitUntilReceived(t, a.Server, cl, "marker")
	if d := time.Since(restored); d > Reconnect {
		t.Errorf("the first broadcast after the broker came back arrived after %v", d)
	}
	bustest.WaitFor(t, "FetchSockets from a to see b's socket", siotest.Wait, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*RequestTimeout)
		defer cancel()
		socks, err := a.FetchSockets(ctx)
		return err == nil && len(socks) == 1 && socks[0].ID == sid
	})
}

// EmitUntilReceived broadcasts event from srv every 50ms until cl gets
// it (within siotest.Wait): after a reconnection, the receiving server's
// subscription may reach the broker after the first broadcasts.
func EmitUntilReceived(t *testing.T, srv *core.Server, cl *siotest.Client, event string) {
	t.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			_ = srv.Emit(event)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	defer func() { close(stop); wg.Wait() }()
	cl.ExpectEvent(t, "/", event)
}
