package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/metrics"
	"github.com/socketio-go/sio/stdsio"
)

// serve serves srv until the test ends.
func serve(t *testing.T, srv *core.Server) string {
	ts := httptest.NewServer(stdsio.Handler(srv))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return ts.URL
}

// series returns the series of name with exactly labels (name, value
// pairs) in reg, or nil.
func series(t *testing.T, reg *prometheus.Registry, name string, labels ...string) *dto.Metric {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range fams {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels)/2 {
				continue
			}
			for _, lp := range m.GetLabel() {
				found := false
				for i := 0; i+1 < len(labels); i += 2 {
					found = found || (labels[i] == lp.GetName() && labels[i+1] == lp.GetValue())
				}
				if !found {
					continue next
				}
			}
			return m
		}
	}
	return nil
}

// TestConfig: the prefix and constant labels name every series; without
// EventNames the event metrics have no event label; Close stops counting.
func TestConfig(t *testing.T) {
	srv := core.NewServer(core.Options{})
	srv.On("ping", func(s *core.Socket) string { return "pong" })
	m := metrics.New(srv, metrics.Config{Prefix: "app", ConstLabels: prometheus.Labels{"server": "a"}})
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	base := serve(t, srv)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := siotest.Dial(ctx, base, siotest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect()
	if _, err := c.EmitWithAck(ctx, "ping"); err != nil {
		t.Fatal(err)
	}
	if s := series(t, reg, "app_events_received_total", "namespace", "/", "server", "a"); s.GetCounter().GetValue() != 1 {
		t.Errorf("app_events_received_total{namespace=/,server=a} = %v, want 1", s)
	}
	if s := series(t, reg, "app_sockets", "namespace", "/", "server", "a"); s.GetGauge().GetValue() != 1 {
		t.Errorf("app_sockets = %v, want 1", s)
	}
	m.Close()
	if _, err := c.EmitWithAck(ctx, "ping"); err != nil {
		t.Fatal(err)
	}
	if s := series(t, reg, "app_events_received_total", "namespace", "/", "server", "a"); s.GetCounter().GetValue() != 1 {
		t.Errorf("after Close: %v, want 1 still", s)
	}
}

// TestQueueOverflow: a polling session that stops polling fills its
// queue; each message that does not fit is counted under the policy
// applied.
func TestQueueOverflow(t *testing.T) {
	const bound = 8
	// ClosePollWait: the session never polls; Shutdown does not wait for it.
	srv := core.NewServer(core.Options{Engine: engineio.Options{MaxQueuedMessages: bound, QueueFull: engineio.QueueFullDrop, ClosePollWait: -1}})
	m := metrics.New(srv, metrics.Config{})
	defer m.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	base := serve(t, srv)

	// A raw polling handshake (its answer empties the queue), then no poll.
	res, err := http.Get(base + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	sessions := srv.Engine().Sessions()
	if len(sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(sessions))
	}
	for i := range bound + 4 {
		_ = sessions[0].Send(engineio.TextMessage([]byte{'0' + byte(i%10)}))
	}
	if s := series(t, reg, "sio_engineio_queue_overflows_total", "policy", "drop"); s.GetCounter().GetValue() != 4 {
		t.Errorf("overflows = %v, want 4", s)
	}
}

// TestBrokerHooks: the hooks count per broker.
func TestBrokerHooks(t *testing.T) {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())
	m := metrics.New(srv, metrics.Config{})
	defer m.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	publishError, reconnect := m.BrokerHooks("redis")
	publishError(io.ErrUnexpectedEOF)
	publishError(io.ErrUnexpectedEOF)
	reconnect()
	if s := series(t, reg, "sio_broker_publish_errors_total", "broker", "redis"); s.GetCounter().GetValue() != 2 {
		t.Errorf("publish errors = %v, want 2", s)
	}
	if s := series(t, reg, "sio_broker_reconnects_total", "broker", "redis"); s.GetCounter().GetValue() != 1 {
		t.Errorf("reconnects = %v, want 1", s)
	}
}
