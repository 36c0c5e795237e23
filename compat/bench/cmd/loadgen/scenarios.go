package main

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/compat/bench/internal/hist"
	"github.com/socketio-go/sio/compat/bench/internal/result"
)

// ms converts a duration to float milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// connectAll connects n websocket clients, at most cfg.inflight handshakes at
// once. For each connected client it starts readLoop with the handler that
// mkHandler returns for it. It returns the clients (in completion order), the
// handshake latencies, the count of failures and the time taken.
func (r *run) connectAll(ctx context.Context, n int, mkHandler func(i int, w *wsConn) func([]byte)) ([]*wsConn, *hist.Hist, int, time.Duration) {
	d := newDialer(r.cfg.hsTimeout)
	h := new(hist.Hist)
	var (
		mu    sync.Mutex // guards conns
		conns = make([]*wsConn, 0, n)
		fails atomic.Int64
		wg    sync.WaitGroup
		sem   = make(chan struct{}, r.cfg.inflight)
	)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			fails.Add(int64(n - i))
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			start := time.Now()
			u := wsURL(r.cfg.addrs[i%len(r.cfg.addrs)], r.cfg.path)
			w, err := dialSocketIO(ctx, d, u, r.cfg.hsTimeout)
			<-sem
			if err != nil {
				if fails.Add(1) <= 3 {
					r.fail("connect: %v", err)
				} else {
					r.errs.Add(1)
				}
				return
			}
			h.Record(time.Since(start))
			mu.Lock()
			conns = append(conns, w)
			mu.Unlock()
			onPacket := mkHandler(i, w)
			go func() {
				err := w.readLoop(onPacket)
				if r.phase.Load() < phaseStop && ctx.Err() == nil {
					r.fail("connection lost: %v", err)
				}
			}()
		}(i)
	}
	wg.Wait()
	return conns, h, int(fails.Load()), time.Since(t0)
}

func closeAll(conns []*wsConn) {
	for _, w := range conns {
		w.close()
	}
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// rssNow reads the server's RSS, or 0 without -pid.
func (r *run) rssNow() int64 {
	if len(r.cfg.pids) == 0 {
		return 0
	}
	s, err := readAll(r.cfg.pids)
	if err != nil {
		return 0
	}
	return s.RSSKiB
}

// connect measures connection setup and the memory an idle connection costs.
func (r *run) connect(ctx context.Context) result.Result {
	res := result.Result{Unit: "conns", RSSBeforeKiB: r.rssNow()}
	r.phase.Store(phaseMeasure)
	win := beginWindow(r.cfg.pids)
	conns, h, fails, took := r.connectAll(ctx, r.cfg.clients, func(int, *wsConn) func([]byte) {
		return func([]byte) {}
	})
	res.ConnectSeconds = took.Seconds()
	win.end()
	defer closeAll(conns)
	res.Connected, res.ConnectErrors = len(conns), fails
	win.fill(&res, int64(len(conns)))
	res.P50, res.P99, res.Max = ms(h.Quantile(0.5)), ms(h.Quantile(0.99)), ms(h.Max())

	// Hold the idle connections, then read RSS (lowest of a few samples, so
	// a collection in progress does not count).
	r.phase.Store(phaseWarmup)
	sleepCtx(ctx, r.cfg.hold)
	rss := r.rssNow()
	for i := 0; i < 3 && ctx.Err() == nil; i++ {
		sleepCtx(ctx, 100*time.Millisecond)
		if v := r.rssNow(); v > 0 && v < rss {
			rss = v
		}
	}
	res.RSSAfterKiB = rss
	if res.Connected > 0 && rss > 0 {
		res.RSSPerConnKB = float64(rss-res.RSSBeforeKiB) / float64(res.Connected)
	}
	r.phase.Store(phaseStop)
	res.OK = res.Connected > 0 && !win.serverDead
	return res
}

// echoClient keeps one "echo" event with an ack outstanding.
type echoClient struct {
	mu     sync.Mutex // guards the fields below: the first send races the reader
	r      *run
	w      *wsConn
	pad    []byte
	id     uint64
	sent   time.Time
	out    []byte // reused outgoing packet
	expect []byte // the ack arguments the server must return
	acks   *atomic.Int64
	h      *hist.Hist
}

// send emits 42<id>["echo","<pad>",<id>] and remembers the expected ack
// arguments ["<pad>",<id>].
func (e *echoClient) send() {
	e.id++
	e.out = append(e.out[:0], "42"...)
	e.out = strconv.AppendUint(e.out, e.id, 10)
	e.out = append(e.out, `["echo","`...)
	e.out = append(e.out, e.pad...)
	e.out = append(e.out, `",`...)
	e.out = strconv.AppendUint(e.out, e.id, 10)
	e.out = append(e.out, ']')
	e.expect = append(e.expect[:0], `["`...)
	e.expect = append(e.expect, e.pad...)
	e.expect = append(e.expect, `",`...)
	e.expect = strconv.AppendUint(e.expect, e.id, 10)
	e.expect = append(e.expect, ']')
	e.sent = time.Now()
	if err := e.w.write(e.out); err != nil && e.r.phase.Load() < phaseStop {
		e.r.fail("echo write: %v", err)
	}
}

// onPacket handles the echo ack and sends the next event.
func (e *echoClient) onPacket(p []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id, args, ok := parseAck(p)
	if !ok {
		if len(p) > 0 && p[0] == '2' {
			return // an event (none expected in this scenario); ignore
		}
		e.r.fail("echo: unexpected packet %.60q", p)
		return
	}
	if id != e.id {
		e.r.fail("echo: ack id %d, want %d", id, e.id)
		return
	}
	rtt := time.Since(e.sent)
	if !bytes.Equal(args, e.expect) {
		e.r.fail("echo: ack args %.60s, want %.60s", args, e.expect)
	}
	if e.r.measuring() {
		e.acks.Add(1)
		e.h.Record(rtt)
	}
	if e.r.phase.Load() < phaseStop {
		e.send()
	}
}

func padding(n int) []byte { return bytes.Repeat([]byte("x"), n) }

// echo measures request/response: every client keeps one ack outstanding.
func (r *run) echo(ctx context.Context) result.Result {
	res := result.Result{Unit: "acks", RSSBeforeKiB: r.rssNow()}
	var acks atomic.Int64
	h := new(hist.Hist)
	pad := padding(r.cfg.payload)
	clients := make([]*echoClient, r.cfg.clients)
	conns, _, fails, took := r.connectAll(ctx, r.cfg.clients, func(i int, w *wsConn) func([]byte) {
		e := &echoClient{r: r, w: w, pad: pad, acks: &acks, h: h}
		clients[i] = e
		return e.onPacket
	})
	defer closeAll(conns)
	res.Connected, res.ConnectErrors, res.ConnectSeconds = len(conns), fails, took.Seconds()
	res.RSSAfterKiB = r.rssNow()
	if len(conns) == 0 {
		return res
	}
	r.phase.Store(phaseWarmup)
	for _, e := range clients {
		if e != nil {
			e.mu.Lock()
			e.send()
			e.mu.Unlock()
		}
	}
	sleepCtx(ctx, r.cfg.warmup)
	r.phase.Store(phaseMeasure)
	win := beginWindow(r.cfg.pids)
	sleepCtx(ctx, r.cfg.duration)
	r.phase.Store(phaseStop)
	win.end()
	win.fill(&res, acks.Load())
	res.P50, res.P99, res.Max = ms(h.Quantile(0.5)), ms(h.Quantile(0.99)), ms(h.Max())
	res.OK = !win.serverDead && res.Ops > 0
	return res
}
