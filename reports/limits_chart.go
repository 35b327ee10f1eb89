package reports

import (
	"image/color"
	"slices"

	"github.com/ssebench/ssebench/reports/result"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of the markers on limits charts.
var (
	failColor = color.RGBA{0xc0, 0x39, 0x2b, 0xff} // a step that broke an objective
	bestColor = color.RGBA{0x00, 0x9E, 0x73, 0xff} // the highest sustainable load
	kneeColor = color.RGBA{0xE6, 0x9F, 0x00, 0xff} // where latency starts to climb
)

// limitsCharts draws the figures against load: fan-out latency,
// throughput and the error rate. Failed steps are ringed in red; the best
// load and the knee are vertical lines.
func limitsCharts(l *result.Limits) []chart {
	pts := chartSteps(l.Steps)
	x := "load (" + l.Unit + ")"
	return []chart{
		loadChart(l, pts, "latency-vs-load", "Fan-out latency against load", x, "latency (ms)",
			"Median and 99th percentile fan-out latency of each step's steady state. Red rings mark steps that broke an objective; the green line is the highest sustainable load, the orange one the knee.",
			[]loadSeries{
				{name: "p99", value: func(st result.LimitStep) (float64, bool) { return float64(st.FanoutP99US) / 1000, st.FanoutCount > 0 }},
				{name: "p50", value: func(st result.LimitStep) (float64, bool) { return float64(st.FanoutP50US) / 1000, st.FanoutCount > 0 }},
			}),
		loadChart(l, pts, "throughput-vs-load", "Throughput against load", x, "events/s received",
			"Events received by all subscribers together per second of each step's steady state. A server that keeps up grows with the load; a flat line is saturation.",
			[]loadSeries{{name: "events/s", value: func(st result.LimitStep) (float64, bool) { return st.EventsPerS, st.DurationS > 0 }}}),
		loadChart(l, pts, "errors-vs-load", "Errors against load", x, "errors (% of attempts)",
			"Failures of any class per subscription attempt, in percent.",
			[]loadSeries{{name: "errors", value: func(st result.LimitStep) (float64, bool) { return st.ErrorRate * 100, st.Requested > 0 }}}),
	}
}

// chartSteps returns the steps worth drawing, in load order: interrupted
// steps and steps that could not run are left out.
func chartSteps(steps []result.LimitStep) []result.LimitStep {
	var pts []result.LimitStep
	for _, i := range stepOrder(steps) {
		st := steps[i]
		if st.Interrupted || st.Requested == 0 {
			continue
		}
		pts = append(pts, st)
	}
	return pts
}

// loadSeries is one line of a chart against load.
type loadSeries struct {
	name  string
	value func(st result.LimitStep) (float64, bool)
}

// loadChart draws series against the steps' load.
func loadChart(l *result.Limits, pts []result.LimitStep, id, title, xLabel, yLabel, caption string, ss []loadSeries) chart {
	p := newPlot(title, xLabel, yLabel)
	c := chart{id: id, title: title, caption: caption, p: p}
	var fails plotter.XYs
	ymax := 0.0
	for si, s := range ss {
		var xys plotter.XYs
		for _, st := range pts {
			if v, ok := s.value(st); ok {
				xys = append(xys, plotter.XY{X: st.Load, Y: v})
				ymax = max(ymax, v)
				if si == 0 && !st.Pass {
					fails = append(fails, plotter.XY{X: st.Load, Y: v})
				}
			}
		}
		if len(xys) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			continue
		}
		line.LineStyle = lineStyle(0, 1, si, false)
		points.GlyphStyle = draw.GlyphStyle{Color: line.LineStyle.Color, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
		p.Add(line, points)
		if len(ss) > 1 {
			p.Legend.Add(s.name, line, points)
		}
		c.points += len(xys)
	}
	if c.points == 0 {
		noData(p, "not measured")
		return c
	}
	if len(fails) > 0 {
		sc, err := plotter.NewScatter(fails)
		if err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: failColor, Radius: vg.Points(4.5), Shape: draw.RingGlyph{}}
			p.Add(sc)
		}
	}
	if ymax <= 0 {
		ymax = 1
	}
	legend := 0
	if len(ss) > 1 {
		legend = len(ss)
	}
	if l.Best != nil {
		addVLine(p, l.Best.Load, ymax, bestColor, "best "+result.FormatLoad(l.Best.Load))
		legend++
	}
	if k := l.Knee; k != nil && slices.ContainsFunc(ss, func(s loadSeries) bool { return s.name == "p99" }) {
		addVLine(p, k.Load, ymax, kneeColor, "knee "+result.FormatLoad(k.Load))
		legend++
	}
	p.X.Min, p.Y.Min = 0, 0
	p.Y.Max = max(p.Y.Max, ymax)
	makeRoomForLegend(p, legend)
	return c
}

// addVLine draws a dashed vertical line at x from 0 to top, with a legend
// entry.
func addVLine(p *plot.Plot, x, top float64, c color.RGBA, label string) {
	line, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: top}})
	if err != nil {
		return
	}
	line.LineStyle = draw.LineStyle{Color: c, Width: 1.5, Dashes: []vg.Length{4, 3}}
	p.Add(line)
	p.Legend.Add(label, line)
}
