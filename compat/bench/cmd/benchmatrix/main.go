// Command benchmatrix runs the sio benchmark matrix: every scenario against
// every available server, the server and the load generator each pinned to
// its own core (taskset), for several interleaved passes, then writes the
// results table (RESULTS.md) with medians, min–max and sio's ratios.
//
// It expects the binaries built by compat/bench/run in -bin and is normally
// started by that script:
//
//	compat/bench/run            # full matrix, 3 passes, writes RESULTS.md
//	compat/bench/run -quick     # smoke check, tiny sizes, RESULTS-quick.md
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/socketio-go/sio/compat/bench/internal/result"
)

// scenario is one row group of the matrix: a loadgen scenario at one size.
type scenario struct {
	ID      string // stable key, e.g. "broadcast-1k"
	Title   string
	Kind    string // loadgen -scenario
	Clients int
	Args    []string // further loadgen flags
	Polling bool     // needs the long-polling transport
	Scale   bool     // the scale run: one pass
	Curve   bool     // a point of the scaling curve: one pass
	// Twin, on a curve point, is the scale scenario of the same size: the
	// servers of the scale run take that point from it instead of running
	// it twice.
	Twin string
}

// once reports whether the scenario runs a single pass (in the last one).
func (sc scenario) once() bool { return sc.Scale || sc.Curve }

// selectedBy reports whether -scenarios entry name selects the scenario:
// its id, "scale" for the scale run, "curve" for the scaling curve, or
// the kind of any other scenario.
func (sc scenario) selectedBy(name string) bool {
	switch {
	case name == sc.ID:
		return true
	case sc.Scale:
		return name == "scale"
	case sc.Curve:
		return name == "curve"
	}
	return name == sc.Kind
}

// record is one run's outcome.
type record struct {
	Server   string        `json:"server"`
	Scenario string        `json:"scenario"`
	Pass     int           `json:"pass"`
	Result   result.Result `json:"result"`
	Err      string        `json:"error,omitempty"`
	Seconds  float64       `json:"seconds"`
}

// options are the runner's settings.
type options struct {
	quick        bool
	passes       int
	servers      []string
	scenarios    []string
	scaleServers []string
	noScale      bool
	scaleClients int
	curve        []int
	curveServers []string
	noCurve      bool
	plot         string
	out          string
	jsonOut      string
	dir          string
	bin          string
	serverCPU    string
	clientCPU    string
	budget       time.Duration
	profileDir   string
	command      string
	logDir       string
	render       string
}

func main() {
	var o options
	var servers, scenarios, scaleServers, curve, curveServers string
	flag.BoolVar(&o.quick, "quick", false, "smoke check: tiny sizes, short windows, one pass")
	flag.IntVar(&o.passes, "passes", 0, "passes over the matrix (default 3, quick 1)")
	flag.StringVar(&servers, "servers", "all", "comma-separated servers (floor,node,python,zishang,sio-std,sio-gin,sio-echo,sio-fiber; sio-std-metrics,sio-std-admin only by name) or all")
	flag.StringVar(&scenarios, "scenarios", "all", "comma-separated scenario ids, or all")
	flag.StringVar(&scaleServers, "scale-servers", "all", "servers for the scale run, or all")
	flag.BoolVar(&o.noScale, "no-scale", false, "skip the scale run")
	flag.IntVar(&o.scaleClients, "scale-clients", 19000, "clients held in the scale run (quick: 1000)")
	flag.StringVar(&curve, "curve", "1000,5000,10000,19000", "client counts of the scaling curve (quick: 200,500,1000)")
	flag.StringVar(&curveServers, "curve-servers", defaultCurveServers, "servers of the scaling curve, or all")
	flag.BoolVar(&o.noCurve, "no-curve", false, "skip the scaling curve")
	flag.StringVar(&o.plot, "plot", "", "PNG plot of the scaling curve (default scaling.png next to -out, quick scaling-quick.png)")
	flag.StringVar(&o.out, "out", "", "results table to write (default RESULTS.md, quick RESULTS-quick.md)")
	flag.StringVar(&o.jsonOut, "json", "", "raw records to write (default results/latest.json)")
	flag.StringVar(&o.dir, "dir", ".", "the compat/bench directory")
	flag.StringVar(&o.bin, "bin", "bin", "directory of the built binaries (relative to -dir)")
	flag.StringVar(&o.serverCPU, "server-cpu", "0", "CPU list the servers are pinned to (taskset -c)")
	flag.StringVar(&o.clientCPU, "client-cpu", "1", "CPU list the load generator is pinned to")
	flag.DurationVar(&o.budget, "budget", 28*time.Minute, "stop starting runs after this long (the rest is reported as skipped)")
	flag.StringVar(&o.profileDir, "profile", "", "directory for CPU profiles of the Go servers (one per run)")
	flag.StringVar(&o.command, "command", "", "the command line to print in the results (default: this one)")
	flag.StringVar(&o.render, "render", "", "write the results table from this raw records file (see -json) without running anything")
	flag.Parse()

	if o.passes == 0 {
		o.passes = 3
		if o.quick {
			o.passes = 1
		}
	}
	if o.quick && !flagSet("scale-clients") {
		o.scaleClients = 1000
	}
	if o.quick && !flagSet("curve") {
		curve = "200,500,1000"
	}
	var err error
	if o.curve, err = parseSizes(curve); err != nil {
		fatal(fmt.Errorf("-curve: %w", err))
	}
	o.noCurve = o.noCurve || len(o.curve) == 0
	if o.out == "" {
		o.out = "RESULTS.md"
		if o.quick {
			o.out = "RESULTS-quick.md"
		}
	}
	if o.jsonOut == "" {
		o.jsonOut = filepath.Join("results", "latest.json")
		if o.quick {
			o.jsonOut = filepath.Join("results", "quick.json")
		}
	}
	if o.plot == "" {
		name := "scaling.png"
		if o.quick {
			name = "scaling-quick.png"
		}
		o.plot = filepath.Join(filepath.Dir(o.out), name)
	}
	if o.command == "" {
		o.command = strings.Join(os.Args, " ")
	}
	o.servers, o.scenarios, o.scaleServers = splitList(servers), splitList(scenarios), splitList(scaleServers)
	o.curveServers = splitList(curveServers)
	if err := os.Chdir(o.dir); err != nil {
		fatal(err)
	}
	o.logDir = filepath.Join("results", "logs")
	if err := os.MkdirAll(o.logDir, 0o755); err != nil {
		fatal(err)
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			fatal(err)
		}
	}
	if err := run(&o); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchmatrix:", err)
	os.Exit(1)
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

func splitList(s string) []string {
	if s == "" || s == "all" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func wanted(list []string, name string) bool {
	if list == nil {
		return true
	}
	for _, l := range list {
		if l == name {
			return true
		}
	}
	return false
}

// matrix returns the scenarios of a full or quick run.
func matrix(o *options) []scenario {
	win := []string{"-warmup", "1s", "-duration", "3s"}
	hold := "2s"
	sizes := map[string]int{"connect": 10000, "b1": 1000, "b2": 5000, "e1": 100, "e2": 1000, "poll": 200}
	if o.quick {
		win = []string{"-warmup", "300ms", "-duration", "1s"}
		hold = "500ms"
		sizes = map[string]int{"connect": 1000, "b1": 100, "b2": 300, "e1": 20, "e2": 100, "poll": 20}
	}
	k := func(n int) string {
		if n >= 1000 && n%1000 == 0 {
			return strconv.Itoa(n/1000) + "k"
		}
		return strconv.Itoa(n)
	}
	bargs := append([]string{"-window", "4", "-stall", "3s"}, win...)
	list := []scenario{
		{ID: "connect-" + k(sizes["connect"]), Title: "connect", Kind: "connect", Clients: sizes["connect"],
			Args: []string{"-inflight", "128", "-hold", hold}},
		{ID: "broadcast-" + k(sizes["b1"]), Title: "broadcast", Kind: "broadcast", Clients: sizes["b1"], Args: bargs},
		{ID: "broadcast-" + k(sizes["b2"]), Title: "broadcast", Kind: "broadcast", Clients: sizes["b2"], Args: bargs},
		{ID: "echo-" + k(sizes["e1"]), Title: "echo", Kind: "echo", Clients: sizes["e1"], Args: win},
		{ID: "echo-" + k(sizes["e2"]), Title: "echo", Kind: "echo", Clients: sizes["e2"], Args: win},
		{ID: "polling-" + k(sizes["poll"]), Title: "polling echo", Kind: "polling", Clients: sizes["poll"], Args: win, Polling: true},
	}
	held := append([]string{"-window", "1", "-stall", "5s", "-inflight", "128", "-timeout", "240s"}, win...)
	if !o.noScale {
		list = append(list, scenario{ID: "scale-" + k(o.scaleClients), Title: "scale: broadcast to all held clients",
			Kind: "broadcast", Clients: o.scaleClients, Scale: true, Args: held})
	}
	if !o.noCurve {
		for _, n := range o.curve {
			list = append(list, scenario{ID: "curve-" + k(n), Title: "scaling curve", Kind: "broadcast",
				Clients: n, Curve: true, Args: held})
		}
	}
	var out []scenario
	for _, s := range list {
		if o.scenarios == nil || slices.ContainsFunc(o.scenarios, s.selectedBy) {
			out = append(out, s)
		}
	}
	return out
}

// runs reports whether server s takes part in scenario sc.
func (o *options) runs(s *server, sc scenario) bool {
	switch {
	case s.Skip != "" || !s.fits(sc):
		return false
	case sc.Scale:
		return wanted(o.scaleServers, s.Name)
	case sc.Curve:
		return wanted(o.curveServers, s.Name) && (sc.Twin == "" || !wanted(o.scaleServers, s.Name))
	}
	return true
}

func run(o *options) error {
	raiseNoFile()
	all := knownServers(o)
	known := map[string]bool{}
	for _, s := range all {
		known[s.Name] = true
	}
	for _, list := range [][]string{o.servers, o.scaleServers, o.curveServers} {
		for _, n := range list {
			if !known[n] {
				return fmt.Errorf("unknown server %q", n)
			}
		}
	}
	var servers []*server
	for _, s := range all {
		if !wanted(o.servers, s.Name) || (s.Extra && o.servers == nil) {
			continue
		}
		servers = append(servers, s)
		if s.Skip != "" {
			fmt.Fprintf(os.Stderr, "benchmatrix: %s skipped: %s\n", s.Name, s.Skip)
		} else {
			fmt.Fprintf(os.Stderr, "benchmatrix: %s: %s\n", s.Name, s.Version)
		}
	}
	scs := matrix(o)
	for _, n := range o.scenarios {
		if !slices.ContainsFunc(scs, func(sc scenario) bool { return sc.selectedBy(n) }) {
			return fmt.Errorf("unknown scenario %q for this mode (ids: connect-10k, broadcast-1k, broadcast-5k, echo-100, echo-1k, polling-200, scale, curve, curve-<size>, or a kind: connect, broadcast, echo, polling; -quick has smaller sizes)", n)
		}
	}
	limit := noFileLimit()
	for i := range scs {
		if need := scs[i].Clients + 64; limit > 0 && uint64(need) > limit {
			n := int(limit) - 64
			fmt.Fprintf(os.Stderr, "benchmatrix: open-files limit %d: %s sized down to %d clients\n", limit, scs[i].ID, n)
			scs[i].Clients = n
		}
	}
	scs = settleCurve(scs)

	start := time.Now()
	rep := newReport(o, servers, scs)
	rep.Started = start
	total, done := 0, 0
	for _, sc := range scs {
		for _, s := range servers {
			if o.runs(s, sc) {
				if sc.once() {
					total++
				} else {
					total += o.passes
				}
			}
		}
	}
	if o.render != "" {
		b, err := os.ReadFile(o.render)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &rep.Records); err != nil {
			return fmt.Errorf("%s: %w", o.render, err)
		}
		return rep.write()
	}
	fmt.Fprintf(os.Stderr, "benchmatrix: %d runs planned\n", total)
	for pass := 1; pass <= o.passes; pass++ {
		for _, sc := range scs {
			if sc.once() && pass != o.passes {
				continue // the scale run and the curve go once, in the last pass
			}
			for _, s := range servers {
				if !o.runs(s, sc) {
					continue
				}
				done++
				if time.Since(start) > o.budget {
					rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s on %s pass %d (over the %v budget)", sc.ID, s.Name, pass, o.budget))
					continue
				}
				p := pass
				if sc.once() {
					p = 1
				}
				t0 := time.Now()
				rec := runOne(o, s, sc, p)
				rec.Seconds = time.Since(t0).Seconds()
				rep.Records = append(rep.Records, rec)
				status := "ok"
				if rec.Err != "" {
					status = "FAILED: " + rec.Err
				}
				fmt.Fprintf(os.Stderr, "[%3d/%d %5.0fs] pass %d %-14s %-10s %10.0f %s/s p99 %.2f ms srv %.0f%% cli %.0f%% other %.0f%%  %s\n",
					done, total, time.Since(start).Seconds(), p, sc.ID, s.Name, rec.Result.Rate, rec.Result.Unit,
					rec.Result.P99, 100*rec.Result.ServerCPUShare, 100*rec.Result.ClientCPUShare, 100*rec.Result.OtherCPUShare, status)
			}
		}
	}
	rep.Elapsed = time.Since(start)
	if err := writeJSON(o.jsonOut, rep.Records); err != nil {
		return err
	}
	if err := rep.write(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchmatrix: wrote %s and %s in %v\n", o.out, o.jsonOut, rep.Elapsed.Round(time.Second))
	return nil
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// nextPort is the next listening port to try. Ports are taken below the
// kernel's ephemeral range (32768 and up by default) so that none of the
// load generator's outgoing connections can hold the port a server wants.
var nextPort = 20000 + os.Getpid()%5000

// freePort returns an unused loopback port outside the ephemeral range.
func freePort() (int, error) {
	for range 2000 {
		p := nextPort
		nextPort++
		if nextPort >= 32000 {
			nextPort = 20000
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			ln.Close()
			return p, nil
		}
	}
	return 0, errors.New("no free port in 20000-31999")
}

// runOne starts the server, waits until it accepts, runs the load generator
// against it and stops the server.
func runOne(o *options, s *server, sc scenario, pass int) (rec record) {
	rec = record{Server: s.Name, Scenario: sc.ID, Pass: pass}
	port, err := freePort()
	if err != nil {
		rec.Err = err.Error()
		return rec
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	tag := fmt.Sprintf("%s-%s-p%d", s.Name, sc.ID, pass)
	logf, err := os.Create(filepath.Join(o.logDir, tag+".log"))
	if err != nil {
		rec.Err = err.Error()
		return rec
	}
	defer logf.Close()

	prof := ""
	if o.profileDir != "" && s.Profiles {
		prof = filepath.Join(o.profileDir, tag+".cpu.pprof")
	}
	argv := append([]string{"-c", o.serverCPU}, s.Argv(addr, prof)...)
	cmd := exec.Command("taskset", argv...)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		rec.Err = "start server: " + err.Error()
		return rec
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer stopServer(cmd, exited)

	if err := waitListening(addr, 20*time.Second, exited); err != nil {
		rec.Err = "server not ready: " + err.Error()
		return rec
	}
	time.Sleep(300 * time.Millisecond) // let the runtime settle before the RSS baseline

	args := []string{"-c", o.clientCPU, filepath.Join(o.bin, "loadgen"),
		"-addr", addr, "-pid", strconv.Itoa(cmd.Process.Pid),
		"-scenario", sc.Kind, "-clients", strconv.Itoa(sc.Clients), "-json"}
	args = append(args, sc.Args...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	lg := exec.CommandContext(ctx, "taskset", args...)
	var stdout bytes.Buffer
	lg.Stdout = &stdout
	lg.Stderr = logf
	fmt.Fprintf(logf, "== %s\n", strings.Join(lg.Args, " "))
	lgErr := lg.Run()
	var last []byte
	sc2 := bufio.NewScanner(&stdout)
	sc2.Buffer(make([]byte, 1<<20), 1<<20)
	for sc2.Scan() {
		if l := bytes.TrimSpace(sc2.Bytes()); len(l) > 0 && l[0] == '{' {
			last = append(last[:0], l...)
		}
	}
	if len(last) == 0 {
		rec.Err = fmt.Sprintf("no result from loadgen (%v); see %s", lgErr, logf.Name())
		return rec
	}
	if err := json.Unmarshal(last, &rec.Result); err != nil {
		rec.Err = "bad loadgen output: " + err.Error()
		return rec
	}
	if !rec.Result.OK {
		rec.Err = "run not valid: " + strings.Join(rec.Result.Notes, "; ")
	}
	return rec
}

// waitListening polls addr until it accepts a TCP connection.
func waitListening(addr string, limit time.Duration, exited <-chan error) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("server exited: %v", err)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("timed out waiting for " + addr)
}

// stopServer sends SIGTERM to the server's process group (which this runner
// created), then SIGKILL if it has not exited after a few seconds.
func stopServer(cmd *exec.Cmd, exited <-chan error) {
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
	}
}

// raiseNoFile lifts the soft open-files limit to the hard one; children
// (servers and load generator) inherit it.
func raiseNoFile() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

func noFileLimit() uint64 {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 0
	}
	return l.Cur
}
