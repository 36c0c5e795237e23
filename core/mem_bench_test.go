package core_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// BenchmarkSessionOpen measures what a websocket session costs, without a
// transport: one operation is the handshake, the open packet, a CONNECT to
// "/" and its answer. B/op and allocs/op are what opening allocates;
// heapB/session and goroutines/session what an idle session keeps (sessions
// are closed, off the clock, in batches of 1,000).
func BenchmarkSessionOpen(b *testing.B) {
	const batch = 1000
	opts := core.Options{}
	opts.Engine.PingInterval = time.Hour
	srv := core.NewServer(opts)
	sink := newBenchSink()
	var conns []*benchConn
	done := make(chan struct{}, batch)
	var heap, gor float64
	measured := 0
	before := memSnapshot()
	closeAll := func() {
		for _, c := range conns {
			c.Close()
		}
		for range conns {
			<-done
		}
		conns = conns[:0]
	}
	b.ReportAllocs()
	for b.Loop() {
		c := &benchConn{sink: sink, in: make(chan []byte, 1), closed: make(chan struct{})}
		ticket, resp := srv.Engine().PrepareWebSocket(siotest.WebSocketRequest(srv.Options().Path, nil))
		if resp != nil {
			b.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
		}
		sink.expect(2) // the open packet and the CONNECT
		go func() {
			ticket.Serve(c)
			done <- struct{}{}
		}()
		c.in <- []byte("40")
		sink.wait(b)
		conns = append(conns, c)
		if len(conns) == batch {
			b.StopTimer()
			after := memSnapshot()
			heap += float64(after.heap) - float64(before.heap)
			gor += float64(after.goroutines - before.goroutines)
			measured += batch
			closeAll()
			waitSockets(b, srv, 0)
			before = memSnapshot()
			b.StartTimer()
		}
	}
	b.StopTimer()
	closeAll()
	if measured > 0 {
		b.ReportMetric(heap/float64(measured), "heapB/session")
		b.ReportMetric(gor/float64(measured), "goroutines/session")
	}
}

type memStats struct {
	heap       uint64
	goroutines int
}

func memSnapshot() memStats {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memStats{heap: m.HeapInuse, goroutines: runtime.NumGoroutine()}
}

func waitSockets(b *testing.B, srv *core.Server, n int) {
	deadline := time.Now().Add(wait)
	for srv.Of("/").Len() != n || srv.Engine().Len() != n {
		if time.Now().After(deadline) {
			b.Fatalf("%d sockets, %d sessions, want %d", srv.Of("/").Len(), srv.Engine().Len(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkEcho measures the benchmark contract's "echo": an event with an
// acknowledgement whose handler acknowledges with the arguments it
// received, through the engine, over a connection that costs nothing.
func BenchmarkEcho(b *testing.B) {
	bs := newBenchServer(b, core.Options{}, 1)
	bs.On("echo", func(_ *core.Socket, args core.Args) core.Args { return args })
	frame := []byte(`427["echo","` + strings.Repeat("x", 32) + `",7]`)
	b.ReportAllocs()
	for b.Loop() {
		bs.sink.expect(1)
		bs.conns[0].in <- frame
		bs.sink.wait(b)
	}
}
