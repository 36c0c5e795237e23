// Command loadgen is the sio benchmark load generator: a minimal Socket.IO v5
// / Engine.IO v4 client (websocket via gorilla/websocket, and HTTP
// long-polling) that drives one scenario against one server on the loopback
// interface and reports throughput, latency percentiles, the server's CPU
// time and RSS (read from /proc/<pid>) and its own CPU share.
//
// Every run is bounded: by -clients in count and by -warmup, -duration,
// -hold and the hard -timeout in time.
//
// Scenarios:
//
//	connect    N clients connect (at most -inflight handshakes at once); conns/s,
//	           handshake p50/p99, server RSS per connection after -hold.
//	broadcast  N receivers + 1 sender keeping -window broadcasts in flight;
//	           deliveries/s, delivery latency p50/p99, lost broadcasts.
//	echo       N clients each with one "echo" ack outstanding; acks/s, RTT.
//	polling    echo over HTTP long-polling instead of websocket.
//	receive    N receivers of the broadcasts another load generator's
//	           sender makes on another server of a cluster (same -epoch);
//	           deliveries/s and delivery latency p50/p99 over -duration.
//
// The server contract is documented in compat/bench/README.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/compat/bench/internal/procstat"
	"github.com/socketio-go/sio/compat/bench/internal/result"
)

// config holds the command-line settings of one run.
type config struct {
	scenario  string
	addrs     []string // the servers: clients are spread over them in turn (a broadcast's sender on the first)
	path      string
	pids      []int // the server processes, whose CPU time and RSS are summed
	clients   int
	inflight  int
	window    int
	payload   int
	hold      time.Duration
	warmup    time.Duration
	duration  time.Duration
	timeout   time.Duration
	stall     time.Duration
	hsTimeout time.Duration
	jsonOut   bool
	epoch     int64 // unix microseconds of the payload timestamps' zero (0: the run's start)
}

// Run phases, in order. Counters and histograms record only in phaseMeasure.
const (
	phaseConnect int32 = iota
	phaseWarmup
	phaseMeasure
	phaseStop
)

// run is the state shared by all clients of one scenario run.
type run struct {
	cfg   config
	start time.Time // zero point of the timestamps embedded in payloads
	phase atomic.Int32

	errs    atomic.Int64
	notesMu sync.Mutex // guards notes
	notes   []string
}

// fail counts a protocol or transport error and keeps its text if it is one
// of the first few.
func (r *run) fail(format string, args ...any) {
	r.errs.Add(1)
	r.notesMu.Lock()
	if len(r.notes) < 6 {
		r.notes = append(r.notes, fmt.Sprintf(format, args...))
	}
	r.notesMu.Unlock()
}

func (r *run) measuring() bool { return r.phase.Load() == phaseMeasure }

// sinceStart is the payload timestamp: microseconds since the run started.
func (r *run) sinceStart() int64 { return time.Since(r.start).Microseconds() }

// window measures what the server and this process spent between begin and end.
type window struct {
	pids       []int
	t0         time.Time
	srv0       procstat.Sample
	self0      time.Duration
	sys0       time.Duration
	srvErr     error
	Wall       time.Duration
	ServerCPU  time.Duration
	ClientCPU  time.Duration
	OtherCPU   time.Duration
	ServerRSS  int64
	serverDead bool
}

func beginWindow(pids []int) *window {
	w := &window{pids: pids, t0: time.Now(), self0: procstat.Self(), sys0: procstat.SystemBusy()}
	if len(pids) > 0 {
		w.srv0, w.srvErr = readAll(pids)
	}
	return w
}

// readAll returns the summed CPU time and RSS of the processes pids.
func readAll(pids []int) (procstat.Sample, error) {
	var sum procstat.Sample
	for _, pid := range pids {
		s, err := procstat.Read(pid)
		if err != nil {
			return sum, err
		}
		sum.CPU += s.CPU
		sum.RSSKiB += s.RSSKiB
	}
	return sum, nil
}

func (w *window) end() {
	w.Wall = time.Since(w.t0)
	w.ClientCPU = procstat.Self() - w.self0
	sys := procstat.SystemBusy() - w.sys0
	if len(w.pids) > 0 {
		s, err := readAll(w.pids)
		if err != nil || w.srvErr != nil {
			w.serverDead = true
			return
		}
		w.ServerCPU = s.CPU - w.srv0.CPU
		w.ServerRSS = s.RSSKiB
	}
	if w.OtherCPU = sys - w.ServerCPU - w.ClientCPU; w.OtherCPU < 0 {
		w.OtherCPU = 0
	}
}

// fill copies the window's figures into res, given the op count.
func (w *window) fill(res *result.Result, ops int64) {
	res.Window = w.Wall.Seconds()
	res.Ops = ops
	if res.Window > 0 {
		res.Rate = float64(ops) / res.Window
		res.ClientCPUShare = w.ClientCPU.Seconds() / res.Window
		res.ServerCPUShare = w.ServerCPU.Seconds() / res.Window
		res.OtherCPUShare = w.OtherCPU.Seconds() / res.Window
	}
	res.ServerCPU = w.ServerCPU.Seconds()
	if res.ServerCPU > 0 {
		res.PerServerCPU = float64(ops) / res.ServerCPU
	}
}

func main() {
	var c config
	flag.StringVar(&c.scenario, "scenario", "echo", "connect, broadcast, echo, polling or receive")
	addrs := flag.String("addr", "127.0.0.1:3000", "server host:port (loopback only); several, comma-separated, for a cluster: clients go to each in turn")
	flag.StringVar(&c.path, "path", "/socket.io/", "Engine.IO path")
	pids := flag.String("pid", "", "server process id for CPU and RSS readings, or several comma-separated (summed); empty: none")
	flag.IntVar(&c.clients, "clients", 100, "clients (broadcast: receivers; the sender is one more)")
	flag.IntVar(&c.inflight, "inflight", 128, "handshakes in flight while connecting")
	flag.IntVar(&c.window, "window", 8, "broadcast: broadcasts in flight (not yet delivered to every receiver)")
	flag.IntVar(&c.payload, "payload", 32, "padding bytes in each echo / broadcast payload")
	flag.DurationVar(&c.hold, "hold", 2*time.Second, "connect: time to hold the connections before reading RSS")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "load before the measurement window")
	flag.DurationVar(&c.duration, "duration", 3*time.Second, "measurement window")
	flag.DurationVar(&c.timeout, "timeout", 120*time.Second, "hard bound on the whole run")
	flag.DurationVar(&c.stall, "stall", 3*time.Second, "broadcast: a broadcast not fully delivered after this is lost")
	flag.DurationVar(&c.hsTimeout, "handshake-timeout", 15*time.Second, "bound on one client's handshake")
	flag.BoolVar(&c.jsonOut, "json", false, "print the result as one JSON line on stdout")
	flag.Int64Var(&c.epoch, "epoch", 0, "zero of the broadcast timestamps, unix microseconds: the same for the load generators of one cluster run, so receive measures another's broadcasts (0: this run's start)")
	flag.Parse()

	c.addrs = strings.Split(*addrs, ",")
	for _, a := range c.addrs {
		if err := checkLoopback(a); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(2)
		}
	}
	for _, p := range strings.FieldsFunc(*pids, func(r rune) bool { return r == ',' }) {
		pid, err := strconv.Atoi(p)
		if err != nil || pid <= 0 {
			fmt.Fprintf(os.Stderr, "loadgen: -pid %q: not a process id\n", p)
			os.Exit(2)
		}
		c.pids = append(c.pids, pid)
	}
	if c.clients < 1 || c.inflight < 1 || c.window < 1 {
		fmt.Fprintln(os.Stderr, "loadgen: -clients, -inflight and -window must be positive")
		os.Exit(2)
	}

	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	r := &run{cfg: c, start: time.Now()}
	if c.epoch > 0 {
		r.start = time.UnixMicro(c.epoch)
	}

	var res result.Result
	switch c.scenario {
	case "connect":
		res = r.connect(ctx)
	case "broadcast":
		res = r.broadcast(ctx)
	case "receive":
		res = r.receive(ctx)
	case "echo":
		res = r.echo(ctx)
	case "polling":
		res = r.polling(ctx)
	default:
		fmt.Fprintf(os.Stderr, "loadgen: unknown scenario %q\n", c.scenario)
		os.Exit(2)
	}
	if res.RSSPerConnKB == 0 && res.Connected > 0 && res.RSSAfterKiB > 0 && res.RSSBeforeKiB > 0 {
		// Other scenarios: measured right after connecting, without a hold.
		res.RSSPerConnKB = float64(res.RSSAfterKiB-res.RSSBeforeKiB) / float64(res.Connected)
	}
	res.Scenario = c.scenario
	res.Clients = c.clients
	res.Errors = r.errs.Load()
	res.Notes = r.notes
	if !res.OK && res.Ops == 0 && res.Connected > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("nothing completed in the %.2fs window (server %.0f%%, load generator %.0f%%, other load %.0f%% of a core)",
			res.Window, 100*res.ServerCPUShare, 100*res.ClientCPUShare, 100*res.OtherCPUShare))
	}
	if ctx.Err() != nil {
		res.OK = false
		res.Notes = append(res.Notes, "run hit -timeout "+c.timeout.String())
	}
	for _, pid := range c.pids {
		if !procstat.Alive(pid) {
			res.OK = false
			res.Notes = append(res.Notes, fmt.Sprintf("server process %d is gone", pid))
		}
	}

	fmt.Fprintln(os.Stderr, summary(&res))
	if c.jsonOut {
		b, _ := json.Marshal(res)
		fmt.Println(string(b))
	}
	if !res.OK {
		os.Exit(1)
	}
}

// checkLoopback refuses any target outside 127.0.0.0/8 and ::1.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address; loadgen only targets this machine", addr)
	}
	return nil
}

func summary(r *result.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s clients=%d connected=%d (in %.1fs) conn_errors=%d ok=%v\n", r.Scenario, r.Clients, r.Connected, r.ConnectSeconds, r.ConnectErrors, r.OK)
	fmt.Fprintf(&b, "  %.0f %s/s over %.2fs (%d %s); p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
		r.Rate, r.Unit, r.Window, r.Ops, r.Unit, r.P50, r.P99, r.Max)
	fmt.Fprintf(&b, "  server cpu %.2fs (%.0f%% of a core), %.0f %s per server-cpu-s; client cpu %.0f%% of a core; other load %.0f%% of a core\n",
		r.ServerCPU, 100*r.ServerCPUShare, r.PerServerCPU, r.Unit, 100*r.ClientCPUShare, 100*r.OtherCPUShare)
	fmt.Fprintf(&b, "  server rss %d KiB -> %d KiB (%.1f KiB per connection)", r.RSSBeforeKiB, r.RSSAfterKiB, r.RSSPerConnKB)
	if r.Scenario == "broadcast" || r.Scenario == "receive" {
		fmt.Fprintf(&b, "\n  broadcasts %d, lost %d (%d deliveries missing)", r.Broadcasts, r.LostBroadcasts, r.LostDeliveries)
	}
	fmt.Fprintf(&b, "\n  errors %d", r.Errors)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\n  note: %s", n)
	}
	return b.String()
}
