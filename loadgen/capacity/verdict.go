package capacity

import (
	"fmt"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// conclude picks the best and the first bad step, the knee and the verdict,
// and writes the summary.
func (s *search) conclude() {
	l := s.lim
	for i := range l.Steps {
		st := &l.Steps[i]
		if st.Interrupted {
			continue
		}
		if st.Pass && (l.Best == nil || st.Load > l.Best.Load) {
			l.Best = st
		}
		if !st.Pass && (l.FirstBad == nil || st.Load < l.FirstBad.Load) {
			l.FirstBad = st
		}
	}
	// Copies, so that the document does not alias its own Steps.
	if l.Best != nil {
		b := *l.Best
		l.Best = &b
	}
	if l.FirstBad != nil {
		b := *l.FirstBad
		l.FirstBad = &b
	}
	l.Knee = Knee(l.Steps, s.c.KneeFactor, s.c.KneeFloor)
	interrupted := len(l.Steps) > 0 && l.Steps[len(l.Steps)-1].Interrupted
	switch {
	case interrupted:
		l.Verdict = result.VerdictInterrupted
	case l.FirstBad != nil && l.FirstBad.ClientLimited:
		l.Verdict, l.ClientLimited = result.VerdictClientLimit, true
	case l.FirstBad != nil && l.Best == nil:
		l.Verdict = result.VerdictBelowStart
	case l.FirstBad != nil:
		l.Verdict = result.VerdictServerLimit
	default:
		l.Verdict = result.VerdictNoLimit
	}
	l.Summary = summary(l, s.c)
	l.Warnings = append(l.Warnings, noDataWarnings(l)...)
	if l.Embedded && !l.ClientLimited {
		l.Warnings = append(l.Warnings, "the embedded reference server ran in this process: client and server shared the CPU, "+
			"so the limit describes both; run `ssebench serve` apart to measure the server alone")
	}
}

// summary says in plain sentences what the search found.
func summary(l *result.Limits, c *Config) string {
	u := l.Unit
	load := func(v float64) string { return result.FormatLoad(v) + " " + u }
	var b strings.Builder
	switch l.Verdict {
	case result.VerdictServerLimit:
		fmt.Fprintf(&b, "Highest sustainable load: %s (%s). At %s the server %s.",
			load(l.Best.Load), figures(l.Best), load(l.FirstBad.Load), l.FirstBad.Note)
		if gap := l.FirstBad.Load - l.Best.Load; gap > c.Resolution {
			fmt.Fprintf(&b, " The limit lies between the two; more --bisect steps narrow it.")
		}
	case result.VerdictClientLimit:
		fmt.Fprintf(&b, "The limit found is the CLIENT's, not the server's: at %s %s. ", load(l.FirstBad.Load), l.FirstBad.Note)
		if l.Best != nil {
			fmt.Fprintf(&b, "The server sustained at least %s (%s). ", load(l.Best.Load), figures(l.Best))
		} else {
			b.WriteString("No step could be measured without the client being the bottleneck. ")
		}
		b.WriteString("To find the server's limit, " + ShardAdvice + ".")
	case result.VerdictBelowStart:
		fmt.Fprintf(&b, "The first step, %s, already %s; lower --start.", load(l.FirstBad.Load), l.FirstBad.Note)
	case result.VerdictNoLimit:
		if l.Best != nil {
			fmt.Fprintf(&b, "Every step up to %s met the objectives (%s at the top); the server's limit is higher: raise --max.",
				load(l.Best.Load), figures(l.Best))
		}
	case result.VerdictInterrupted:
		b.WriteString("The search was interrupted. ")
		if l.Best != nil {
			fmt.Fprintf(&b, "The highest load that met the objectives so far: %s (%s).", load(l.Best.Load), figures(l.Best))
		}
	}
	if k := l.Knee; k != nil {
		fmt.Fprintf(&b, " Fan-out latency starts to climb between %s and %s: p99 %s at %s, over %g× the %s at %s.",
			result.FormatLoad(k.Before), load(k.Load), msText(k.FanoutP99US), result.FormatLoad(k.Load),
			k.Factor, msText(k.BaselineP99US), result.FormatLoad(k.BaselineLoad))
	} else if measured(l.Steps) >= 2 {
		fmt.Fprintf(&b, " Fan-out p99 stayed within %g× its value at the lowest load.", c.KneeFactor)
	}
	return strings.TrimSpace(b.String())
}

// figures writes a step's headline figures: fan-out p99, error rate and
// events per second.
func figures(st *result.LimitStep) string {
	var parts []string
	if st.FanoutCount > 0 {
		parts = append(parts, "fan-out p99 "+msText(st.FanoutP99US))
	}
	parts = append(parts, "errors "+result.FormatValue(st.ErrorRate, result.KindRatio, "%"))
	parts = append(parts, fmt.Sprintf("%s events/s received", result.FormatLoad(float64(int64(st.EventsPerS+0.5)))))
	return strings.Join(parts, ", ")
}

// measured counts the steps with fan-out latency that Knee uses.
func measured(steps []result.LimitStep) int {
	n := 0
	for _, st := range steps {
		if st.FanoutCount > 0 && !st.ClientLimited && !st.Interrupted {
			n++
		}
	}
	return n
}

// noDataWarnings names the objectives no step could measure: a search
// that failed only because of them says nothing about the server.
func noDataWarnings(l *result.Limits) []string {
	var w []string
	for i, obj := range l.SLO {
		never := len(l.Steps) > 0
		for _, st := range l.Steps {
			if i < len(st.Checks) && !st.Checks[i].NoData {
				never = false
			}
			if i >= len(st.Checks) {
				never = false // a step that could not run has no checks
			}
		}
		if never {
			w = append(w, fmt.Sprintf("%s was not measured at any step, so every step failed it: choose an --slo on figures this target reports "+
				"(fan-out latency needs a latency source, e.g. --latency json:PATH or --publish-url; delivery_ratio needs --publish-url, "+
				"events.loss_ratio numeric event ids)", obj))
		}
	}
	return w
}

// msText writes a latency in µs as milliseconds with the precision the
// threshold engine uses: "87.3ms".
func msText(us int64) string { return result.FormatValue(float64(us), result.KindDuration, "ms") }
