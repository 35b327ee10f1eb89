package reports

import (
	"image/color"
	"math"
	"strconv"

	"github.com/ssebench/ssebench/reports/result"
	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Charts are drawn with gonum.org/v1/plot: it renders the same plot to SVG
// (inlined in the HTML page, which then needs no JavaScript and fetches
// nothing) and to PNG, in Go, with no browser or build step.

// chartW and chartH are one chart's size; the HTML scales it to its column.
const (
	chartW vg.Length = 440 // points (1/72 in)
	chartH vg.Length = 260
)

// chart is one figure of a report.
type chart struct {
	id      string     // element id in the HTML page, e.g. "fanout-spectrum"
	title   string     // drawn above the plot
	caption string     // what the chart shows, for people, under it in HTML
	p       *plot.Plot // the drawn plot; never nil
	points  int        // data points drawn; 0 when no run had data
}

// charts builds every chart for rs, in page order: four on latency, then
// four on the run over time. With several runs each chart overlays them,
// one colour per run.
func charts(rs []*result.Report) []chart {
	return []chart{
		spectrumChart(rs, "fanout-spectrum", "Fan-out latency by percentile",
			"Publish-to-receive time of every event in the steady state, from the fastest (0%) to the slowest. The axis stretches the tail: each step right is ten times rarer.",
			func(r *result.Report) result.Latency { return r.LatencyUS.Fanout }),
		seriesChart(rs, "latency-over-time", "Fan-out latency over time", "latency (ms)",
			"Median and 99th percentile of each interval; intervals without events, and the short ones cut at phase changes, are left out.",
			[]series{
				{name: "p99", fullOnly: true, value: func(iv result.Interval) (float64, bool) { return float64(iv.FanoutP99US) / 1000, iv.FanoutP99US > 0 }},
				{name: "p50", fullOnly: true, dashed: true, value: func(iv result.Interval) (float64, bool) { return float64(iv.FanoutP50US) / 1000, iv.FanoutP50US > 0 }},
			}),
		spectrumChart(rs, "connect-spectrum", "Connect time by percentile",
			"Request start to response headers, per successful connection attempt.",
			func(r *result.Report) result.Latency { return r.LatencyUS.Connect }),
		spectrumChart(rs, "first-event-spectrum", "Time to first event by percentile",
			"Request start to the first event on each stream.",
			func(r *result.Report) result.Latency { return r.LatencyUS.FirstEvent }),
		seriesChart(rs, "events-rate", "Events received", "events/s",
			"Events received by all subscribers together, per second of each interval.",
			[]series{{name: "events/s", fullOnly: true, value: func(iv result.Interval) (float64, bool) { return iv.EventsPerS, true }}}),
		seriesChart(rs, "bytes-rate", "Bytes received", "MB/s",
			"Stream bytes read by all subscribers together, in 10⁶ bytes per second.",
			[]series{{name: "MB/s", fullOnly: true, value: func(iv result.Interval) (float64, bool) { return iv.BytesPerS / 1e6, true }}}),
		seriesChart(rs, "connected", "Connected subscribers", "subscribers",
			"Subscribers holding a stream at the end of each interval.",
			[]series{{name: "connected", count: true, value: func(iv result.Interval) (float64, bool) { return float64(iv.Connected), true }}}),
		seriesChart(rs, "errors-over-time", "Errors and reconnects", "per interval",
			"Failures of any class and reconnections, counted per interval.",
			[]series{
				{name: "errors", count: true, step: true, value: func(iv result.Interval) (float64, bool) { return float64(iv.Errors), true }},
				{name: "reconnects", count: true, step: true, dashed: true, value: func(iv result.Interval) (float64, bool) { return float64(iv.Reconnects), true }},
			}),
	}
}

// palette is Okabe and Ito's colour-blind-safe palette (yellow left out:
// too pale on white), one colour per run.
var palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0x00, 0x9E, 0x73, 0xff}, // bluish green
	{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0x00, 0x00, 0x00, 0xff}, // black
}

// runColor is the colour of run i in every chart and in the HTML legend.
func runColor(i int) color.RGBA { return palette[i%len(palette)] }

// sans is the chart font. Liberation Sans is metric-compatible with Arial
// and Helvetica, so text laid out with it fits when a browser substitutes
// either.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot returns a plot with the house style: sans-serif text, light grid,
// axes from zero, no padding between data and axes.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 11.5)
	p.Title.TextStyle.Font.Weight = xfont.WeightBold
	p.Title.Padding = 6
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10)
		a.Tick.Label.Font = font.From(sans, 9.5)
		a.Tick.Marker = niceTicks{}
		a.Padding = 0
		a.Color = color.Gray{0x55}
		a.Tick.Color = color.Gray{0x55}
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.Legend.TextStyle.Font = font.From(sans, 9.5)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = 6, -4
	p.Legend.ThumbnailWidth = 18
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{0xe4}
	grid.Horizontal.Color = color.Gray{0xe4}
	p.Add(grid)
	return p
}

// lineStyle is how run i (of n) draws a series: with one run the series
// differ by colour; with several, colour is the run and a dash the series.
func lineStyle(run, runs, seriesIdx int, dashed bool) draw.LineStyle {
	c := runColor(run)
	if runs == 1 {
		c = runColor(seriesIdx)
	}
	ls := draw.LineStyle{Color: c, Width: 1.5}
	if dashed && runs > 1 {
		ls.Dashes = []vg.Length{4, 2.5}
	}
	return ls
}

// makeRoomForLegend raises the top of the y axis so that a legend of n
// entries in the top-left corner does not hide the data beneath it.
func makeRoomForLegend(p *plot.Plot, n int) {
	if n == 0 || math.IsInf(p.Y.Max, 0) {
		return
	}
	// Each entry takes about 12pt of the ~200pt data area.
	frac := math.Min(0.5, float64(n)*12/200+0.04)
	p.Y.Max = math.Max(p.Y.Max, 1e-9) / (1 - frac)
}

// noData marks an empty chart with a note in its middle, so an image shows
// why it has no line.
func noData(p *plot.Plot, why string) {
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.X.Tick.Marker = plot.ConstantTicks{}
	p.Y.Tick.Marker = plot.ConstantTicks{}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: 0.5, Y: 0.5}}, Labels: []string{why}})
	if err != nil {
		return
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font = font.From(sans, 10)
		l.TextStyle[i].Color = color.Gray{0x77}
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].YAlign = draw.YCenter
	}
	p.Add(l)
}

// niceTicks puts four to seven labelled ticks at round steps (1, 2, 2.5 or 5
// times a power of ten), with an unlabelled tick halfway between, and labels
// them with SI prefixes: 20k, 1.5M. gonum's default gives two or three
// labels, too few to read a value off a chart. minStep bounds the step from
// below: 1 for counts, which have no fractions.
type niceTicks struct{ minStep float64 }

// Ticks implements plot.Ticker.
func (nt niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	raw := (hi - lo) / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	step = math.Max(step, nt.minStep)
	var ticks []plot.Tick
	half := step / 2
	for i := math.Ceil(lo / half); i*half <= hi+half*1e-9; i++ {
		v := i * half
		if math.Abs(v) < half*1e-9 {
			v = 0 // no "-0"
		}
		t := plot.Tick{Value: v}
		if math.Mod(i, 2) == 0 {
			t.Label = siLabel(v)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// siLabel formats v with at most four significant digits and a k or M
// suffix.
func siLabel(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return strconv.FormatFloat(v/1e9, 'g', 4, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 4, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'g', 4, 64) + "k"
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}
