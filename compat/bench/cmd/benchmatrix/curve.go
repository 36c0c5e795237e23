package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// defaultCurveServers are the servers of the scaling curve: sio through
// each adapter, the floor and Node (the peers that hold 19k clients in a
// few seconds).
const defaultCurveServers = "floor,sio-std,sio-gin,sio-echo,sio-fiber,node"

// parseSizes reads the -curve list: positive client counts, separated by
// commas, returned in increasing order without repeats.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive client count", f)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// settleCurve fixes the curve points once the matrix is sized to the
// open-files limit: a point's id names the size it will run, points sized
// down to the same count are run once, and a point as large as the scale
// run is taken from it (Twin).
func settleCurve(scs []scenario) []scenario {
	var out []scenario
	seen := map[int]bool{}
	scaleID := map[int]string{}
	for _, sc := range scs {
		if sc.Scale {
			scaleID[sc.Clients] = sc.ID
		}
	}
	for _, sc := range scs {
		if sc.Curve {
			if seen[sc.Clients] {
				continue
			}
			seen[sc.Clients] = true
			sc.ID = "curve-" + strconv.Itoa(sc.Clients)
			if n := sc.Clients; n >= 1000 && n%1000 == 0 {
				sc.ID = "curve-" + strconv.Itoa(n/1000) + "k"
			}
			sc.Twin = scaleID[sc.Clients]
		}
		out = append(out, sc)
	}
	return out
}

// curvePoint is one server at one size: medians over its valid runs.
type curvePoint struct {
	Clients  int
	RSSConn  float64 // KiB per connection, right after connecting
	P50, P99 float64 // broadcast delivery latency, ms
	Noisy    bool    // other load ≥ 10 % of a core over the window
	Failed   int     // runs at this size that did not measure
	Runs     int
}

// curveSeries is one server's line of the scaling curve.
type curveSeries struct {
	Server string
	Points []curvePoint // increasing Clients
}

// isCurveRecord reports whether a record belongs to the scaling curve: a
// curve point, or the scale run (the curve's largest point when sizes
// agree, and a point of it in any case).
func isCurveRecord(rec record) bool {
	return strings.HasPrefix(rec.Scenario, "curve-") || strings.HasPrefix(rec.Scenario, "scale-")
}

// curves gathers the scaling curve from the records: one series per server
// of -curve-servers with at least one curve record, the sizes being the
// clients each run asked for. It reads the records only, so -render draws
// a curve whatever -curve the run had.
func (r *report) curves() (sizes []int, series []curveSeries) {
	if r.o.noCurve {
		return nil, nil
	}
	type key struct {
		server  string
		clients int
	}
	cells := map[key]*cell{}
	hasCurve := map[string]bool{}
	for _, rec := range r.Records {
		if !isCurveRecord(rec) || !wanted(r.o.curveServers, rec.Server) {
			continue
		}
		if strings.HasPrefix(rec.Scenario, "curve-") {
			hasCurve[rec.Server] = true
		}
		n := rec.Result.Clients
		if n == 0 {
			n = clientsOf(rec.Scenario)
		}
		k := key{rec.Server, n}
		if cells[k] == nil {
			cells[k] = &cell{}
			if !slices.Contains(sizes, n) {
				sizes = append(sizes, n)
			}
		}
		cells[k].add(rec)
	}
	slices.Sort(sizes)
	for _, name := range r.serverOrder() {
		if !hasCurve[name] {
			continue
		}
		s := curveSeries{Server: name}
		for _, n := range sizes {
			c := cells[key{name, n}]
			if c == nil {
				continue
			}
			p := curvePoint{Clients: n, Runs: c.runs, Failed: c.failed}
			if c.rate.ok() {
				p.RSSConn, p.P50, p.P99 = c.rssConn.median(), c.p50.median(), c.p99.median()
				p.Noisy = c.other.median() >= 0.1
			}
			s.Points = append(s.Points, p)
		}
		series = append(series, s)
	}
	return sizes, series
}

// clientsOf reads the size out of a scenario id ("curve-5k" → 5000), for
// records whose result carries no client count (a run that failed early).
func clientsOf(id string) int {
	s := id[strings.LastIndexByte(id, '-')+1:]
	mult := 1
	if strings.HasSuffix(s, "k") {
		s, mult = strings.TrimSuffix(s, "k"), 1000
	}
	n, _ := strconv.Atoi(s)
	return n * mult
}

// serverOrder is the servers of the report in table order, then any
// server that only the records name (a -render of another machine's run).
func (r *report) serverOrder() []string {
	var names []string
	for _, s := range r.Servers {
		names = append(names, s.Name)
	}
	for _, rec := range r.Records {
		if !slices.Contains(names, rec.Server) {
			names = append(names, rec.Server)
		}
	}
	return names
}

// scaling renders the Scaling section: RSS per connection and broadcast
// delivery p50 / p99 against the number of idle websockets held, one row
// per server, and the plot when one was written (plot: its path relative
// to RESULTS.md).
func (r *report) scaling(b *strings.Builder, plot string) {
	sizes, series := r.curves()
	if len(series) == 0 {
		return
	}
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("## Scaling\n\n")
	w("Idle websockets held by one server (%s clients), broadcasts to all of them one at a time, as in the scale run ", joinSizes(sizes))
	w("(the scale run is the point of its size); one pass. RSS per connection is measured right after connecting; ")
	w("latency is from send to delivery (timestamp in the payload). § marks a point whose window shared the machine with other load.\n\n")
	if plot != "" {
		w("![RSS per connection and broadcast delivery p99 against idle websockets held, one line per server](%s)\n\n", filepath.ToSlash(plot))
	}
	header := func(title string) {
		w("**%s**\n\n| server |", title)
		for _, n := range sizes {
			w(" %s |", num(float64(n)))
		}
		w("\n|---|%s\n", strings.Repeat("---|", len(sizes)))
	}
	row := func(s curveSeries, f func(curvePoint) string) {
		w("| %s |", s.Server)
		for _, n := range sizes {
			i := slices.IndexFunc(s.Points, func(p curvePoint) bool { return p.Clients == n })
			switch {
			case i < 0:
				w(" — |")
			case s.Points[i].Runs == s.Points[i].Failed:
				w(" failed |")
			default:
				mark := ""
				if s.Points[i].Noisy {
					mark = " §"
				}
				w(" %s%s |", f(s.Points[i]), mark)
			}
		}
		w("\n")
	}
	header("RSS per connection, KiB")
	for _, s := range series {
		row(s, func(p curvePoint) string { return num(p.RSSConn) })
	}
	w("\n")
	header("Broadcast delivery p50 / p99, ms")
	for _, s := range series {
		row(s, func(p curvePoint) string { return num(p.P50) + " / " + num(p.P99) })
	}
	w("\n")
}

func joinSizes(sizes []int) string {
	var parts []string
	for _, n := range sizes {
		parts = append(parts, num(float64(n)))
	}
	return strings.Join(parts, ", ")
}

// write writes RESULTS.md and, when the records hold a scaling curve, its
// plot next to it (-plot).
func (r *report) write() error {
	var errs []error
	plotRef := ""
	if _, series := r.curves(); len(series) > 0 && r.o.plot != "" {
		if err := writePlot(r.o.plot, series); err != nil {
			errs = append(errs, fmt.Errorf("plot: %w", err))
		} else if rel, err := filepath.Rel(filepath.Dir(r.o.out), r.o.plot); err == nil {
			plotRef = rel
		} else {
			plotRef = r.o.plot
		}
	}
	r.plotRef = plotRef
	if err := os.WriteFile(r.o.out, []byte(r.markdown()), 0o644); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
