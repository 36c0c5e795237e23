package compat

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/fibersio"
	"github.com/socketio-go/sio/internal/tooltest"
	"github.com/socketio-go/sio/stdsio"
)

// The hostile-client suite: attackers that try to make the server hold
// memory, break other clients' connections or slip past its limits, run
// against the net/http and Fiber adapters. For each attack (bounded in
// count and time) the suite checks that
//
//   - the server's live heap (runtime/metrics /gc/heap/live:bytes after a
//     GC, sampled every 100 ms during the attack, in this process, which
//     also holds the attackers' few buffers) grows by less than
//     hostileHeapBound;
//   - the offender is closed with the named reason (the session's close
//     reason, as the Engine.IO observers see it, keyed by the attacker's
//     address), or refused as the limit says;
//   - two control clients, real socket.io-clients (websocket and polling)
//     in the "control" room, which receives a broadcast every 100 ms, lose
//     none of them, keep their connection, and see a p99 latency under
//     hostileP99Bound.
//
// Every client carries an X-Forwarded-For address of its own, which the
// server believes from 127.0.0.1 (Engine.Quota.TrustedProxies): the
// address quotas then apply per client role. SIO_HOSTILE_SCALE=n
// multiplies the attacks' sizes (the figures of the hardening notes use
// 10).

// Bounds of the suite, generous for a loaded 2-core machine under -race.
const (
	hostileHeapBound = 32 << 20
	hostileP99Bound  = time.Second
	tickEvery        = 100 * time.Millisecond
)

// hostileScale is SIO_HOSTILE_SCALE, at least 1.
func hostileScale() int {
	n, _ := strconv.Atoi(os.Getenv("SIO_HOSTILE_SCALE"))
	return max(1, n)
}

// hostileEnv is the suite's server mounted in one host framework, with its
// control clients and what its observers saw.
type hostileEnv struct {
	name string
	srv  *core.Server
	url  string // http://127.0.0.1:port
	host string // 127.0.0.1:port
	logs *syncBuffer

	mu       sync.Mutex          // guards closes and refusals
	closes   map[string][]string // close reasons by client address
	refusals map[string][]string // refusal reasons by client address

	seq      atomic.Int64 // the last tick sent
	controls []*controlClient
	secret   string // a file outside the static folder
}

// newHostileServer returns the suite's Socket.IO server: short heartbeat
// (3 s + 2 s, longer than the hosts' read timeouts, so long-polls outlive
// them), every limit of the hardening options on.
func newHostileServer(logs io.Writer) *core.Server {
	opts := hostileOptions()
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts.Engine.PingInterval, opts.Engine.PingTimeout = 3*time.Second, 2*time.Second
	srv := core.NewServer(opts)
	srv.OnConnect(func(s *core.Socket) {
		if s.Handshake().Query.Get("role") == "control" {
			s.Join("control")
		}
	})
	// pull: n messages of size bytes, each encoded apart (as a chat relays
	// distinct messages), to a client that may not read them.
	srv.On("pull", func(s *core.Socket, n, size int) {
		payload := strings.Repeat("x", size)
		for i := range n {
			if s.Emit("big", i, payload) != nil {
				return
			}
		}
	})
	// relay: a handler that relays raw bytes as a JSON string (the bug the
	// server must survive: they need not be UTF-8).
	srv.On("relay", func(_ *core.Socket, b []byte) {
		_ = srv.To("control").Emit("relayed", json.RawMessage(`"`+string(b)+`"`))
	})
	// bcast: relays its arguments as they came, raw.
	srv.On("bcast", func(_ *core.Socket, args core.Args) {
		list := make([]any, args.Len())
		for i := range list {
			list[i], _ = args.Passthrough(i)
		}
		_ = srv.To("control").Emit("bcast", list...)
	})
	srv.On("spam", func(*core.Socket) {})
	srv.On("up", func(*core.Socket, core.Args) {})
	return srv
}

// startHostile starts the suite's server in host ("std" or "fiber") with
// the documented timeouts against slow clients (shortened for the test),
// its control clients and the tick broadcast.
func startHostile(t *testing.T, host string) *hostileEnv {
	t.Helper()
	node := requireNode(t)
	e := &hostileEnv{name: host, logs: &syncBuffer{}, closes: map[string][]string{}, refusals: map[string][]string{}}
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "pub", "index.html"), "index")
	writeFile(t, filepath.Join(root, "pub_private.txt"), "PRIVATE")
	e.secret = filepath.Join(root, "secret.txt")
	writeFile(t, e.secret, "SECRET")
	_ = os.Symlink("../secret.txt", filepath.Join(root, "pub", "link.txt"))
	static := core.StaticFiles{"/pub/": {Filename: filepath.Join(root, "pub")}}

	e.srv = newHostileServer(e.logs)
	observeHostile(e)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.host = ln.Addr().String()
	e.url = "http://" + e.host
	var stopHost func(context.Context) error
	switch host {
	case "std":
		hs := &http.Server{
			Handler:           stdsio.New(e.srv, stdsio.Config{StaticFiles: static}).Middleware(http.NotFoundHandler()),
			ReadHeaderTimeout: time.Second,
			ReadTimeout:       2 * time.Second,
		}
		go func() { _ = hs.Serve(ln) }()
		stopHost = hs.Shutdown
	case "fiber":
		app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
		app.Use(fibersio.New(e.srv, fibersio.Config{StaticFiles: static}))
		go func() { _ = app.Listener(ln) }()
		stopHost = app.ShutdownWithContext
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for _, c := range e.controls {
			c.stop()
		}
		if err := e.srv.Shutdown(ctx); err != nil {
			t.Errorf("sio shutdown: %v", err)
		}
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		hostileHTTP.CloseIdleConnections()
		if err := stopHost(ctx); err != nil {
			t.Errorf("host shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", e.logs)
		}
	})

	for i, transport := range []string{"websocket", "polling"} {
		e.controls = append(e.controls, startControl(t, node, e.url, transport, fmt.Sprintf("198.51.100.%d", i+1)))
	}
	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		tk := time.NewTicker(tickEvery)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				n := e.seq.Add(1)
				_ = e.srv.To("control").Emit("tick", n, float64(time.Now().UnixNano())/1e6)
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-ticked })
	for _, c := range e.controls {
		c.waitTick(t, 1)
	}
	return e
}

// observeHostile records session closes and refusals by client address.
func observeHostile(e *hostileEnv) {
	addr := func(r *engineio.Request) string { return r.Header.Get("X-Forwarded-For") }
	e.srv.Engine().Observe(&engineio.Observer{
		SessionClosed: func(s *engineio.Socket, _ string, reason engineio.CloseReason) {
			e.mu.Lock()
			defer e.mu.Unlock()
			a := addr(s.Request())
			e.closes[a] = append(e.closes[a], string(reason))
		},
		Refused: func(ce *engineio.ConnectionError) {
			e.mu.Lock()
			defer e.mu.Unlock()
			a := addr(ce.Request)
			e.refusals[a] = append(e.refusals[a], fmt.Sprintf("%d %s", ce.Code, ce.Reason))
		},
	})
}

// waitClosed waits until n sessions of client address addr have closed,
// within d, and checks their reason.
func (e *hostileEnv) waitClosed(t *testing.T, addr string, n int, want engineio.CloseReason, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		e.mu.Lock()
		got := slices.Clone(e.closes[addr])
		e.mu.Unlock()
		if len(got) >= n {
			for _, r := range got {
				if r != string(want) {
					t.Errorf("offender %s closed with %q, want %q", addr, r, want)
					break
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("offender %s: %d of %d sessions closed after %v (%q)", addr, len(got), n, d, got)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// refused returns the refusals of client address addr.
func (e *hostileEnv) refused(addr string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.refusals[addr])
}

// attack runs one attack as a subtest and checks the server's heap and the
// control clients around it.
func (e *hostileEnv) attack(t *testing.T, name string, fn func(t *testing.T)) {
	t.Run(name, func(t *testing.T) {
		base, baseRSS := liveHeap(), rss()
		from := e.seq.Load() + 1
		peak := sampleHeap()
		start := time.Now()
		fn(t)
		top, topRSS := peak.stop()
		to := e.seq.Load() + 2
		grew := int64(top) - int64(base)
		t.Logf("%s/%s: %v; live heap %.1f MiB before, peak %+.1f MiB (bound %d MiB); RSS %.1f MiB before, peak %.1f MiB",
			e.name, name, time.Since(start).Round(10*time.Millisecond), mib(base), float64(grew)/(1<<20), hostileHeapBound>>20,
			mib(baseRSS), mib(topRSS))
		if grew > hostileHeapBound {
			t.Errorf("the server's live heap grew by %.1f MiB, over %d MiB", float64(grew)/(1<<20), hostileHeapBound>>20)
		}
		for _, c := range e.controls {
			c.check(t, from, to)
		}
	})
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// liveHeap returns the live heap after a full GC.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// rss returns the process's resident set size, 0 where /proc is missing.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// heapPeak samples the live heap and the RSS until stop.
type heapPeak struct {
	quit chan struct{}
	done chan [2]uint64
}

func sampleHeap() *heapPeak {
	h := &heapPeak{quit: make(chan struct{}), done: make(chan [2]uint64, 1)}
	go func() {
		var top [2]uint64
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			top = [2]uint64{max(top[0], liveHeap()), max(top[1], rss())}
			select {
			case <-h.quit:
				h.done <- top
				return
			case <-tk.C:
			}
		}
	}()
	return h
}

// stop ends the sampling with a last sample and returns the peaks of the
// live heap and the RSS.
func (h *heapPeak) stop() (heap, rssPeak uint64) {
	close(h.quit)
	top := <-h.done
	return max(top[0], liveHeap()), max(top[1], rss())
}

// controlClient is a running compat/hostile/control.mjs.
type controlClient struct {
	transport string
	cmd       *exec.Cmd
	stdin     io.Closer
	done      chan struct{}

	mu      sync.Mutex // guards the fields below
	lat     map[int64]float64
	events  []string // every other line
	maxSeq  int64
	newTick chan struct{}
}

func startControl(t *testing.T, node, url, transport, xff string) *controlClient {
	t.Helper()
	cmd := exec.Command(node, "hostile/control.mjs")
	cmd.Env = append(os.Environ(), "URL="+url, "TRANSPORT="+transport, "XFF="+xff)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = tooltest.NewLineLog(t, "control "+transport+": ")
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &controlClient{transport: transport, cmd: cmd, stdin: stdin, done: make(chan struct{}),
		lat: map[int64]float64{}, newTick: make(chan struct{}, 1)}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			var m struct {
				Ev  string
				Seq int64
				Lat float64
			}
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				continue
			}
			c.mu.Lock()
			if m.Ev == "tick" {
				c.lat[m.Seq] = m.Lat
				c.maxSeq = max(c.maxSeq, m.Seq)
				select {
				case c.newTick <- struct{}{}:
				default:
				}
			} else {
				c.events = append(c.events, sc.Text())
			}
			c.mu.Unlock()
		}
		_ = cmd.Wait()
	}()
	t.Cleanup(c.stop)
	return c
}

func (c *controlClient) stop() {
	_ = c.stdin.Close()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// waitTick waits until the client has seen tick seq.
func (c *controlClient) waitTick(t *testing.T, seq int64) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		got := c.maxSeq
		events := slices.Clone(c.events)
		c.mu.Unlock()
		if got >= seq {
			return
		}
		select {
		case <-c.newTick:
		case <-c.done:
			t.Fatalf("control client (%s) exited: %q", c.transport, events)
		case <-deadline:
			t.Fatalf("control client (%s) never saw tick %d (last %d): %q", c.transport, seq, got, events)
		}
	}
}

// check verifies that the client received every tick of [from, to], with
// a p99 latency under the bound, and is still connected.
func (c *controlClient) check(t *testing.T, from, to int64) {
	t.Helper()
	c.waitTick(t, to)
	c.mu.Lock()
	defer c.mu.Unlock()
	var lost []int64
	var lats []float64
	for s := from; s <= to; s++ {
		l, ok := c.lat[s]
		if !ok {
			lost = append(lost, s)
			continue
		}
		lats = append(lats, l)
	}
	if len(lost) > 0 {
		t.Errorf("control client (%s) lost %d of %d broadcasts: %v", c.transport, len(lost), to-from+1, lost)
	}
	for _, ev := range c.events {
		if strings.Contains(ev, `"disconnect"`) || strings.Contains(ev, `"error"`) {
			t.Errorf("control client (%s): %s", c.transport, ev)
		}
	}
	if len(lats) == 0 {
		return
	}
	slices.Sort(lats)
	p99 := lats[min(len(lats)-1, len(lats)*99/100)]
	t.Logf("control (%s): %d broadcasts, p99 latency %.1f ms", c.transport, len(lats), p99)
	if time.Duration(p99*float64(time.Millisecond)) > hostileP99Bound {
		t.Errorf("control client (%s): p99 latency %.0f ms, over %v", c.transport, p99, hostileP99Bound)
	}
}

// sawEvent reports whether the client received an event line containing s.
func (c *controlClient) sawEvent(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.ContainsFunc(c.events, func(ev string) bool { return strings.Contains(ev, s) })
}

// hostileHTTP is the attackers' HTTP client: no transparent gzip, its
// keep-alive connections closed at the end.
var hostileHTTP = &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}

// errStatus reports an HTTP answer that is not 200.
var errStatus = errors.New("HTTP status")
