package reports

import (
	"fmt"

	"github.com/ssebench/ssebench/reports/result"
)

// banner is a notice that belongs at the top of a report because it
// changes how everything below reads: a run that measured nothing (and
// why), or one that was interrupted.
type banner struct {
	title, text string
	bad         bool // the run failed, rather than a caution
}

// banners returns the notices for the top of r's report, most serious
// first.
func banners(r *result.Report) []banner {
	var out []banner
	if f := r.Failure(); f != "" {
		out = append(out, banner{"Nothing was measured:", f + ".", true})
	}
	if r.Interrupted {
		out = append(out, banner{"Interrupted:", fmt.Sprintf("the run was stopped early (SIGINT or SIGTERM) after %.1f s of steady state; the figures cover only that part.", r.DurationS), false})
	}
	return out
}

// selfCheckLine describes the load generator's self-check in one line, or
// "" when the run has none.
func selfCheckLine(r *result.Report) string {
	sc := r.SelfCheck
	if sc.Cores == 0 {
		return ""
	}
	verdict := "ok: the load generator was not the bottleneck"
	if sc.Saturated {
		verdict = "SATURATED: the figures describe the load generator, not the server"
	}
	return fmt.Sprintf("CPU %.0f%% of one core (%d usable), scheduler lag p99 %s ms; %s", sc.CPUPercent, sc.Cores, ms(float64(sc.ReaderLagUS)), verdict)
}

// latencyMS shows one figure of l in milliseconds, or "–" when l is empty.
func latencyMS(l result.Latency, us int64) string {
	if l.Count == 0 {
		return "–"
	}
	return ms(float64(us))
}

// deliveryText shows the delivery ratio, or "–" when it was not measured.
func deliveryText(r *result.Report) string {
	if r.DeliveryRatio == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f%%", *r.DeliveryRatio*100)
}
