package adminui

import (
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/core/engineio"
)

// counters are the aggregated events of server_stats, gathered between two
// emissions. Packets and bytes, counted on every message, are atomic;
// connections and disconnections, rarer and keyed by reason, take a lock.
type counters struct {
	packetsIn, packetsOut, bytesIn, bytesOut atomic.Int64

	mu    sync.Mutex // guards conns and discs
	conns int64
	discs map[string]int64 // by close reason
}

func (c *counters) connection() {
	c.mu.Lock()
	c.conns++
	c.mu.Unlock()
}

func (c *counters) disconnection(reason engineio.CloseReason) {
	c.mu.Lock()
	if c.discs == nil {
		c.discs = make(map[string]int64)
	}
	c.discs[string(reason)]++
	c.mu.Unlock()
}

// drain returns the counts gathered since the last drain as the items of
// server_stats.aggregatedEvents ({timestamp, type, subType?, count}),
// stamped with the second of t, and resets them. The UI sums the items
// into 10-second slots, so counts gathered over an interval are stamped
// with its end.
func (c *counters) drain(t time.Time) []map[string]any {
	ts := t.Truncate(time.Second).UnixMilli()
	out := []map[string]any{}
	add := func(typ, sub string, n int64) {
		if n == 0 {
			return
		}
		item := map[string]any{"timestamp": ts, "type": typ, "count": n}
		if sub != "" {
			item["subType"] = sub
		}
		out = append(out, item)
	}
	c.mu.Lock()
	add("rawConnection", "", c.conns)
	c.conns = 0
	for reason, n := range c.discs {
		add("rawDisconnection", reason, n)
	}
	clear(c.discs)
	c.mu.Unlock()
	add("packetsIn", "", c.packetsIn.Swap(0))
	add("packetsOut", "", c.packetsOut.Swap(0))
	add("bytesIn", "", c.bytesIn.Swap(0))
	add("bytesOut", "", c.bytesOut.Swap(0))
	return out
}

// statsLoop emits server_stats at once, then every StatsInterval, until
// Close.
func (a *Admin) statsLoop() {
	defer close(a.done)
	ticker := time.NewTicker(a.cfg.StatsInterval)
	defer ticker.Stop()
	for {
		a.emitStats()
		select {
		case <-ticker.C:
		case <-a.stop:
			return
		}
	}
}

func (a *Admin) emitStats() {
	eng := a.srv.Engine()
	sessions := eng.Sessions()
	polling := 0
	for _, s := range sessions {
		if s.Transport() == engineio.TransportPolling {
			polling++
		}
	}
	var namespaces []map[string]any
	for _, n := range a.srv.Namespaces() {
		namespaces = append(namespaces, map[string]any{"name": n.Name(), "socketsCount": n.Len()})
	}
	a.emit("server_stats", map[string]any{
		"serverId":            a.cfg.ServerID,
		"hostname":            hostname,
		"pid":                 os.Getpid(),
		"uptime":              time.Since(a.started).Seconds(),
		"clientsCount":        len(sessions),
		"pollingClientsCount": polling,
		"aggregatedEvents":    a.counters.drain(time.Now()),
		"namespaces":          namespaces,
	})
}
