package main

import (
	"bytes"
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/compat/bench/internal/hist"
	"github.com/socketio-go/sio/compat/bench/internal/result"
)

const ringSize = 1 << 16 // broadcasts tracked at once; far above any window

// bslot tracks one broadcast in flight: its sequence number and how many
// receivers got it.
type bslot struct {
	seq   atomic.Int64
	count atomic.Int64
}

// bcastState is shared by the sender and every receiver.
type bcastState struct {
	r         *run
	receivers int64
	ring      []bslot
	done      chan int64 // seq of each broadcast every receiver got
	h         hist.Hist
	delivered atomic.Int64 // deliveries received in the window
	stale     atomic.Int64 // deliveries of broadcasts already given up
}

var bcastPrefix = []byte(`2["bcast","`)

// onDelivery parses 2["bcast","<seq>,<t>,<pad>"] (the body after '4').
func (b *bcastState) onDelivery(p []byte) {
	if !bytes.HasPrefix(p, bcastPrefix) {
		if len(p) > 0 && p[0] == '3' {
			return
		}
		b.r.fail("broadcast: unexpected packet %.60q", p)
		return
	}
	rest := p[len(bcastPrefix):]
	if bytes.HasPrefix(rest, []byte(`probe"`)) {
		return // the contract check
	}
	seq, rest, ok1 := parseUint(rest)
	if !ok1 || len(rest) == 0 || rest[0] != ',' {
		b.r.fail("broadcast: bad payload %.60q", p)
		return
	}
	ts, rest, ok2 := parseUint(rest[1:])
	if !ok2 || !bytes.HasSuffix(rest, []byte(`"]`)) {
		b.r.fail("broadcast: bad payload %.60q", p)
		return
	}
	slot := &b.ring[seq%ringSize]
	if slot.seq.Load() != int64(seq) {
		b.stale.Add(1)
		return
	}
	if b.r.measuring() {
		b.delivered.Add(1)
		b.h.Record(time.Duration(b.r.sinceStart()-int64(ts)) * time.Microsecond)
	}
	if slot.count.Add(1) == b.receivers {
		b.done <- int64(seq)
	}
}

// parseUint reads leading decimal digits.
func parseUint(p []byte) (uint64, []byte, bool) {
	var v uint64
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		v = v*10 + uint64(p[i]-'0')
		i++
	}
	return v, p[i:], i > 0
}

// broadcast measures fan-out: one sender keeps cfg.window broadcasts in
// flight (a broadcast leaves the window when every receiver got it, or is
// declared lost after cfg.stall); receivers timestamp each delivery.
func (r *run) broadcast(ctx context.Context) result.Result {
	res := result.Result{Unit: "deliveries", RSSBeforeKiB: r.rssNow()}
	b := &bcastState{r: r, ring: make([]bslot, ringSize), done: make(chan int64, ringSize)}
	for i := range b.ring {
		b.ring[i].seq.Store(-1)
	}
	conns, _, fails, took := r.connectAll(ctx, r.cfg.clients, func(int, *wsConn) func([]byte) {
		return b.onDelivery
	})
	defer closeAll(conns)
	res.Connected, res.ConnectErrors, res.ConnectSeconds = len(conns), fails, took.Seconds()
	b.receivers = int64(len(conns))

	// The sender is one more client; it gets its own broadcasts and drops them.
	acks := make(chan []byte, 4)
	senders, _, sfail, _ := r.connectAll(ctx, 1, func(int, *wsConn) func([]byte) {
		return func(p []byte) {
			if _, args, ok := parseAck(p); ok {
				select {
				case acks <- append([]byte(nil), args...):
				default:
				}
			}
		}
	})
	defer closeAll(senders)
	res.RSSAfterKiB = r.rssNow()
	if len(conns) == 0 || sfail > 0 || len(senders) == 0 {
		r.fail("broadcast: %d receivers, sender failed: %v", len(conns), sfail > 0)
		return res
	}
	sender := senders[0]

	// Contract check: bcast with an ack id is acknowledged with no arguments.
	if err := sender.write([]byte(`421["bcast","probe"]`)); err != nil {
		r.fail("broadcast: probe: %v", err)
		return res
	}
	select {
	case a := <-acks:
		if string(a) != "[]" {
			r.fail("broadcast: bcast ack args %.40s, want []", a)
		}
	case <-time.After(r.cfg.stall):
		r.fail("broadcast: no ack for bcast with ack id within %v", r.cfg.stall)
	case <-ctx.Done():
	}

	// The sender runs on its own goroutine; the phases follow the clock
	// below, so a stalled sender (or server) cannot shift the window.
	senderDone := make(chan senderStats, 1)
	r.phase.Store(phaseWarmup)
	go func() { senderDone <- b.send(ctx, sender) }()
	sleepCtx(ctx, r.cfg.warmup)
	r.phase.Store(phaseMeasure)
	win := beginWindow(r.cfg.pids)
	sleepCtx(ctx, r.cfg.duration)
	r.phase.Store(phaseStop)
	win.end()
	st := <-senderDone
	win.fill(&res, b.delivered.Load())
	res.P50, res.P99, res.Max = ms(b.h.Quantile(0.5)), ms(b.h.Quantile(0.99)), ms(b.h.Max())
	res.Broadcasts, res.LostBroadcasts, res.LostDeliveries = st.sent, st.lostB, st.lostD
	res.OK = !win.serverDead && res.Ops > 0
	return res
}

// senderStats is what the sender counted for broadcasts sent in the window.
type senderStats struct{ sent, lostB, lostD int64 }

// send keeps r.cfg.window broadcasts in flight until the run stops, then
// waits up to r.cfg.stall for the window's broadcasts to complete. A
// broadcast not delivered to every receiver within r.cfg.stall is lost.
func (b *bcastState) send(ctx context.Context, sender *wsConn) senderStats {
	r := b.r
	pad := padding(r.cfg.payload)
	type pending struct {
		seq      int64
		sent     time.Time
		measured bool
	}
	var (
		st          senderStats
		outstanding = make(map[int64]pending, r.cfg.window)
		order       []int64 // send order of outstanding, oldest first (may hold finished seqs)
		seq         int64
		out         []byte
		timer       = time.NewTimer(time.Hour)
	)
	defer timer.Stop()
	giveUp := func(p pending) {
		slot := &b.ring[p.seq%ringSize]
		got := slot.count.Load()
		slot.seq.Store(-1)
		if p.measured {
			st.lostB++
			st.lostD += b.receivers - got
		}
		delete(outstanding, p.seq)
	}
	// wait blocks until a broadcast completes or d passes; on timeout the
	// oldest broadcast is given up if it is past the stall limit.
	wait := func(d time.Duration) {
		for len(order) > 0 {
			if _, ok := outstanding[order[0]]; ok {
				break
			}
			order = order[1:]
		}
		if len(order) > 0 {
			if s := time.Until(outstanding[order[0]].sent.Add(r.cfg.stall)); s < d {
				d = s
			}
		}
		if d < 0 {
			d = 0
		}
		timer.Reset(d)
		select {
		case s := <-b.done:
			delete(outstanding, s)
		case <-timer.C:
			if len(order) > 0 {
				if p, ok := outstanding[order[0]]; ok && time.Since(p.sent) >= r.cfg.stall {
					giveUp(p)
				}
			}
		case <-ctx.Done():
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
	for ctx.Err() == nil && r.phase.Load() < phaseStop {
		for len(outstanding) < r.cfg.window && r.phase.Load() < phaseStop {
			seq++
			slot := &b.ring[seq%ringSize]
			slot.count.Store(0)
			slot.seq.Store(seq)
			out = append(out[:0], `42["bcast","`...)
			out = strconv.AppendInt(out, seq, 10)
			out = append(out, ',')
			out = strconv.AppendInt(out, r.sinceStart(), 10)
			out = append(out, ',')
			out = append(out, pad...)
			out = append(out, `"]`...)
			m := r.measuring()
			if m {
				st.sent++
			}
			outstanding[seq] = pending{seq: seq, sent: time.Now(), measured: m}
			order = append(order, seq)
			if err := sender.write(out); err != nil {
				r.fail("broadcast: send: %v", err)
				return st
			}
		}
		// Re-check the phase at least every 50 ms.
		wait(50 * time.Millisecond)
	}
	// Let the broadcasts of the window finish, or give them up.
	graceEnd := time.Now().Add(r.cfg.stall)
	for len(outstanding) > 0 && time.Now().Before(graceEnd) && ctx.Err() == nil {
		wait(time.Until(graceEnd))
	}
	for _, p := range outstanding {
		giveUp(p)
	}
	return st
}

// receive holds cfg.clients receivers of the broadcasts a sender of
// another load generator makes (a cluster run: the sender on one server,
// these receivers on another, the same -epoch for both) and records the
// delivery latency of every broadcast during cfg.warmup + cfg.duration
// after they connected; deliveries/s count the measured window only.
func (r *run) receive(ctx context.Context) result.Result {
	res := result.Result{Unit: "deliveries", RSSBeforeKiB: r.rssNow()}
	var (
		h         hist.Hist
		delivered atomic.Int64
		seen      atomic.Int64 // deliveries of the whole run, for the notes
	)
	conns, _, fails, took := r.connectAll(ctx, r.cfg.clients, func(int, *wsConn) func([]byte) {
		return func(p []byte) {
			if !bytes.HasPrefix(p, bcastPrefix) {
				return
			}
			rest := p[len(bcastPrefix):]
			_, rest, ok1 := parseUint(rest)
			if !ok1 || len(rest) == 0 || rest[0] != ',' {
				return // the sender's contract probe, or another server's
			}
			ts, _, ok2 := parseUint(rest[1:])
			if !ok2 {
				r.fail("receive: bad payload %.60q", p)
				return
			}
			seen.Add(1)
			if r.measuring() {
				delivered.Add(1)
				h.Record(time.Duration(r.sinceStart()-int64(ts)) * time.Microsecond)
			}
		}
	})
	defer closeAll(conns)
	res.Connected, res.ConnectErrors, res.ConnectSeconds = len(conns), fails, took.Seconds()
	res.RSSAfterKiB = r.rssNow()
	if len(conns) == 0 {
		r.fail("receive: no receiver connected")
		return res
	}
	r.phase.Store(phaseWarmup)
	sleepCtx(ctx, r.cfg.warmup)
	r.phase.Store(phaseMeasure)
	win := beginWindow(r.cfg.pids)
	sleepCtx(ctx, r.cfg.duration)
	r.phase.Store(phaseStop)
	win.end()
	win.fill(&res, delivered.Load())
	res.P50, res.P99, res.Max = ms(h.Quantile(0.5)), ms(h.Quantile(0.99)), ms(h.Max())
	res.OK = !win.serverDead && res.Ops > 0
	if seen.Load() == 0 {
		res.Notes = append(res.Notes, "no broadcast arrived: is a sender running with the same -epoch?")
	}
	return res
}
