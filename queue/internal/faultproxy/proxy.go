// Package faultproxy is a TCP proxy for the broker fault tests of sio's
// queue packages: the tests connect a Bus through it to a shared broker
// and cut or refuse the connections, instead of restarting a broker
// other tests use.
package faultproxy

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
)

// Proxy forwards the TCP connections it accepts on a loopback port to a
// target address.
type Proxy struct {
	target string
	tls    *tls.Config
	addr   string

	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]struct{}
	refuse  bool
	accepts int
	stall   chan struct{} // non-nil while the broker's replies are held back
	wg      sync.WaitGroup
}

// New starts a proxy to target on a free loopback port.
func New(target string) (*Proxy, error) { return start(target, nil) }

// NewTLS starts a proxy that terminates TLS with cfg (a server
// configuration) and forwards the plain bytes to target.
func NewTLS(target string, cfg *tls.Config) (*Proxy, error) { return start(target, cfg) }

func start(target string, cfg *tls.Config) (*Proxy, error) {
	p := &Proxy{target: target, tls: cfg, conns: make(map[net.Conn]struct{})}
	ln, err := p.listen("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	return p, nil
}

func (p *Proxy) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if p.tls != nil {
		ln = tls.NewListener(ln, p.tls)
	}
	return ln, nil
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.refuse {
				p.mu.Unlock()
				_ = c.Close()
				continue
			}
			p.accepts++
			p.conns[c] = struct{}{}
			p.mu.Unlock()
			p.wg.Go(func() { p.pipe(c) })
		}
	})
}

func (p *Proxy) pipe(c net.Conn) {
	defer p.forget(c)
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns[up] = struct{}{}
	p.mu.Unlock()
	defer p.forget(up)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); _ = up.Close(); done <- struct{}{} }()
	go func() { p.copyBack(c, up); _ = c.Close(); done <- struct{}{} }()
	<-done
	_ = c.Close()
	_ = up.Close()
	<-done
}

// copyBack copies the broker's bytes to the client, holding them while
// the proxy stalls.
func (p *Proxy) copyBack(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			gate := p.stall
			p.mu.Unlock()
			if gate != nil {
				<-gate
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Stall holds back what the broker sends (true) until Stall(false): the
// client's writes go through, the broker's answers (confirmations,
// deliveries) do not arrive. Cut and Close end a stall.
func (p *Proxy) Stall(stall bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if stall && p.stall == nil {
		p.stall = make(chan struct{})
	} else if !stall && p.stall != nil {
		close(p.stall)
		p.stall = nil
	}
}

func (p *Proxy) forget(c net.Conn) {
	_ = c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// Addr returns the proxy's host:port.
func (p *Proxy) Addr() string { return p.addr }

// Accepts returns the number of connections accepted so far.
func (p *Proxy) Accepts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepts
}

// Cut closes every connection open through the proxy (new ones are
// accepted, unless Refuse is set).
func (p *Proxy) Cut() {
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	if p.stall != nil {
		close(p.stall)
		p.stall = nil
	}
	p.mu.Unlock()
}

// Refuse makes the proxy close the connections it accepts (true) or
// forward them again (false): the broker looks down.
func (p *Proxy) Refuse(refuse bool) {
	p.mu.Lock()
	p.refuse = refuse
	p.mu.Unlock()
}

// Close stops the proxy and closes its connections.
func (p *Proxy) Close() {
	p.mu.Lock()
	ln := p.ln
	p.mu.Unlock()
	_ = ln.Close()
	p.Cut()
	p.wg.Wait()
}
