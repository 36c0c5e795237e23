package redisq

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/metrics"
)

// brokerMetrics returns a registry with a server's metrics and the hooks
// of the broker "redis" (metrics.BrokerHooks), for the options'
// OnPublishError and OnReconnect.
func brokerMetrics(t testing.TB) (reg *prometheus.Registry, publishError func(error), reconnect func()) {
	srv := core.NewServer(core.Options{})
	m := metrics.New(srv, metrics.Config{})
	t.Cleanup(func() {
		m.Close()
		_ = srv.Shutdown(context.Background())
	})
	reg = prometheus.NewRegistry()
	reg.MustRegister(m)
	publishError, reconnect = m.BrokerHooks("redis")
	return reg, publishError, reconnect
}

// counter returns the value of the counter name{broker="redis"} in reg (0
// when it has no such series).
func counter(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range fams {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "broker" && l.GetValue() == "redis" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
