package main

import (
	"flag"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/socketio-go/sio/adminui"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/metrics"
)

// The instrumentation a run can turn on, to measure what it costs: the
// same scenarios with and without it (benchmatrix's sio-std-metrics and
// sio-std-admin servers).
var (
	withMetrics = flag.Bool("metrics", false, "observe the server with package metrics (its collectors on a registry of their own)")
	withAdmin   = flag.String("admin", "", "instrument the server for the Admin UI in this mode (production or development), without auth")
)

// instrument installs what -metrics and -admin ask for on srv.
func instrument(srv *core.Server) error {
	if *withMetrics {
		reg := prometheus.NewRegistry()
		if err := reg.Register(metrics.New(srv, metrics.Config{})); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	switch *withAdmin {
	case "":
	case string(adminui.Production), string(adminui.Development):
		if _, err := adminui.Instrument(srv, adminui.Config{Auth: adminui.NoAuth(), Mode: adminui.Mode(*withAdmin)}); err != nil {
			return fmt.Errorf("adminui: %w", err)
		}
	default:
		return fmt.Errorf("-admin %q: production or development", *withAdmin)
	}
	return nil
}
