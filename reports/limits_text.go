package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/reports/result"
)

// LimitsText writes a capacity search for a terminal: what was varied, a
// table with one row per step, the verdict and summary, then the probes and
// the browser view when they ran. Steps are listed in load order, so the
// bisection steps fall between the steps they split.
func LimitsText(w io.Writer, l *result.Limits) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  limits  %s  %s\n", l.Tool, l.Protocol, limitsTarget(l))
	if line := limitsPlan(l); line != "" {
		b.WriteString(line + "\n")
	}
	if len(l.Steps) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "#\tphase\t%s\tresult\tconnected\treceived/s\tp50 ms\tp99 ms\tp99.9 ms\terrors\tdelivery\tcpu\tnote\n", l.Unit)
		for _, i := range stepOrder(l.Steps) {
			st := l.Steps[i]
			c := newStepRow(&st)
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, st.Phase, result.FormatLoad(st.Load), c.result,
				c.connected, c.events, c.p50, c.p99, c.p999, c.errors, c.delivery, c.cpu, st.Note)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if l.Verdict != result.VerdictProbeOnly {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "verdict\t%s\n", verdictText(l))
		if l.Best != nil {
			fmt.Fprintf(tw, "best\t%s %s\n", result.FormatLoad(l.Best.Load), l.Unit)
		}
		if l.FirstBad != nil {
			fmt.Fprintf(tw, "first bad\t%s %s\n", result.FormatLoad(l.FirstBad.Load), l.Unit)
		}
		if k := l.Knee; k != nil {
			fmt.Fprintf(tw, "knee\tbetween %s and %s %s (p99 %s ms, %g× the %s ms at %s)\n", result.FormatLoad(k.Before), result.FormatLoad(k.Load), l.Unit,
				ms(float64(k.FanoutP99US)), k.Factor, ms(float64(k.BaselineP99US)), result.FormatLoad(k.BaselineLoad))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if l.Summary != "" {
		b.WriteString("\n" + wrap(l.Summary, 100, "") + "\n")
	}
	if p := l.Probe; p != nil {
		b.WriteString("\n")
		writeProbeText(&b, p)
	}
	if v := l.Browser; v != nil {
		b.WriteString("\n")
		writeBrowserText(&b, v)
	}
	if len(l.Warnings) > 0 {
		b.WriteString("\nwarnings\n")
		for _, wmsg := range l.Warnings {
			b.WriteString(wrap(wmsg, 100, "  ! ") + "\n")
		}
	}
	// tabwriter pads the last cells of rows with an empty note; trailing
	// spaces help no one and make diffs noisy.
	lines := strings.Split(b.String(), "\n")
	for i, line := range lines {
		lines[i] = strings.TrimRight(line, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

// writeProbeText writes the connection probe.
func writeProbeText(b *strings.Builder, p *result.ConnProbe) {
	fmt.Fprintf(b, "connection probe (%s, %s streams opened at once)\n", p.Protocol, result.FormatCount(int64(p.Tried)))
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	accepted := fmt.Sprintf("%s concurrent streams", result.FormatCount(int64(p.Accepted)))
	switch {
	case p.ClientLimited:
		accepted += " (CLIENT limit: ssebench ran out of its own resources first; this is not the server's limit)"
	case p.AllAccepted:
		accepted += " (every stream tried; the server's limit, if any, is higher)"
	}
	fmt.Fprintf(tw, "  accepted\t%s\n", accepted)
	for _, r := range p.Beyond {
		line := fmt.Sprintf("%s × %s: %s", result.FormatCount(r.Count), r.Class, r.Meaning)
		if r.Sample != "" {
			line += fmt.Sprintf(" (e.g. %s)", r.Sample)
		}
		fmt.Fprintf(tw, "  beyond\t%s\n", line)
	}
	if p.Behaviour != "" {
		fmt.Fprintf(tw, "  behaviour\t%s\n", p.Behaviour)
	}
	if p.ConnectBurst > 0 {
		fmt.Fprintf(tw, "  connect rate\t%s connections/s (burst of %s; connect p50 %s ms, p99 %s ms)\n",
			result.FormatCount(int64(p.ConnectRatePerS+0.5)), result.FormatCount(int64(p.ConnectBurst)), ms(float64(p.ConnectP50US)), ms(float64(p.ConnectP99US)))
	}
	if h := p.H2; h != nil {
		fmt.Fprintf(tw, "  HTTP/2 (%s)\t%s\n", h.Protocol, h2Text(h))
		if h.Note != "" {
			fmt.Fprintf(tw, "\t%s\n", h.Note)
		}
	}
	tw.Flush()
}

// h2Text says what the HTTP/2 probe found in one line.
func h2Text(h *result.H2Probe) string {
	switch {
	case !h.Supported:
		return "not spoken: " + h.Error
	case h.Error != "":
		return "probe failed: " + h.Error
	case !h.Advertised:
		return "no SETTINGS_MAX_CONCURRENT_STREAMS advertised (no limit per RFC 9113)"
	}
	s := fmt.Sprintf("advertises SETTINGS_MAX_CONCURRENT_STREAMS %s", result.FormatCount(int64(h.MaxConcurrentStreams)))
	switch {
	case h.Enforced == nil && h.Note == "":
		s += "; enforcement not tested"
	case h.Enforced == nil:
		// the note says why it was not tested
	case *h.Enforced:
		s += fmt.Sprintf("; enforced: of %d streams opened on one connection %d were answered and %d refused", h.Opened, h.Answered, h.Refused)
		if h.ResetCode != "" {
			s += " (" + h.ResetCode + ")"
		}
	default:
		s += fmt.Sprintf("; NOT enforced: of %d streams opened on one connection %d were answered", h.Opened, h.Answered)
	}
	return s
}

// writeBrowserText writes the browser view.
func writeBrowserText(b *strings.Builder, v *result.BrowserView) {
	fmt.Fprintf(b, "browser view (%d tabs, each waiting up to %.1fs for its stream)\n", v.Tabs, v.WaitS)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, p := range []struct {
		name string
		bp   result.BrowserProtocol
	}{{"HTTP/1.1", v.H1}, {"HTTP/2", v.H2}} {
		fmt.Fprintf(tw, "  %s (%s)\t%s\n", p.name, p.bp.Protocol, browserLine(p.bp, v.Tabs))
	}
	tw.Flush()
	if v.Note != "" {
		b.WriteString(wrap(v.Note, 100, "  ") + "\n")
	}
}

// browserLine says how many tabs one protocol served.
func browserLine(bp result.BrowserProtocol, tabs int) string {
	if bp.Error != "" {
		return "0 tabs served: " + bp.Error
	}
	s := fmt.Sprintf("%d of %d tabs served over %d connection", bp.Served, tabs, bp.Connections)
	if bp.Connections != 1 {
		s += "s"
	}
	if bp.Waiting > 0 {
		s += fmt.Sprintf(", %d waiting", bp.Waiting)
	}
	if bp.Failed > 0 {
		s += fmt.Sprintf(", %d failed", bp.Failed)
		if bp.Sample != "" {
			s += " (e.g. " + bp.Sample + ")"
		}
	}
	return s
}

// limitsTarget names the target for people.
func limitsTarget(l *result.Limits) string {
	if l.Embedded {
		return l.Target + " (embedded reference server)"
	}
	return l.Target
}

// limitsPlan describes the search in one line: what varied, what stayed,
// how long each step, and the objectives.
func limitsPlan(l *result.Limits) string {
	if l.Vary == "" {
		return ""
	}
	parts := []string{"varying " + l.Unit}
	if l.Fixed != "" {
		parts = append(parts, l.Fixed)
	}
	parts = append(parts, fmt.Sprintf("%gs per step", l.StepDurationS))
	if len(l.SLO) > 0 {
		parts = append(parts, "SLO "+strings.Join(l.SLO, ", "))
	}
	return strings.Join(parts, " · ")
}

// verdictText says the verdict in words.
func verdictText(l *result.Limits) string {
	switch l.Verdict {
	case result.VerdictServerLimit:
		return "server limit found"
	case result.VerdictClientLimit:
		return "CLIENT limit: ssebench was the bottleneck, not the server"
	case result.VerdictNoLimit:
		return "no limit found up to the maximum"
	case result.VerdictBelowStart:
		return "the first step already broke an objective"
	case result.VerdictInterrupted:
		return "interrupted"
	}
	return l.Verdict
}

// stepRow is a step's figures formatted for a table.
type stepRow struct {
	result, connected, events, p50, p99, p999, errors, delivery, cpu string
}

// newStepRow formats a step's figures; "-" marks what was not measured.
func newStepRow(st *result.LimitStep) stepRow {
	c := stepRow{result: "FAIL", p50: "-", p99: "-", p999: "-", delivery: "-"}
	switch {
	case st.Interrupted:
		c.result = "interrupted"
	case st.ClientLimited:
		c.result = "CLIENT"
	case st.Pass:
		c.result = "pass"
	}
	c.connected = fmt.Sprintf("%s/%s", result.FormatCount(int64(st.Connected)), result.FormatCount(int64(st.Requested)))
	c.events = result.FormatCount(int64(st.EventsPerS + 0.5))
	if st.FanoutCount > 0 {
		c.p50, c.p99, c.p999 = ms(float64(st.FanoutP50US)), ms(float64(st.FanoutP99US)), ms(float64(st.FanoutP999US))
	}
	c.errors = pct(st.ErrorRate)
	if st.DeliveryRatio != nil {
		c.delivery = pct(*st.DeliveryRatio)
	}
	c.cpu = fmt.Sprintf("%.0f%%", st.CPUPercent)
	return c
}

// pct writes a fraction as a percentage with precision that suits it.
func pct(f float64) string {
	v := f * 100
	switch {
	case v == 0 || v == 100:
		return fmt.Sprintf("%.0f%%", v)
	case v > 99 && v < 100:
		return fmt.Sprintf("%.3f%%", v)
	case v < 0.1:
		return fmt.Sprintf("%.3f%%", v)
	default:
		return fmt.Sprintf("%.2f%%", v)
	}
}

// stepOrder returns the indices of steps sorted by load (stable, so two
// steps at one load keep the order they ran in).
func stepOrder(steps []result.LimitStep) []int {
	idx := make([]int, len(steps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case steps[a].Load < steps[b].Load:
			return -1
		case steps[a].Load > steps[b].Load:
			return 1
		}
		return 0
	})
	return idx
}

// errorClasses writes a step's failures by class: "status 12, dial 3".
func errorClasses(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// wrap breaks s into lines of at most width characters, each starting with
// prefix (continuation lines are indented to match).
func wrap(s string, width int, prefix string) string {
	indent := strings.Repeat(" ", len([]rune(prefix)))
	var b strings.Builder
	line := prefix
	n := len([]rune(line))
	for i, word := range strings.Fields(s) {
		wl := len([]rune(word))
		if i > 0 && n+1+wl > width {
			b.WriteString(line + "\n")
			line, n = indent+word, len([]rune(indent))+wl
			continue
		}
		if i > 0 {
			line += " "
			n++
		}
		line += word
		n += wl
	}
	b.WriteString(line)
	return b.String()
}
