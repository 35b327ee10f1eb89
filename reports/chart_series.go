package reports

import (
	"slices"

	"github.com/ssebench/ssebench/reports/result"
	"gonum.org/v1/plot/plotter"
)

// series is one line of a time chart, drawn for every run.
type series struct {
	name   string
	dashed bool // drawn dashed when several runs share the chart's colours
	// fullOnly leaves out intervals much shorter than the others (see
	// fullIntervals): per-second rates and percentiles of a few
	// milliseconds mislead.
	fullOnly bool
	// count marks whole numbers: the axis has no fractional ticks.
	count bool
	// step draws a count per interval as a level over the whole interval
	// rather than a point at its end.
	step bool
	// value returns the figure for an interval, and whether it has one.
	value func(iv result.Interval) (float64, bool)
}

// seriesChart draws series over the runs' elapsed time, each run from its
// own start so runs line up.
func seriesChart(rs []*result.Report, id, title, yLabel, caption string, ss []series) chart {
	p := newPlot(title, "elapsed (s)", yLabel)
	c := chart{id: id, title: title, caption: caption, p: p}
	if !slices.ContainsFunc(ss, func(s series) bool { return !s.count }) {
		p.Y.Tick.Marker = niceTicks{minStep: 1}
	}
	legend := 0
	for i, r := range rs {
		ok := fullIntervals(r.Intervals)
		for si, s := range ss {
			var xys plotter.XYs
			for k, iv := range r.Intervals {
				if s.fullOnly && !ok[k] {
					continue
				}
				if v, has := s.value(iv); has {
					xys = append(xys, plotter.XY{X: iv.ElapsedS, Y: v})
				}
			}
			if len(xys) == 0 {
				continue
			}
			line, err := plotter.NewLine(xys)
			if err != nil {
				continue
			}
			line.LineStyle = lineStyle(i, len(rs), si, s.dashed)
			if s.step {
				line.StepStyle = plotter.PreStep
				// PreStep draws each level from the previous point; start
				// the first interval at 0.
				line.XYs = append(plotter.XYs{{X: 0, Y: xys[0].Y}}, line.XYs...)
			}
			p.Add(line)
			c.points += len(xys)
			switch {
			case len(rs) > 1 && len(ss) > 1:
				p.Legend.Add(r.Name()+" · "+s.name, line)
			case len(rs) > 1:
				p.Legend.Add(r.Name(), line)
			case len(ss) > 1:
				p.Legend.Add(s.name, line)
			default:
				continue
			}
			legend++
		}
	}
	if c.points == 0 {
		noData(p, "no data")
		return c
	}
	p.X.Min, p.Y.Min = 0, 0
	if p.Y.Max <= 0 {
		p.Y.Max = 1 // all zero (no errors): keep the line on the axis visible
	}
	makeRoomForLegend(p, legend)
	return c
}

// fullIntervals tells, per interval, whether it is of the typical length.
// The runner cuts short intervals at phase changes (ramp end, run end); a
// few milliseconds that caught one burst of events would show as a spike
// many times the real rate, and their percentiles rest on a handful of
// events, so intervals shorter than half the typical one are left out of
// rate and percentile charts. Counts are still drawn.
func fullIntervals(ivs []result.Interval) []bool {
	ok := make([]bool, len(ivs))
	dts := make([]float64, len(ivs))
	prev := 0.0
	for i, iv := range ivs {
		dts[i] = iv.ElapsedS - prev
		prev = iv.ElapsedS
	}
	sorted := slices.Clone(dts)
	slices.Sort(sorted)
	typical := 0.0
	if len(sorted) > 0 {
		typical = sorted[len(sorted)/2]
	}
	for i, dt := range dts {
		ok[i] = dt >= typical/2
	}
	return ok
}
