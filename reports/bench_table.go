package reports

import (
	"fmt"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// benchColumns are the columns of a scenario's table, in every format.
var benchColumns = []struct {
	head string
	num  bool // right-aligned
}{
	{"rank", false}, {"target", false}, {"fan-out p50", true}, {"p99", true}, {"p99.9", true}, {"max", true},
	{"delivered", true}, {"events/s", true}, {"connects/s", true}, {"errors", true},
	{"server CPU", true}, {"CPU µs/event", true}, {"KiB/subscriber", true}, {"peak memory", true}, {"valid runs", true},
}

// benchCells are one row's cells, in benchColumns' order. Latencies are in
// ms, memory in MiB.
func benchCells(r *BenchRow) []string {
	rank := "–"
	if r.Rank > 0 {
		rank = fmt.Sprint(r.Rank)
		if r.SameAs > 0 {
			rank = fmt.Sprintf("%d ≈%d", r.Rank, r.SameAs)
		}
	}
	dash := "–"
	lat := func(us float64) string {
		if !r.HasLatency {
			return dash
		}
		return ms(us) + " ms"
	}
	cells := []string{rank, r.Target, lat(r.P50US), lat(r.P99US), lat(r.P999US), lat(r.MaxUS), dash, dash, dash, dash, dash, dash, dash, dash,
		fmt.Sprintf("%d/%d", r.Valid, r.Runs)}
	if r.Valid == 0 {
		return cells
	}
	if r.HasDelivery {
		cells[6] = pct(r.Delivery)
	}
	cells[7] = result.FormatCount(int64(r.EventsPerS + 0.5))
	if r.ConnectPerS > 0 {
		cells[8] = result.FormatCount(int64(r.ConnectPerS + 0.5))
	}
	cells[9] = result.FormatCount(int64(r.Errors + 0.5))
	if r.ErrorClasses != "" {
		cells[9] += " (" + r.ErrorClasses + ")"
	}
	if r.HasCost {
		cells[10] = fmt.Sprintf("%.1f%%", r.CPUPercent)
		cells[11] = result.FormatSig(r.CPUUSPerEvent, 3)
		cells[12] = result.FormatSig(r.KiBPerSubscriber, 3)
		cells[13] = fmt.Sprintf("%.1f MiB", r.MemPeakKiB/1024)
	}
	return cells
}

// benchPlan describes the benchmark in one line.
func benchPlan(b *result.Bench) string {
	parts := []string{b.Tool, fmt.Sprintf("%d targets × %d scenarios", len(b.Targets), len(b.Scenarios))}
	if len(b.Scenarios) > 0 {
		sc := b.Scenarios[0]
		parts = append(parts, fmt.Sprintf("%d repeats of %gs (after %gs of warm-up), interleaved", sc.Repeats, sc.DurationS, sc.WarmupS))
	}
	cpus := fmt.Sprintf("%d cores", b.Cores)
	if b.ServerCPUs != "" || b.ClientCPUs != "" {
		cpus += fmt.Sprintf(", server on CPUs %s, client on CPUs %s", orAll(b.ServerCPUs), orAll(b.ClientCPUs))
	}
	parts = append(parts, cpus, b.Started.UTC().Format("2006-01-02 15:04 UTC"))
	if b.Interrupted {
		parts = append(parts, "INTERRUPTED")
	}
	return strings.Join(parts, " · ")
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

// benchHowRanked explains the ranking under every table.
const benchHowRanked = `Ranked by fan-out p99 (the median over each target's valid runs); targets that lost more than 0.1% of the expected events rank after those that did not. "2 ≈1" means compare cannot tell #2 apart from #1 on fan-out p99 (Mann-Whitney U test at α = 0.05 with 3+ runs each, else its tolerances). Server CPU is the target's whole process tree, in % of one core; memory is its proportional set size; KiB/subscriber is the steady-state memory above the idle server's, per connected subscriber. Runs where the load generator was saturated are never ranked.`

// benchRunNote is the note of one row, with how it compared.
func benchRunNote(r *BenchRow) string {
	var parts []string
	if r.Note != "" {
		parts = append(parts, r.Note)
	}
	if r.Versus != "" && r.Rank > 1 {
		parts = append(parts, "vs the target above: "+r.Versus)
	}
	return strings.Join(parts, "; ")
}
