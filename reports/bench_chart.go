package reports

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/ssebench/ssebench/reports/result"
)

// benchCharts are one scenario's charts: the targets' fan-out latency
// spectra overlaid (each target's typical valid run), and bars of the
// server's cost.
func benchCharts(rk *BenchRanking, slug string) []chart {
	var rs []*result.Report
	var colors []int
	for i := range rk.Rows {
		if t := rk.Rows[i].Typical; t != nil {
			rs = append(rs, t)
			colors = append(colors, i)
		}
	}
	spec := spectrumChart(rs, slug+"-spectrum", "Fan-out latency by percentile",
		"Publish-to-receive time of every event in the steady state, per target (its valid run with the median p99). Each step right is ten times rarer.",
		func(r *result.Report) result.Latency { return r.LatencyUS.Fanout })
	return []chart{
		spec,
		barChart(rk, slug+"-cpu", "Server CPU per delivered event", "CPU µs / event",
			"CPU time of the target's process tree per event delivered to a subscriber (median of the valid runs): lower is cheaper.",
			func(r *BenchRow) (float64, bool) { return r.CPUUSPerEvent, r.HasCost }),
		barChart(rk, slug+"-mem", "Server memory per subscriber", "KiB / subscriber",
			"Steady-state memory (PSS) of the target's process tree above its idle memory, per connected subscriber.",
			func(r *BenchRow) (float64, bool) { return r.KiBPerSubscriber, r.HasCost }),
		barChart(rk, slug+"-p99", "Fan-out p99", "latency (ms)",
			"The ranking's key: the median over the valid runs of each run's 99th percentile fan-out latency.",
			func(r *BenchRow) (float64, bool) { return r.P99US / 1000, r.HasLatency && r.Valid > 0 }),
	}
}

// barChart draws one bar per target, in the row's colour.
func barChart(rk *BenchRanking, id, title, yLabel, caption string, value func(*BenchRow) (float64, bool)) chart {
	p := newPlot(title, "", yLabel)
	c := chart{id: id, title: title, caption: caption, p: p}
	var names []string
	n := len(rk.Rows)
	w := vg.Points(min(60, 300/float64(max(n, 1))))
	for i := range rk.Rows {
		r := &rk.Rows[i]
		names = append(names, r.Target)
		v, ok := value(r)
		if !ok {
			continue
		}
		bars, err := plotter.NewBarChart(plotter.Values{v}, w)
		if err != nil {
			continue
		}
		bars.XMin = float64(i)
		bars.Color = runColor(i)
		bars.LineStyle.Width = 0
		p.Add(bars)
		c.points++
	}
	if c.points == 0 {
		noData(p, "not measured")
		return c
	}
	// Room above the tallest bar, so it does not touch the title.
	p.Y.Max *= 1.08
	p.NominalX(names...)
	p.X.Tick.Label.Font.Size = 8.5
	p.Y.Min = 0
	p.X.Padding = vg.Points(20)
	p.X.Tick.Marker = plot.ConstantTicks(nominalTicks(names))
	return c
}

// nominalTicks labels bar i with its target's name.
func nominalTicks(names []string) []plot.Tick {
	ts := make([]plot.Tick, len(names))
	for i, n := range names {
		ts[i] = plot.Tick{Value: float64(i), Label: n}
	}
	return ts
}
