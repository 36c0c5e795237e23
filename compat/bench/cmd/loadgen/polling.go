package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/compat/bench/internal/hist"
	"github.com/socketio-go/sio/compat/bench/internal/result"
)

// pollConn is one Socket.IO client over HTTP long-polling.
type pollConn struct {
	hc     *http.Client
	base   string     // URL without sid
	sidURL string     // URL with sid
	postMu sync.Mutex // Engine.IO forbids overlapping POSTs of one session
}

const recordSep = 0x1e // Engine.IO v4 polling payload separator

func (p *pollConn) do(ctx context.Context, method, u string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d %.80s", method, resp.StatusCode, b)
	}
	return b, nil
}

// post sends packets in one POST.
func (p *pollConn) post(ctx context.Context, body []byte) error {
	p.postMu.Lock()
	defer p.postMu.Unlock()
	_, err := p.do(ctx, http.MethodPost, p.sidURL, body)
	return err
}

// poll does one long-poll GET and returns its packets.
func (p *pollConn) poll(ctx context.Context) ([][]byte, error) {
	b, err := p.do(ctx, http.MethodGet, p.sidURL, nil)
	if err != nil {
		return nil, err
	}
	return bytes.Split(b, []byte{recordSep}), nil
}

// dialPolling performs the Engine.IO handshake and joins namespace "/".
func dialPolling(ctx context.Context, hc *http.Client, addr, path string) (*pollConn, error) {
	u := url.URL{Scheme: "http", Host: addr, Path: path, RawQuery: "EIO=4&transport=polling"}
	p := &pollConn{hc: hc, base: u.String()}
	b, err := p.do(ctx, http.MethodGet, p.base, nil)
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	if len(b) < 2 || b[0] != '0' {
		return nil, fmt.Errorf("handshake: expected open packet, got %.40q", b)
	}
	var op openPacket
	if err := json.Unmarshal(b[1:], &op); err != nil || op.SID == "" {
		return nil, fmt.Errorf("handshake: bad open packet %.80q", b)
	}
	p.sidURL = p.base + "&sid=" + url.QueryEscape(op.SID)
	if err := p.post(ctx, []byte("40")); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	for {
		pkts, err := p.poll(ctx)
		if err != nil {
			return nil, fmt.Errorf("connect reply: %w", err)
		}
		for _, pk := range pkts {
			switch {
			case bytes.HasPrefix(pk, []byte("40")):
				return p, nil
			case bytes.HasPrefix(pk, []byte("44")):
				return nil, fmt.Errorf("connect refused: %.80s", pk)
			case len(pk) == 1 && pk[0] == '2':
				if err := p.post(ctx, []byte("3")); err != nil {
					return nil, err
				}
			}
		}
	}
}

// polling runs the echo scenario over long-polling: each client keeps one
// ack outstanding; a GET loop per client receives the acks and pings.
func (r *run) polling(ctx context.Context) result.Result {
	res := result.Result{Unit: "acks", RSSBeforeKiB: r.rssNow()}
	n := r.cfg.clients
	tr := &http.Transport{
		DialContext:         dialNoLinger(r.cfg.hsTimeout),
		MaxIdleConns:        4*n + 16,
		MaxIdleConnsPerHost: 4*n + 16,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()

	var (
		mu    sync.Mutex // guards conns
		conns []*pollConn
		fails atomic.Int64
		wg    sync.WaitGroup
		sem   = make(chan struct{}, r.cfg.inflight)
	)
	t0 := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p, err := dialPolling(ctx, hc, r.cfg.addrs[i%len(r.cfg.addrs)], r.cfg.path)
			if err != nil {
				if fails.Add(1) <= 3 {
					r.fail("polling connect: %v", err)
				}
				return
			}
			mu.Lock()
			conns = append(conns, p)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Connected, res.ConnectErrors, res.ConnectSeconds = len(conns), n-len(conns), time.Since(t0).Seconds()
	res.RSSAfterKiB = r.rssNow()
	if len(conns) == 0 {
		return res
	}

	var acks atomic.Int64
	h := new(hist.Hist)
	pad := padding(r.cfg.payload)
	r.phase.Store(phaseWarmup)
	var loops sync.WaitGroup
	for _, p := range conns {
		ackCh := make(chan []byte, 1)
		loops.Add(2)
		go func() { // GET loop
			defer loops.Done()
			for runCtx.Err() == nil {
				pkts, err := p.poll(runCtx)
				if err != nil {
					if runCtx.Err() == nil {
						r.fail("polling GET: %v", err)
					}
					return
				}
				for _, pk := range pkts {
					switch {
					case len(pk) == 1 && pk[0] == '2':
						if err := p.post(runCtx, []byte("3")); err != nil && runCtx.Err() == nil {
							r.fail("polling pong: %v", err)
						}
					case len(pk) > 1 && pk[0] == '4' && pk[1] == '3':
						select {
						case ackCh <- pk[1:]:
						default:
							r.fail("polling: unexpected second ack %.40q", pk)
						}
					case len(pk) == 1 && pk[0] == '6', len(pk) == 0:
					case len(pk) > 0 && pk[0] == '1':
						if runCtx.Err() == nil {
							r.fail("polling: server closed the session")
						}
						return
					}
				}
			}
		}()
		go func() { // echo loop
			defer loops.Done()
			var out, expect []byte
			for id := uint64(1); runCtx.Err() == nil; id++ {
				out = append(out[:0], "42"...)
				out = strconv.AppendUint(out, id, 10)
				out = append(out, `["echo","`...)
				out = append(out, pad...)
				out = append(out, `",`...)
				out = strconv.AppendUint(out, id, 10)
				out = append(out, ']')
				expect = append(expect[:0], `["`...)
				expect = append(expect, pad...)
				expect = append(expect, `",`...)
				expect = strconv.AppendUint(expect, id, 10)
				expect = append(expect, ']')
				sent := time.Now()
				if err := p.post(runCtx, out); err != nil {
					if runCtx.Err() == nil {
						r.fail("polling POST: %v", err)
					}
					return
				}
				var pk []byte
				select {
				case pk = <-ackCh:
				case <-runCtx.Done():
					return
				}
				rtt := time.Since(sent)
				gotID, args, ok := parseAck(pk)
				if !ok || gotID != id || !bytes.Equal(args, expect) {
					r.fail("polling: ack %.60q, want id %d args %.60s", pk, id, expect)
				}
				if r.measuring() {
					acks.Add(1)
					h.Record(rtt)
				}
			}
		}()
	}
	sleepCtx(ctx, r.cfg.warmup)
	r.phase.Store(phaseMeasure)
	win := beginWindow(r.cfg.pids)
	sleepCtx(ctx, r.cfg.duration)
	r.phase.Store(phaseStop)
	win.end()
	stop()
	loops.Wait()

	// Close the sessions politely, bounded in time.
	closeCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var cw sync.WaitGroup
	for _, p := range conns {
		cw.Add(1)
		go func() {
			defer cw.Done()
			_ = p.post(closeCtx, []byte("1"))
		}()
	}
	cw.Wait()

	win.fill(&res, acks.Load())
	res.P50, res.P99, res.Max = ms(h.Quantile(0.5)), ms(h.Quantile(0.99)), ms(h.Max())
	res.OK = !win.serverDead && res.Ops > 0
	return res
}
