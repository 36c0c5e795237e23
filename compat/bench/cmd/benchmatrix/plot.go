package main

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The scaling plot: two panels side by side (RSS per connection, and
// broadcast delivery p99, against the idle websockets held), one line per
// server, the legend in a strip below both.
const (
	panelW, panelH = 600, 480
	legendH        = 64
	marginL        = 78 // room for the y tick labels and the y axis label
	marginR        = 24
	marginT        = 44 // the panel title
	marginB        = 58 // x tick labels and the x axis label
)

var (
	white     = color.RGBA{255, 255, 255, 255}
	black     = color.RGBA{0, 0, 0, 255}
	gridColor = color.RGBA{226, 226, 226, 255}
	// palette gives each server a fixed colour, so plots of different runs
	// read alike; others take the spare colours in turn.
	palette = map[string]color.RGBA{
		"floor":     {110, 110, 110, 255},
		"sio-std":   {31, 119, 180, 255},
		"sio-gin":   {255, 127, 14, 255},
		"sio-echo":  {44, 160, 44, 255},
		"sio-fiber": {214, 39, 40, 255},
		"node":      {148, 103, 189, 255},
		"python":    {140, 86, 75, 255},
		"zishang":   {227, 119, 194, 255},
	}
	spare = []color.RGBA{{23, 190, 207, 255}, {188, 189, 34, 255}, {0, 0, 128, 255}, {128, 0, 0, 255}}
)

// seriesColors assigns a colour to every series, in order.
func seriesColors(series []curveSeries) []color.RGBA {
	out := make([]color.RGBA, len(series))
	next := 0
	for i, s := range series {
		if c, ok := palette[s.Server]; ok {
			out[i] = c
			continue
		}
		out[i] = spare[next%len(spare)]
		next++
	}
	return out
}

// panelSpec is what one panel draws.
type panelSpec struct {
	title, ylabel string
	value         func(curvePoint) float64
}

var panels = []panelSpec{
	{"RSS per idle websocket", "KiB per connection", func(p curvePoint) float64 { return p.RSSConn }},
	{"Broadcast to all: delivery p99", "p99 latency, ms", func(p curvePoint) float64 { return p.P99 }},
}

// plotArea is the data rectangle of panel i (axes on its left and bottom
// edges).
func plotArea(i int) image.Rectangle {
	return image.Rect(i*panelW+marginL, marginT, (i+1)*panelW-marginR, panelH-marginB)
}

// measured reports whether a point has figures to draw.
func (p curvePoint) measured() bool { return p.Runs > p.Failed }

// renderPlot draws the scaling curve of series.
func renderPlot(series []curveSeries) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, panelW*len(panels), panelH+legendH))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	colors := seriesColors(series)
	xmax := 0.0
	for _, s := range series {
		for _, p := range s.Points {
			xmax = math.Max(xmax, float64(p.Clients))
		}
	}
	for i, spec := range panels {
		ymax := 0.0
		for _, s := range series {
			for _, p := range s.Points {
				if p.measured() {
					ymax = math.Max(ymax, spec.value(p))
				}
			}
		}
		drawPanel(img, plotArea(i), spec, series, colors, xmax, ymax)
	}
	drawLegend(img, image.Rect(0, panelH, img.Bounds().Dx(), img.Bounds().Dy()), series, colors)
	return img
}

func drawPanel(img *image.RGBA, area image.Rectangle, spec panelSpec, series []curveSeries, colors []color.RGBA, xmax, ymax float64) {
	xstep, xtop := niceAxis(xmax)
	ystep, ytop := niceAxis(ymax)
	px := func(x float64) int { return area.Min.X + int(math.Round(x/xtop*float64(area.Dx()))) }
	py := func(y float64) int { return area.Max.Y - int(math.Round(y/ytop*float64(area.Dy()))) }

	// Grid and tick labels.
	for v := 0.0; v <= ytop+ystep/2; v += ystep {
		y := py(v)
		hline(img, area.Min.X, area.Max.X, y, gridColor)
		label := tickLabel(v, ystep)
		drawText(img, area.Min.X-8-textWidth(label), y-6, label, black, 1)
	}
	for v := 0.0; v <= xtop+xstep/2; v += xstep {
		x := px(v)
		vline(img, x, area.Min.Y, area.Max.Y, gridColor)
		label := clientsLabel(v)
		drawText(img, x-textWidth(label)/2, area.Max.Y+8, label, black, 1)
	}
	// Axes.
	hline(img, area.Min.X, area.Max.X, area.Max.Y, black)
	vline(img, area.Min.X, area.Min.Y, area.Max.Y, black)

	// Titles.
	drawText(img, (area.Min.X+area.Max.X)/2-textWidth(spec.title), 10, spec.title, black, 2)
	xl := "idle websocket clients held"
	drawText(img, (area.Min.X+area.Max.X)/2-textWidth(xl)/2, area.Max.Y+32, xl, black, 1)
	drawTextUp(img, area.Min.X-marginL+8, (area.Min.Y+area.Max.Y)/2+textWidth(spec.ylabel)/2, spec.ylabel, black)

	// Lines, then a marker on every measured point.
	for si, s := range series {
		var prev image.Point
		havePrev := false
		for _, p := range s.Points {
			if !p.measured() {
				continue
			}
			pt := image.Pt(px(float64(p.Clients)), py(spec.value(p)))
			if havePrev {
				thickLine(img, prev, pt, colors[si])
			}
			prev, havePrev = pt, true
		}
		for _, p := range s.Points {
			if p.measured() {
				square(img, image.Pt(px(float64(p.Clients)), py(spec.value(p))), 4, colors[si])
			}
		}
	}
}

func drawLegend(img *image.RGBA, r image.Rectangle, series []curveSeries, colors []color.RGBA) {
	if len(series) == 0 {
		return
	}
	const swatch = 28
	names := make([]string, len(series))
	total := 0
	for i, s := range series {
		names[i] = s.Server
		if !slices.ContainsFunc(s.Points, curvePoint.measured) {
			names[i] += " (no data)"
		}
		total += swatch + 8 + textWidth(names[i]) + 28
	}
	x := r.Min.X + max(12, (r.Dx()-total)/2)
	y := r.Min.Y + r.Dy()/2
	for i, name := range names {
		thickLine(img, image.Pt(x, y), image.Pt(x+swatch, y), colors[i])
		square(img, image.Pt(x+swatch/2, y), 4, colors[i])
		drawText(img, x+swatch+8, y-7, name, black, 1)
		x += swatch + 8 + textWidth(name) + 28
	}
}

// niceAxis returns a tick step of 1, 2 or 5 × 10ⁿ giving about five ticks
// and the axis top (a whole number of steps at or above v).
func niceAxis(v float64) (step, top float64) {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1, 5
	}
	raw := v / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch n := raw / mag; {
	case n <= 1:
		step = mag
	case n <= 2:
		step = 2 * mag
	case n <= 5:
		step = 5 * mag
	default:
		step = 10 * mag
	}
	return step, math.Ceil(v/step-1e-9) * step
}

// tickLabel formats an axis value with as many decimals as its step needs.
func tickLabel(v, step float64) string {
	d := 0
	for s := step; s < 1 && d < 6; s *= 10 {
		d++
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}

// clientsLabel writes a client count as "5k" when it is whole thousands.
func clientsLabel(v float64) string {
	n := int(math.Round(v))
	if n >= 1000 && n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.SetRGBA(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.SetRGBA(x, y, c)
	}
}

// square fills a (2r+1)-pixel square centred on p.
func square(img *image.RGBA, p image.Point, r int, c color.RGBA) {
	draw.Draw(img, image.Rect(p.X-r, p.Y-r, p.X+r+1, p.Y+r+1), image.NewUniform(c), image.Point{}, draw.Src)
}

// thickLine draws a three-pixel-wide line from a to b (Bresenham with a
// square brush).
func thickLine(img *image.RGBA, a, b image.Point, c color.RGBA) {
	dx, dy := abs(b.X-a.X), -abs(b.Y-a.Y)
	sx, sy := sign(b.X-a.X), sign(b.Y-a.Y)
	e := dx + dy
	for x, y := a.X, a.Y; ; {
		square(img, image.Pt(x, y), 1, c)
		if x == b.X && y == b.Y {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x += sx
		} else {
			e += dx
			y += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

var face = basicfont.Face7x13

// textWidth is the width of s in pixels at scale 1.
func textWidth(s string) int { return font.MeasureString(face, s).Ceil() }

// textImage renders s on a transparent background, its top at y = 0.
func textImage(s string, c color.RGBA) *image.RGBA {
	t := image.NewRGBA(image.Rect(0, 0, max(1, textWidth(s)), face.Height))
	d := font.Drawer{Dst: t, Src: image.NewUniform(c), Face: face, Dot: fixed.P(0, face.Ascent)}
	d.DrawString(s)
	return t
}

// drawText draws s with its top-left corner at (x, y), each font pixel
// scale × scale pixels.
func drawText(img *image.RGBA, x, y int, s string, c color.RGBA, scale int) {
	t := textImage(s, c)
	b := t.Bounds()
	for ty := 0; ty < b.Dy(); ty++ {
		for tx := 0; tx < b.Dx(); tx++ {
			if t.RGBAAt(tx, ty).A < 128 {
				continue
			}
			for k := range scale * scale {
				img.SetRGBA(x+tx*scale+k%scale, y+ty*scale+k/scale, c)
			}
		}
	}
}

// drawTextUp draws s rotated a quarter turn anticlockwise (reading
// upwards), its baseline start at the bottom-left (x, y).
func drawTextUp(img *image.RGBA, x, y int, s string, c color.RGBA) {
	t := textImage(s, c)
	b := t.Bounds()
	for ty := 0; ty < b.Dy(); ty++ {
		for tx := 0; tx < b.Dx(); tx++ {
			if t.RGBAAt(tx, ty).A >= 128 {
				img.SetRGBA(x+ty, y-tx, c)
			}
		}
	}
}

// writePlot renders the scaling curve and writes it as a PNG to path.
func writePlot(path string, series []curveSeries) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, renderPlot(series)); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
