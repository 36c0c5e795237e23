package compat

import (
	"fmt"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// slowHeaders opens a connection to addr and sends a request's headers one
// short line per second, never finishing them (a slowloris client). It
// returns how long the server kept the connection, or an error when it is
// still open after limit.
func slowHeaders(addr string, limit time.Duration) (time.Duration, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	start := time.Now()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		buf := make([]byte, 512)
		for {
			if _, err := c.Read(buf); err != nil {
				return // closed by the server (or its 408 read to the end)
			}
		}
	}()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\n")); err != nil {
		return 0, err
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	deadline := time.After(limit)
	for {
		select {
		case <-closed:
			return time.Since(start), nil
		case <-tick.C:
			_, _ = c.Write([]byte("X-Slow: 1\r\n"))
		case <-deadline:
			return 0, fmt.Errorf("a client sending its headers one line a second is still connected after %v", limit)
		}
	}
}

// TestExampleSlowClients: each example host cuts off a client that never
// finishes its request headers (net/http's ReadHeaderTimeout, Echo's
// Server, Fiber's ReadTimeout; 10 s in the examples). The clients run at
// the same time, one per example.
func TestExampleSlowClients(t *testing.T) {
	names := []string{"chat", "nethttp", "gin", "echo", "fiber", "static", "middleware"}
	hosts := make([]string, len(names))
	for i, name := range names {
		ex := startExample(t, exampleCommand(t, buildExample(t, name)))
		u, err := url.Parse(ex.URL)
		if err != nil {
			t.Fatal(err)
		}
		hosts[i] = u.Host
	}
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := slowHeaders(hosts[i], 30*time.Second)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			t.Logf("%s: cut off after %v", name, d.Round(100*time.Millisecond))
		}()
	}
	wg.Wait()
}
