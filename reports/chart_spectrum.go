package reports

import (
	"math"

	"github.com/ssebench/ssebench/reports/result"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// The percentile spectrum is drawn as HdrHistogram's plotter draws it: the
// x axis is 1/(1-percentile) on a log scale, so 90%, 99%, 99.9% … are
// evenly spaced and the tail, where servers misbehave, gets as much room
// as the median.
const (
	spectrumMaxX      = 1e5 // 1/(1-0.99999): p99.999
	spectrumPerDecade = 60  // points per tenfold step of the x axis
)

// spectrumTicks labels the decades of 1/(1-percentile) as percentiles, with
// unlabelled minor ticks between them.
var spectrumTicks = func() plot.ConstantTicks {
	labels := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"}
	var ts plot.ConstantTicks
	for d, label := range labels {
		base := math.Pow(10, float64(d))
		ts = append(ts, plot.Tick{Value: base, Label: label})
		if d < len(labels)-1 {
			for k := 2.0; k < 10; k++ {
				ts = append(ts, plot.Tick{Value: k * base})
			}
		}
	}
	return ts
}()

// spectrumXYs samples h (µs) from p0 to p99.999, in milliseconds.
func spectrumXYs(l result.Latency) (plotter.XYs, error) {
	h, err := l.Histogram()
	if err != nil {
		return nil, err
	}
	n := 5 * spectrumPerDecade
	xys := make(plotter.XYs, 0, n+1)
	for i := 0; i <= n; i++ {
		x := math.Pow(10, float64(i)/spectrumPerDecade)
		q := 100 * (1 - 1/x)
		xys = append(xys, plotter.XY{X: x, Y: float64(h.ValueAtQuantile(q)) / 1000})
	}
	return xys, nil
}

// spectrumChart overlays one distribution of every run.
func spectrumChart(rs []*result.Report, id, title, caption string, pick func(*result.Report) result.Latency) chart {
	p := newPlot(title, "percentile", "latency (ms)")
	c := chart{id: id, title: title, caption: caption, p: p}
	legend := 0
	for i, r := range rs {
		l := pick(r)
		if l.Count == 0 || l.HDR == "" {
			continue
		}
		xys, err := spectrumXYs(l)
		if err != nil {
			continue
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			continue
		}
		line.LineStyle = lineStyle(i, len(rs), i, false)
		p.Add(line)
		c.points += len(xys)
		if len(rs) > 1 {
			p.Legend.Add(r.Name(), line)
			legend++
		}
	}
	if c.points == 0 {
		noData(p, "not measured")
		return c
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = spectrumTicks
	p.X.Min, p.X.Max = 1, spectrumMaxX
	p.Y.Min = 0
	makeRoomForLegend(p, legend)
	return c
}
