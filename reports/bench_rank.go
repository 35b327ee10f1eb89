package reports

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// BenchLossLimit is the share of expected events a target may lose and
// still be ranked among those that delivered everything: targets that lost
// more rank after every target that did not, however fast they were.
const BenchLossLimit = 0.001

// BenchRanking is the ranking of the targets in one scenario of a bench.
type BenchRanking struct {
	// Scenario is the load.
	Scenario result.BenchScenario
	// Rows are the targets: ranked ones by rank, then the unranked.
	Rows []BenchRow
}

// BenchRow is one target's figures in one scenario: the medians over its
// valid runs.
type BenchRow struct {
	// Target names the target.
	Target string
	// Rank is the place, from 1; 0 means not ranked (see Note).
	Rank int
	// SameAs, when not 0, is the rank of the target just above, which
	// compare cannot tell apart from this one on fan-out p99.
	SameAs int
	// Versus says how the comparison with the target above was decided,
	// e.g. "p=0.400 n=3+3".
	Versus string
	// Note says why the target is not ranked, or what is odd about it.
	Note string
	// Runs counts the target's runs in the scenario, Valid the valid ones.
	Runs, Valid int
	// Reports are the valid runs' results.
	Reports []*result.Report
	// Typical is the valid run whose fan-out p99 is the median: the one the
	// charts draw. nil without a valid run.
	Typical *result.Report
	// Fan-out latency percentiles, µs (medians over the valid runs); 0
	// when not measured (HasLatency false).
	P50US, P99US, P999US, MaxUS float64
	// HasLatency is true when fan-out latency was measured.
	HasLatency bool
	// Delivery is the median delivery ratio; HasDelivery false when unknown.
	Delivery    float64
	HasDelivery bool
	// Measured is the median of the delivery ratios that were measured,
	// not estimated from the nominal rate; HasMeasured false when none
	// was. Only a measured loss ranks a target down.
	Measured    float64
	HasMeasured bool
	// EventsPerS is the median of the events received per second.
	EventsPerS float64
	// ConnectPerS is the median rate at which subscribers connected
	// during the ramp; 0 when unknown.
	ConnectPerS float64
	// Errors is the median count of failures; ErrorClasses lists their
	// classes over every valid run.
	Errors       float64
	ErrorClasses string
	// Server cost: medians over the valid runs that metered it.
	CPUPercent, CPUUSPerEvent, KiBPerSubscriber, MemPeakKiB float64
	// HasCost is true when the server's cost was measured.
	HasCost bool
}

// RankBench ranks the targets of every scenario of b. Within a scenario,
// targets whose valid runs lost at most BenchLossLimit of the expected
// events come first, ordered by the median fan-out p99; then the others,
// by delivery. Each target is compared with the one above it using
// Compare on fan-out p99: the Mann-Whitney U test with 3 or more valid
// runs per side, else the tolerances with their absolute floors. When
// compare finds no significant difference, SameAs marks the two as not
// significantly different. Invalid runs (the load generator saturated,
// interrupted, failed) are never ranked.
func RankBench(b *result.Bench) []BenchRanking {
	var out []BenchRanking
	for _, sc := range b.Scenarios {
		rk := BenchRanking{Scenario: sc}
		for _, t := range b.Targets {
			runs := b.RunsOf(sc.Name, t.Name)
			if len(runs) == 0 {
				continue
			}
			rk.Rows = append(rk.Rows, benchRow(t.Name, runs))
		}
		rankRows(rk.Rows)
		slices.SortStableFunc(rk.Rows, func(a, b BenchRow) int {
			switch {
			case a.Rank == 0 && b.Rank == 0:
				return 0
			case a.Rank == 0:
				return 1
			case b.Rank == 0:
				return -1
			}
			return a.Rank - b.Rank
		})
		out = append(out, rk)
	}
	return out
}

// benchRow collects one target's runs in one scenario.
func benchRow(target string, runs []result.BenchRun) BenchRow {
	row := BenchRow{Target: target, Runs: len(runs)}
	var p50, p99, p999, maxs, deliv, measured, rate, conn, errs, cpu, cpuEv, kib, peak []float64
	classes := map[string]bool{}
	var reasons []string
	for _, r := range runs {
		if !r.Valid || r.Result == nil {
			// The reason without its figures ("the load generator was
			// saturated"), once: each run's own is in the table of runs.
			why, _, _ := strings.Cut(r.Invalid, " (")
			if why != "" && !slices.Contains(reasons, why) {
				reasons = append(reasons, why)
			}
			continue
		}
		rep := r.Result
		row.Valid++
		row.Reports = append(row.Reports, rep)
		if f := rep.LatencyUS.Fanout; f.Count > 0 {
			p50, p99, p999, maxs = append(p50, float64(f.P50)), append(p99, float64(f.P99)), append(p999, float64(f.P999)), append(maxs, float64(f.Max))
		}
		if r.DeliveryRatio != nil {
			deliv = append(deliv, *r.DeliveryRatio)
			if !r.DeliveryEstimated {
				measured = append(measured, *r.DeliveryRatio)
			}
		}
		rate = append(rate, rep.Events.RatePerS)
		if rep.Ramp != nil && rep.Ramp.DurationS > 0 {
			conn = append(conn, float64(rep.Subscribers.Connected)/rep.Ramp.DurationS)
		}
		errs = append(errs, float64(rep.ErrorCount()))
		for k, n := range rep.Errors {
			if n > 0 {
				classes[k] = true
			}
		}
		if c := r.Cost; c != nil {
			cpu, cpuEv, kib, peak = append(cpu, c.CPUPercent), append(cpuEv, c.CPUUSPerEvent), append(kib, c.KiBPerSubscriber), append(peak, float64(c.MemPeakKiB))
		}
	}
	row.HasLatency = len(p99) > 0
	row.P50US, row.P99US, row.P999US, row.MaxUS = median(p50), median(p99), median(p999), median(maxs)
	row.HasDelivery = len(deliv) > 0
	row.Delivery = median(deliv)
	row.HasMeasured = len(measured) > 0
	row.Measured = median(measured)
	row.EventsPerS, row.ConnectPerS, row.Errors = median(rate), median(conn), median(errs)
	row.ErrorClasses = strings.Join(slices.Sorted(maps.Keys(classes)), ", ")
	row.HasCost = len(cpu) > 0
	row.CPUPercent, row.CPUUSPerEvent, row.KiBPerSubscriber, row.MemPeakKiB = median(cpu), median(cpuEv), median(kib), median(peak)
	if row.HasLatency {
		// The typical run: the valid run whose p99 is nearest the median.
		best := math.Inf(1)
		for _, rep := range row.Reports {
			if d := math.Abs(float64(rep.LatencyUS.Fanout.P99) - row.P99US); rep.LatencyUS.Fanout.Count > 0 && d < best {
				best, row.Typical = d, rep
			}
		}
	} else if len(row.Reports) > 0 {
		row.Typical = row.Reports[0]
	}
	switch {
	case row.Valid == 0:
		row.Note = fmt.Sprintf("not ranked: no valid run of %d (%s)", row.Runs, strings.Join(reasons, "; "))
	case !row.HasLatency:
		row.Note = "not ranked: fan-out latency was not measured"
	case row.Valid < row.Runs:
		row.Note = fmt.Sprintf("%d of %d runs invalid (%s)", row.Runs-row.Valid, row.Runs, strings.Join(reasons, "; "))
	}
	return row
}

// lossy tells whether a row lost more than BenchLossLimit of its events.
func (r *BenchRow) lossy() bool { return r.HasMeasured && r.Measured < 1-BenchLossLimit }

// rankRows sets Rank, SameAs and Versus.
func rankRows(rows []BenchRow) {
	var idx []int
	for i := range rows {
		if rows[i].Valid > 0 && rows[i].HasLatency {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ra, rb := &rows[a], &rows[b]
		switch {
		case ra.lossy() != rb.lossy():
			if ra.lossy() {
				return 1
			}
			return -1
		case ra.lossy() && ra.Measured != rb.Measured:
			if ra.Measured > rb.Measured {
				return -1
			}
			return 1
		}
		switch {
		case ra.P99US < rb.P99US:
			return -1
		case ra.P99US > rb.P99US:
			return 1
		}
		return 0
	})
	for k, i := range idx {
		row := &rows[i]
		row.Rank = k + 1
		if row.lossy() {
			lost := fmt.Sprintf("lost %s of the expected events, so ranked after every target that delivered", pct(1-row.Measured))
			row.Note = strings.TrimPrefix(row.Note+"; "+lost, "; ")
		}
		if k == 0 {
			continue
		}
		above := &rows[idx[k-1]]
		if above.lossy() != row.lossy() {
			continue
		}
		c, err := Compare(Side{Name: above.Target, Runs: above.Reports}, Side{Name: row.Target, Runs: row.Reports},
			CompareOptions{Metrics: []string{"fanout.p99"}})
		if err != nil || len(c.Rows) == 0 {
			continue
		}
		cr := c.Rows[0]
		row.Versus = cr.Reason
		if cr.Verdict == VerdictNoChange || cr.Verdict == VerdictOK {
			row.SameAs = above.Rank
		}
	}
}

// median is the middle of vs (the mean of the two middle values); 0 for none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
