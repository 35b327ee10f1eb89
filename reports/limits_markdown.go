package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// LimitsMarkdown writes a capacity search as GitHub-flavoured Markdown: the
// verdict and summary first (what a pull-request reader wants), then a table
// with one row per step in load order, then the probes.
func LimitsMarkdown(w io.Writer, l *result.Limits) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### ssebench limits: %s\n\n", mdEscape(limitsTarget(l)))
	fmt.Fprintf(&b, "%s · %s", mdEscape(l.Tool), mdEscape(l.Protocol))
	if plan := limitsPlan(l); plan != "" {
		fmt.Fprintf(&b, " · %s", mdEscape(plan))
	}
	fmt.Fprintf(&b, " · started %s\n\n", l.Started.UTC().Format("2006-01-02 15:04:05 UTC"))

	if l.Verdict != result.VerdictProbeOnly {
		fmt.Fprintf(&b, "**Verdict:** %s", mdEscape(verdictText(l)))
		if l.Best != nil {
			fmt.Fprintf(&b, " · **best:** %s %s", result.FormatLoad(l.Best.Load), mdEscape(l.Unit))
		}
		if k := l.Knee; k != nil {
			fmt.Fprintf(&b, " · **knee:** %s–%s %s", result.FormatLoad(k.Before), result.FormatLoad(k.Load), mdEscape(l.Unit))
		}
		b.WriteString("\n\n")
	}
	if l.Summary != "" {
		fmt.Fprintf(&b, "%s\n\n", mdEscape(l.Summary))
	}

	if len(l.Steps) > 0 {
		fmt.Fprintf(&b, "| # | phase | %s | result | connected | received/s | fan-out p50 ms | p99 ms | p99.9 ms | errors | delivery | cpu | note |\n", mdEscape(l.Unit))
		b.WriteString("|--:|:--|--:|:--|--:|--:|--:|--:|--:|--:|--:|--:|:--|\n")
		for _, i := range stepOrder(l.Steps) {
			st := l.Steps[i]
			c := newStepRow(&st)
			outcome := c.result
			if !st.Pass {
				outcome = "**" + outcome + "**"
			}
			note := st.Note
			if len(st.Errors) > 0 {
				note = strings.TrimSpace(note + " [" + errorClasses(st.Errors) + "]")
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", i+1, st.Phase, result.FormatLoad(st.Load), outcome,
				c.connected, c.events, c.p50, c.p99, c.p999, c.errors, c.delivery, c.cpu, mdEscape(note))
		}
		b.WriteString("\n")
	}

	if p := l.Probe; p != nil {
		fmt.Fprintf(&b, "**Connection probe** (%s, %s streams opened at once)\n\n", mdEscape(p.Protocol), result.FormatCount(int64(p.Tried)))
		b.WriteString("| | |\n|:--|:--|\n")
		accepted := result.FormatCount(int64(p.Accepted)) + " concurrent streams"
		switch {
		case p.ClientLimited:
			accepted += " (CLIENT limit, not the server's)"
		case p.AllAccepted:
			accepted += " (every stream tried)"
		}
		fmt.Fprintf(&b, "| accepted | %s |\n", accepted)
		for _, r := range p.Beyond {
			fmt.Fprintf(&b, "| beyond | %s × %s: %s %s |\n", result.FormatCount(r.Count), mdEscape(r.Class), mdEscape(r.Meaning), mdCode(r.Sample))
		}
		if p.Behaviour != "" {
			fmt.Fprintf(&b, "| behaviour | %s |\n", mdEscape(p.Behaviour))
		}
		if p.ConnectBurst > 0 {
			fmt.Fprintf(&b, "| connect rate | %s connections/s (burst of %s; p50 %s ms, p99 %s ms) |\n", result.FormatCount(int64(p.ConnectRatePerS+0.5)),
				result.FormatCount(int64(p.ConnectBurst)), ms(float64(p.ConnectP50US)), ms(float64(p.ConnectP99US)))
		}
		if h := p.H2; h != nil {
			line := h2Text(h)
			if h.Note != "" {
				line += " — " + h.Note
			}
			fmt.Fprintf(&b, "| HTTP/2 (%s) | %s |\n", mdEscape(h.Protocol), mdEscape(line))
		}
		b.WriteString("\n")
	}
	if v := l.Browser; v != nil {
		fmt.Fprintf(&b, "**Browser view** (%d tabs, each waiting up to %.1f s)\n\n", v.Tabs, v.WaitS)
		b.WriteString("| protocol | served | waiting | failed | connections | |\n|:--|--:|--:|--:|--:|:--|\n")
		for _, p := range []struct {
			name string
			bp   result.BrowserProtocol
		}{{"HTTP/1.1", v.H1}, {"HTTP/2", v.H2}} {
			fmt.Fprintf(&b, "| %s (%s) | %d | %d | %d | %d | %s |\n", p.name, mdEscape(p.bp.Protocol), p.bp.Served, p.bp.Waiting, p.bp.Failed,
				p.bp.Connections, mdEscape(strings.TrimSpace(p.bp.Error+" "+p.bp.Sample)))
		}
		if v.Note != "" {
			fmt.Fprintf(&b, "\n%s\n", mdEscape(v.Note))
		}
		b.WriteString("\n")
	}
	writeMDWarnings(&b, l.Warnings)
	// Each block ends with a blank line and the warnings start with one.
	out := strings.ReplaceAll(b.String(), "\n\n\n", "\n\n")
	_, err := io.WriteString(w, strings.TrimRight(out, "\n")+"\n")
	return err
}
