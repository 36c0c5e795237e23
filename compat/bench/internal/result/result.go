// Package result is the record one load-generator run prints (one JSON line)
// and the matrix runner reads back.
package result

// Result is what one scenario run measured. Rates are per wall-clock second
// of the measurement window; PerServerCPU divides the same count by the
// server's CPU seconds over that window. Latencies are milliseconds.
type Result struct {
	Scenario string `json:"scenario"` // connect, broadcast, echo, polling
	Clients  int    `json:"clients"`  // clients asked for
	// Connected is how many clients completed the Socket.IO handshake.
	Connected int `json:"connected"`
	// ConnectErrors counts failed dials or handshakes.
	ConnectErrors int `json:"connect_errors"`
	// ConnectSeconds is how long connecting the clients took.
	ConnectSeconds float64 `json:"connect_s"`

	// Window is the measurement window in seconds.
	Window float64 `json:"window_s"`
	// Ops counts the scenario's unit in the window: connections, deliveries
	// or acks.
	Ops  int64   `json:"ops"`
	Rate float64 `json:"rate"` // Ops per second
	// Unit names what Ops counts ("conns", "deliveries", "acks").
	Unit string `json:"unit"`

	P50 float64 `json:"p50_ms"` // handshake, delivery or round-trip latency
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`

	// ServerCPU is the server's CPU seconds over the window and
	// ServerCPUShare that divided by the window (1.0 = one core busy).
	ServerCPU      float64 `json:"server_cpu_s"`
	ServerCPUShare float64 `json:"server_cpu_share"`
	PerServerCPU   float64 `json:"per_server_cpu_s"` // Ops per server CPU second
	// ClientCPUShare is the load generator's own CPU over the window; near
	// 1.0 on a pinned core means the run was client-bound.
	ClientCPUShare float64 `json:"client_cpu_share"`
	// OtherCPUShare is the rest of the machine's busy CPU over the window
	// (cores): other processes competing with the run. Above ~0.1 the
	// figures are noisy.
	OtherCPUShare float64 `json:"other_cpu_share"`

	// Server resident memory, KiB: before any client, after the run's
	// clients connected (and, for connect, held), and the difference per
	// connected client.
	RSSBeforeKiB int64   `json:"rss_before_kib"`
	RSSAfterKiB  int64   `json:"rss_after_kib"`
	RSSPerConnKB float64 `json:"rss_per_conn_kib"`

	// Broadcast only: broadcasts sent in the window, broadcasts not
	// delivered to every receiver, and the missing deliveries.
	Broadcasts     int64 `json:"broadcasts,omitempty"`
	LostBroadcasts int64 `json:"lost_broadcasts"`
	LostDeliveries int64 `json:"lost_deliveries"`

	// Errors counts protocol violations: wrong ack contents, unexpected
	// packets, transport failures during the window.
	Errors int64 `json:"errors"`
	// Notes holds the first few error descriptions.
	Notes []string `json:"notes,omitempty"`
	// OK is false when the run could not measure (no client connected,
	// server died, timeout before the window ended).
	OK bool `json:"ok"`
}
