package kafkaq_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/faulttest"
	"github.com/socketio-go/sio/queue/kafkaq"
)

// freePort returns a loopback port free now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// restartable is a kfake cluster on a fixed port whose log is kept on
// disk, so it can be stopped and started again like a broker restart.
type restartable struct {
	t    testing.TB
	port int
	dir  string
	c    *kfake.Cluster
}

func newRestartable(t testing.TB) (*restartable, string) {
	r := &restartable{t: t, port: freePort(t), dir: t.TempDir()}
	r.start()
	t.Cleanup(func() { r.c.Close() })
	return r, "kafka://" + r.c.ListenAddrs()[0]
}

func (r *restartable) start() {
	r.t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(3), kfake.Ports(r.port), kfake.DataDir(r.dir))
	if err != nil {
		r.t.Fatalf("starting kfake: %v", err)
	}
	r.c = c
}

// TestBrokerRestart stops the broker while one server streams server-side
// events to another, then starts it again on the same port with its log:
// both servers log the loss, a request during the outage returns with a
// timeout instead of hanging, the stream flows again within 5s of the
// restart, and every event published (buffered during the outage) is
// received exactly once; OnReconnect is called when the broker is back.
// Nothing leaks (goleak in TestMain).
func TestBrokerRestart(t *testing.T) {
	broker, url := newRestartable(t)
	logs := &logBuf{}
	var reconnects atomic.Int64
	busA := newBus(t, url, kafkaq.Options{Logger: logs.Logger(), OnReconnect: func() { reconnects.Add(1) }})
	busB := newBus(t, url, kafkaq.Options{})
	qopts := queue.Options{ChannelPrefix: uniq("sio-test"), RequestTimeout: time.Second,
		HeartbeatInterval: 200 * time.Millisecond, HeartbeatTimeout: 5 * time.Second}
	a := startServer(t, busA, qopts, logs)
	b := startServer(t, busB, qopts, nil)
	var got, sent atomic.Int64
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
				if b.ServerSideEmit("ping") == nil {
					sent.Add(1)
				}
			}
		}
	}()
	waitFor(t, "the stream to reach a", wait, func() bool { return got.Load() > 20 })

	broker.c.Close()
	waitFor(t, "a to log the loss", wait, func() bool { return strings.Contains(logs.String(), "broker unreachable") })
	if n := reconnects.Load(); n != 0 {
		t.Errorf("OnReconnect called %d times before the broker came back", n)
	}
	start := time.Now()
	_, err := a.FetchSockets(ctx)
	if took := time.Since(start); took > qopts.RequestTimeout+2*time.Second {
		t.Errorf("FetchSockets during the outage took %v", took)
	}
	if !errors.Is(err, queue.ErrRequestTimeout) {
		t.Errorf("FetchSockets during the outage: %v, want ErrRequestTimeout", err)
	}

	broker.start()
	restarted := time.Now()
	before := got.Load()
	waitFor(t, "the stream to reach a again", 5*time.Second, func() bool { return got.Load() > before+20 })
	t.Logf("stream flowing again %v after the restart", time.Since(restarted).Round(time.Millisecond))
	close(stop)
	<-streamDone
	waitFor(t, "every event sent to arrive", wait, func() bool { return got.Load() >= sent.Load() })
	if g, s := got.Load(), sent.Load(); g != s {
		t.Errorf("received %d events, sent %d", g, s)
	}
	replies, err := b.ServerSideEmitWithAck(ctx, "ping")
	if err != nil || len(replies) != 1 {
		t.Errorf("ServerSideEmitWithAck after the restart: %d replies, %v", len(replies), err)
	}
	if !strings.Contains(logs.String(), "reconnected") {
		t.Errorf("no reconnection logged:\n%s", logs)
	}
	if n, logged := reconnects.Load(), strings.Count(logs.String(), "reconnected"); n == 0 || n != int64(logged) {
		t.Errorf("OnReconnect called %d times, want once per logged reconnection (%d)", n, logged)
	}
}

// TestInFlightBound: while the broker is down, at most MaxInFlight records
// wait in a bus; the next Publish is dropped with ErrInFlight, one log
// line and a call of OnPublishError each; when the broker is back the
// waiting records are delivered (or given up, logged and passed to
// OnPublishError), which frees the bound.
func TestInFlightBound(t *testing.T) {
	broker, url := newRestartable(t)
	logs := &logBuf{}
	const bound = 8
	var inFlight, givenUp atomic.Int64
	bus := newBus(t, url, kafkaq.Options{MaxInFlight: bound, DeliveryTimeout: time.Second, Logger: logs.Logger(),
		OnPublishError: func(err error) {
			if errors.Is(err, kafkaq.ErrInFlight) {
				inFlight.Add(1)
			} else {
				givenUp.Add(1)
			}
		}})
	ch := uniq("sio-test") + "#/#"
	in := newInbox()
	subscribe(t, bus, ch, in.Add)
	publish(t, bus, ch, []byte("first"))
	in.WaitN(t, "first", 1)
	waitFor(t, "the first acknowledgement", wait, func() bool { return bus.InFlight() == 0 })

	broker.c.Close()
	ctx := context.Background()
	sent, dropped := 0, 0
	for range 3 * bound {
		switch err := bus.Publish(ctx, ch, []byte("m")); {
		case err == nil:
			sent++
		case errors.Is(err, kafkaq.ErrInFlight):
			dropped++
		default:
			t.Fatalf("Publish: %v", err)
		}
	}
	if sent != bound || dropped != 2*bound {
		t.Errorf("%d sent and %d dropped with the broker down, want %d and %d", sent, dropped, bound, 2*bound)
	}
	if n := strings.Count(logs.String(), "unacknowledged records at the bound"); n != 1 {
		t.Errorf("%d drop log lines, want 1 (rate-limited):\n%s", n, logs)
	}
	if n := inFlight.Load(); n != int64(dropped) {
		t.Errorf("OnPublishError called with ErrInFlight %d times, want %d (once per drop)", n, dropped)
	}
	broker.start()
	waitFor(t, "the waiting records to be delivered or given up", wait, func() bool { return bus.InFlight() == 0 })
	if !strings.Contains(logs.String(), "a record was not delivered") {
		in.WaitN(t, "the waiting records, acknowledged and none given up", 1+bound)
		if n := givenUp.Load(); n != 0 {
			t.Errorf("OnPublishError called %d times for records none of which was given up", n)
		}
	} else if givenUp.Load() == 0 {
		t.Error("records given up, and OnPublishError not called for them")
	}
	publish(t, bus, ch, []byte("again"))
	waitFor(t, "publishing to work again", wait, func() bool {
		m := in.All()
		return string(m[len(m)-1]) == "again"
	})
}

// TestRestartScenario runs the shared broker-restart scenario (broadcasts
// in flight, requests during the outage, back within 5s) on kfake stopped
// and started again.
func TestRestartScenario(t *testing.T) {
	broker, url := newRestartable(t)
	log, logs := faulttest.NewLogs(t)
	busA := newBus(t, url, kafkaq.Options{Logger: log})
	busB := newBus(t, url, kafkaq.Options{Logger: log})
	buses := []*kafkaq.Bus{busA, busB}
	prefix := uniq("sio-test")
	i := 0
	faulttest.RunRestart(t, func() core.ClientManager {
		i++
		return queue.NewManager(buses[i-1], queue.Options{ChannelPrefix: prefix, RequestTimeout: faulttest.RequestTimeout})
	}, faulttest.Broker{
		Cut:       func() { broker.c.Close() },
		Restore:   broker.start,
		Connected: func() bool { return busA.Connected() && busB.Connected() },
	})
	for _, want := range []string{"broker unreachable", "reconnected"} {
		if logs.Count(want) == 0 {
			t.Errorf("no %q log line", want)
		}
	}
}
