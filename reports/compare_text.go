package reports

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/reports/result"
)

// CompareText writes a comparison for a terminal or a CI log: the two
// sides, one aligned row per metric (base, new, absolute and relative
// change, verdict), the overall result and the notes.
func CompareText(w io.Writer, c *Comparison) error {
	var b strings.Builder
	b.WriteString("ssebench compare\n")
	fmt.Fprintf(&b, "  base  %s\n  new   %s\n\n", sideLine(c.Base), sideLine(c.New))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "metric\tbase\tnew\tdelta\tchange\tverdict\n")
	for _, r := range c.Rows {
		base, new, delta, rel := rowCells(r)
		verdict := string(r.Verdict)
		switch r.Verdict {
		case VerdictRegression:
			verdict = "REGRESSION"
		case VerdictNoChange:
			verdict = "~ no significant change"
		case VerdictInfo:
			verdict = "-"
		}
		if r.Reason != "" {
			verdict += "  (" + r.Reason + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Metric.Name, base, new, delta, rel, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nresult: %s\n", resultLine(c))
	if len(c.Notes) > 0 {
		b.WriteString("\nnotes\n")
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "  ! %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// CompareMarkdown writes a comparison as GitHub-flavoured Markdown for a
// pull-request comment or $GITHUB_STEP_SUMMARY.
func CompareMarkdown(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### ssebench compare: %s → %s\n\n", mdEscape(c.Base.Name), mdEscape(c.New.Name))
	fmt.Fprintf(&b, "Base: %s · New: %s\n\n", mdEscape(sideLine(c.Base)), mdEscape(sideLine(c.New)))
	b.WriteString("| metric | base | new | Δ | Δ% | verdict |\n|:--|--:|--:|--:|--:|:--|\n")
	for _, r := range c.Rows {
		base, new, delta, rel := rowCells(r)
		verdict := ""
		switch r.Verdict {
		case VerdictRegression:
			verdict = "❌ **regression**"
		case VerdictImprovement:
			verdict = "🟢 improvement"
		case VerdictOK:
			verdict = "✅ ok"
		case VerdictNoChange:
			verdict = "➖ no significant change"
		case VerdictNotMeasured:
			verdict = "⚠️ not measured"
		case VerdictInfo:
			verdict = ""
		}
		if r.Reason != "" {
			verdict += " (" + mdEscape(r.Reason) + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", mdEscape(r.Metric.Name), base, new, delta, rel, strings.TrimSpace(verdict))
	}
	mark := "✅"
	if len(c.Regressions()) > 0 {
		mark = "❌"
	}
	fmt.Fprintf(&b, "\n**Result:** %s %s\n", mark, mdEscape(resultLine(c)))
	if len(c.Notes) > 0 {
		b.WriteString("\n> **Notes**\n")
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "> - %s\n", mdEscape(n))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// sideLine describes a side: its name, the label its runs share (run
// --label), and how many runs it holds.
func sideLine(s Side) string {
	runs := "1 run"
	if len(s.Runs) != 1 {
		runs = fmt.Sprintf("%d runs", len(s.Runs))
	}
	label := s.Runs[0].Label
	for _, r := range s.Runs[1:] {
		if r.Label != label {
			label = ""
		}
	}
	if label != "" && label != s.Name {
		return fmt.Sprintf("%s (%q, %s)", s.Name, label, runs)
	}
	return fmt.Sprintf("%s (%s)", s.Name, runs)
}

// resultLine is the one-line outcome.
func resultLine(c *Comparison) string {
	regs := c.Regressions()
	if len(regs) == 0 {
		return "no regression"
	}
	names := make([]string, len(regs))
	for i, r := range regs {
		names[i] = r.Metric.Name
	}
	return fmt.Sprintf("REGRESSION in %s", strings.Join(names, ", "))
}

// rowCells formats a row's base, new, absolute and relative change. A
// side of several runs shows its median and, after ±, the largest
// distance of a run from it relative to it: the spread the test weighs.
func rowCells(r CompareRow) (base, new, delta, rel string) {
	k := r.Metric.Kind
	unit := result.DisplayUnit(k)
	cell := func(vs []float64, center float64) string {
		if len(vs) == 0 {
			return "–"
		}
		s := result.FormatValue(center, k, unit)
		if len(vs) > 1 && center != 0 {
			if spread := math.Max(math.Abs(vs[len(vs)-1]-center), math.Abs(center-vs[0])) / math.Abs(center); spread > 0 {
				s += fmt.Sprintf(" ±%.0f%%", spread*100)
			}
		}
		return s
	}
	base, new = cell(r.Base, r.BaseCenter), cell(r.New, r.NewCenter)
	if len(r.Base) == 0 || len(r.New) == 0 {
		return base, new, "", ""
	}
	d := r.Delta()
	if d == 0 {
		return base, new, "0", ""
	}
	sign := "+"
	if d < 0 {
		sign = "-"
	}
	delta = sign + result.FormatValue(math.Abs(d), k, unit)
	if k == result.KindRatio {
		delta = sign + result.FormatSig(math.Abs(d)*100, 4) + "pp" // a change of a percentage is in points
	}
	if x, ok := r.Relative(); ok {
		if math.Abs(x) < 1 {
			rel = fmt.Sprintf("%+.1f%%", x*100)
		} else {
			rel = fmt.Sprintf("%+.0f%%", x*100)
		}
	} else if d != 0 {
		rel = "new"
	}
	return base, new, delta, rel
}
