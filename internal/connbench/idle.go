package connbench

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"testing"
	"time"
)

// Wait bounds every wait of a measurement.
const Wait = 30 * time.Second

// Hold is how long the sessions stay idle before they are measured, as
// compat/bench's connect scenario holds them: goroutines a server keeps
// only while a connection is busy (a writer or a handler lingering after
// the handshake) are gone by then.
const Hold = 2 * time.Second

// Measure runs b.N rounds: each opens n clients against the websocket
// endpoint base (http://host:port/path/, the Engine.IO path), each joining
// "/", waits until joined reports n, holds them idle for Hold, measures, then closes them and waits
// until joined reports 0. It reports, per session, heapB/session (heap in
// use), stackB/session (goroutine stacks), goroutines/session, and
// allocB/session and allocs/session (everything allocated to open one,
// the client's share included).
func Measure(b *testing.B, base string, n int, joined func() int) {
	b.Helper()
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	var heap, stack, gor, alloc, mallocs float64
	conns := make([]net.Conn, n)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		before := snapshot()
		b.StartTimer()
		for i := range conns {
			c, err := Open(u.Host, u.Path)
			if err != nil {
				b.Fatalf("client %d: %v", i, err)
			}
			conns[i] = c
		}
		b.StopTimer()
		waitFor(b, "joined sockets", n, joined)
		time.Sleep(Hold)
		after := snapshot()
		heap += float64(after.heap - before.heap)
		stack += float64(after.stack - before.stack)
		gor += float64(after.goroutines - before.goroutines)
		alloc += float64(after.alloc - before.alloc)
		mallocs += float64(after.mallocs - before.mallocs)
		for i, c := range conns {
			_ = c.Close()
			conns[i] = nil
		}
		waitFor(b, "joined sockets", 0, joined)
		b.StartTimer()
	}
	total := float64(b.N * n)
	b.ReportMetric(heap/total, "heapB/session")
	b.ReportMetric(stack/total, "stackB/session")
	b.ReportMetric(gor/total, "goroutines/session")
	b.ReportMetric(alloc/total, "allocB/session")
	b.ReportMetric(mallocs/total, "allocs/session")
}

type stats struct {
	heap, stack, alloc, mallocs uint64
	goroutines                  int
}

// snapshot returns the process's memory figures after a full collection.
func snapshot() stats {
	runtime.GC()
	runtime.GC() // finalizers queued by the first one have run
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return stats{heap: m.HeapInuse, stack: m.StackInuse, alloc: m.TotalAlloc, mallocs: m.Mallocs,
		goroutines: runtime.NumGoroutine()}
}

func waitFor(b *testing.B, what string, want int, get func() int) {
	deadline := time.Now().Add(Wait)
	for get() != want {
		if time.Now().After(deadline) {
			b.Fatalf("%s: %d, want %d", what, get(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// Open dials host, upgrades path to a websocket session, reads the open
// packet, joins "/" and reads the CONNECT answer. The connection returned
// has nothing buffered on the client side.
func Open(host, path string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", host, Wait)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(Wait))
	if err := handshake(c, host, path); err != nil {
		c.Close()
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

func handshake(c net.Conn, host, path string) error {
	_, err := fmt.Fprintf(c, "GET %s?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\n"+
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"+
		"Sec-WebSocket-Version: 13\r\nUser-Agent: idletest\r\nAccept: */*\r\n\r\n", path, host)
	if err != nil {
		return err
	}
	// Exactly the bytes of the answer are read (one at a time for the
	// headers), so that no frame is left in a buffer this function drops.
	r := bufio.NewReaderSize(byteReader{c}, 16)
	var head []byte
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		ch, err := r.ReadByte()
		if err != nil {
			return fmt.Errorf("reading the 101: %w", err)
		}
		head = append(head, ch)
	}
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 101")) {
		return fmt.Errorf("upgrade refused: %q", head)
	}
	open, err := readFrame(r)
	if err != nil || len(open) == 0 || open[0] != '0' {
		return fmt.Errorf("open packet %q: %v", open, err)
	}
	// A masked text frame "40", with a zero mask.
	if _, err := c.Write([]byte{0x81, 0x82, 0, 0, 0, 0, '4', '0'}); err != nil {
		return err
	}
	for {
		f, err := readFrame(r)
		if err != nil {
			return fmt.Errorf("CONNECT answer: %w", err)
		}
		if bytes.HasPrefix(f, []byte("40")) {
			return nil
		}
		if bytes.HasPrefix(f, []byte("44")) {
			return fmt.Errorf("CONNECT refused: %s", f)
		}
	}
}

// byteReader reads one byte at a time, so that bufio never reads ahead.
type byteReader struct{ r io.Reader }

func (b byteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return b.r.Read(p)
}

// readFrame reads one unmasked, unfragmented server frame.
func readFrame(r io.Reader) ([]byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	if h[0]&0x80 == 0 {
		return nil, errors.New("fragmented frame")
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, err
		}
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		return nil, errors.New("frame too large")
	}
	p := make([]byte, n)
	_, err := io.ReadFull(r, p)
	return p, err
}
