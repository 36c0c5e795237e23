package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/socketio-go/sio/compat/bench/internal/result"
)

var curveNames = []string{"floor", "sio-std", "sio-fiber", "node"}

// syntheticRecords is a curve run of curveNames at 1k, 5k and 10k plus
// their scale run at 19k, with each server's figures well apart, a python
// scale run (not a curve server) and one failed point.
func syntheticRecords() []record {
	var recs []record
	for i, name := range curveNames {
		for _, n := range []int{1000, 5000, 10000, 19000} {
			id := "curve-" + clientsLabel(float64(n))
			if n == 19000 {
				id = "scale-19k"
			}
			f := float64(n) / 1000
			recs = append(recs, record{Server: name, Scenario: id, Pass: 1, Result: result.Result{
				Scenario: "broadcast", Clients: n, Connected: n, Rate: 1000, OK: true,
				RSSPerConnKB: 10 + 6*float64(i) + f/10,
				P50:          float64(i+1) * f * 5, P99: float64(i+1) * f * 20,
			}})
		}
	}
	recs = append(recs,
		record{Server: "python", Scenario: "scale-19k", Pass: 1, Result: result.Result{Clients: 19000, Rate: 12, OK: true, P99: 1130, RSSPerConnKB: 33}},
		record{Server: "sio-gin", Scenario: "curve-1k", Pass: 1, Err: "server not ready: timed out"},
		record{Server: "sio-std", Scenario: "echo-100", Pass: 1, Result: result.Result{Clients: 100, Rate: 5, OK: true}},
	)
	return recs
}

func curveReport(t *testing.T) *report {
	t.Helper()
	dir := t.TempDir()
	o := &options{passes: 3, scaleClients: 19000, curve: []int{1000, 5000, 10000, 19000},
		curveServers: splitList(defaultCurveServers), out: filepath.Join(dir, "RESULTS.md"),
		plot: filepath.Join(dir, "scaling.png"), command: "test"}
	var servers []*server
	for _, n := range []string{"floor", "sio-std", "sio-gin", "sio-fiber", "node", "python"} {
		servers = append(servers, &server{Name: n, Kind: "peer", Version: "test"})
	}
	rep := newReport(o, servers, settleCurve(matrix(o)))
	rep.Records = syntheticRecords()
	return rep
}

func TestCurves(t *testing.T) {
	rep := curveReport(t)
	sizes, series := rep.curves()
	if !slices.Equal(sizes, []int{1000, 5000, 10000, 19000}) {
		t.Fatalf("sizes %v", sizes)
	}
	var names []string
	for _, s := range series {
		names = append(names, s.Server)
	}
	// python has only a scale run and is not a curve server; sio-gin has
	// one failed point.
	if want := []string{"floor", "sio-std", "sio-gin", "sio-fiber", "node"}; !slices.Equal(names, want) {
		t.Fatalf("series %v, want %v", names, want)
	}
	std := series[1]
	if len(std.Points) != 4 || std.Points[3].Clients != 19000 || std.Points[3].P99 != 2*19*20 || std.Points[0].RSSConn != 16.1 {
		t.Errorf("sio-std points %+v", std.Points)
	}
	if gin := series[2]; len(gin.Points) != 1 || gin.Points[0].measured() {
		t.Errorf("sio-gin points %+v", gin.Points)
	}
}

func TestSettleCurve(t *testing.T) {
	scs := settleCurve([]scenario{
		{ID: "scale-19k", Scale: true, Clients: 4936},
		{ID: "curve-1k", Curve: true, Clients: 1000},
		{ID: "curve-5k", Curve: true, Clients: 4936},
		{ID: "curve-10k", Curve: true, Clients: 4936},
	})
	var ids []string
	for _, sc := range scs {
		ids = append(ids, sc.ID+"/"+sc.Twin)
	}
	if want := []string{"scale-19k/", "curve-1k/", "curve-4936/scale-19k"}; !slices.Equal(ids, want) {
		t.Errorf("settled %v, want %v", ids, want)
	}
	o := &options{scaleServers: []string{"floor"}, curveServers: []string{"floor", "node"}}
	twin := scs[2]
	if o.runs(&server{Name: "floor"}, twin) || !o.runs(&server{Name: "node"}, twin) || o.runs(&server{Name: "python"}, scs[1]) {
		t.Error("the scale run's servers take the twin point from it, the others run it")
	}
	if s, err := parseSizes("5000, 1000,5000"); err != nil || !slices.Equal(s, []int{1000, 5000}) {
		t.Errorf("parseSizes: %v %v", s, err)
	}
	if _, err := parseSizes("1k"); err == nil {
		t.Error("parseSizes accepted 1k")
	}
}

// writeFile writes the synthetic report and returns it with one of its
// outputs (RESULTS.md or the plot, picked by which).
func writeFile(t *testing.T, which func(*options) string) (*report, []byte) {
	t.Helper()
	rep := curveReport(t)
	if err := rep.write(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(which(rep.o))
	if err != nil || len(b) == 0 {
		t.Fatalf("%s: %d bytes, %v", which(rep.o), len(b), err)
	}
	return rep, b
}

func TestScalingTable(t *testing.T) {
	_, b := writeFile(t, func(o *options) string { return o.out })
	md := string(b)
	i := strings.Index(md, "## Scaling")
	if i < 0 {
		t.Fatalf("no Scaling section:\n%s", md)
	}
	sec := md[i:]
	sec = sec[:strings.Index(sec, "## Failures")]
	for _, want := range []string{
		"![RSS per connection", "(scaling.png)",
		"| server | 1,000 | 5,000 | 10,000 | 19,000 |",
		"| sio-std | 16.1 | 16.5 | 17 | 17.9 |",
		"| node | 20 / 80 | 100 / 400 | 200 / 800 | 380 / 1,520 |",
		"| sio-gin | failed | — | — | — |",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("Scaling section lacks %q:\n%s", want, sec)
		}
	}
	if strings.Contains(sec, "python") || strings.Contains(md, "### curve-") {
		t.Errorf("python or a per-scenario curve table in:\n%s", md)
	}
	if !strings.Contains(md, "the scale run and the scaling curve are a single pass") {
		t.Error("passes line")
	}
}

func TestScalingPlot(t *testing.T) {
	rep, b := writeFile(t, func(o *options) string { return o.plot })
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.Bounds(), image.Rect(0, 0, 2*panelW, panelH+legendH); got != want {
		t.Fatalf("plot is %v, want %v", got, want)
	}
	_, series := rep.curves()
	colors := seriesColors(series)
	// Each measured server draws its line in both panels: count its
	// colour inside each data area (the legend is outside them).
	for si, s := range series {
		measured := 0
		for _, p := range s.Points {
			if p.measured() {
				measured++
			}
		}
		for pi := range panels {
			n := countColor(img, plotArea(pi).Inset(-5), colors[si])
			// Markers are 9×9 squares; a line between them adds far more.
			if markers := 81 * measured; measured > 1 && n < markers+150 {
				t.Errorf("%s: %d pixels of its colour in panel %d (markers alone %d), want a line", s.Server, n, pi, markers)
			}
			if measured == 0 && n != 0 {
				t.Errorf("%s has no measured point but %d pixels in panel %d", s.Server, n, pi)
			}
		}
		// The legend names every server in its colour.
		legend := image.Rect(0, panelH, 2*panelW, panelH+legendH)
		if countColor(img, legend, colors[si]) == 0 {
			t.Errorf("%s missing from the legend", s.Server)
		}
	}
	// The segment between sio-std's first two points passes through its
	// midpoint (in the RSS panel).
	area := plotArea(0)
	_, xtop := niceAxis(19000)
	_, ytop := niceAxis(series[len(series)-1].Points[3].RSSConn)
	std := series[1].Points
	mx := area.Min.X + int((float64(std[0].Clients+std[1].Clients)/2)/xtop*float64(area.Dx())+0.5)
	my := area.Max.Y - int((std[0].RSSConn+std[1].RSSConn)/2/ytop*float64(area.Dy())+0.5)
	if countColor(img, image.Rect(mx-2, my-2, mx+3, my+3), colors[1]) == 0 {
		t.Errorf("no sio-std line near (%d, %d)", mx, my)
	}
}

func countColor(img image.Image, r image.Rectangle, c color.RGBA) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == c {
				n++
			}
		}
	}
	return n
}

// TestRenderFromJSON regenerates the table and the plot from a records
// file, as -render does.
func TestRenderFromJSON(t *testing.T) {
	rep := curveReport(t)
	path := filepath.Join(t.TempDir(), "latest.json")
	if err := writeJSON(path, syntheticRecords()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep.Records = nil
	if err := json.Unmarshal(b, &rep.Records); err != nil {
		t.Fatal(err)
	}
	if err := rep.write(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(rep.o.plot); err != nil || fi.Size() == 0 {
		t.Fatalf("plot not written: %v", err)
	}
	rep.o.noCurve = true
	os.Remove(rep.o.plot)
	if err := rep.write(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(rep.o.plot); err == nil {
		t.Error("-no-curve wrote a plot")
	}
}

func TestNiceAxis(t *testing.T) {
	for _, c := range []struct{ v, step, top float64 }{{19000, 5000, 20000}, {17.9, 5, 20}, {760, 200, 800}, {0, 1, 5}, {1, 0.2, 1}} {
		if s, top := niceAxis(c.v); s != c.step || top != c.top {
			t.Errorf("niceAxis(%v) = %v, %v; want %v, %v", c.v, s, top, c.step, c.top)
		}
	}
}

func TestMatrixSelection(t *testing.T) {
	ids := func(o *options) []string {
		var out []string
		for _, sc := range matrix(o) {
			out = append(out, sc.ID)
		}
		return out
	}
	o := &options{scaleClients: 19000, curve: []int{1000, 5000, 10000, 19000}}
	all := ids(o)
	if want := []string{"scale-19k", "curve-1k", "curve-5k", "curve-10k", "curve-19k"}; !slices.Equal(all[len(all)-5:], want) {
		t.Errorf("the full matrix ends with %v, want %v", all, want)
	}
	o.scenarios = []string{"broadcast"}
	if got := ids(o); !slices.Equal(got, []string{"broadcast-1k", "broadcast-5k"}) {
		t.Errorf("-scenarios broadcast: %v", got)
	}
	o.scenarios = []string{"curve", "echo-100"}
	if got := ids(o); !slices.Equal(got, []string{"echo-100", "curve-1k", "curve-5k", "curve-10k", "curve-19k"}) {
		t.Errorf("-scenarios curve,echo-100: %v", got)
	}
	o.scenarios, o.noCurve = nil, true
	if got := ids(o); slices.ContainsFunc(got, func(id string) bool { return strings.HasPrefix(id, "curve-") }) {
		t.Errorf("-no-curve: %v", got)
	}
}
