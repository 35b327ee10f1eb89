package reports

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/ssebench/ssebench/reports/result"
)

// thresholdVerdict is the one-line summary of a run's thresholds, e.g.
// "2 of 3 failed".
func thresholdVerdict(rs []result.ThresholdResult) string {
	failed := len(result.FailedThresholds(rs))
	if failed == 0 {
		return fmt.Sprintf("all %d passed", len(rs))
	}
	return fmt.Sprintf("%d of %d failed", failed, len(rs))
}

// writeTextThresholds writes the thresholds section of the text summary:
// one line per threshold with its verdict first, so that a CI log shows
// FAIL where the eye starts reading. Nothing when there are none.
func writeTextThresholds(b *strings.Builder, rs []result.ThresholdResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(b, "\nthresholds  %s\n", thresholdVerdict(rs))
	var lines strings.Builder
	tw := tabwriter.NewWriter(&lines, 0, 0, 2, ' ', 0)
	for _, r := range rs {
		verdict := "pass"
		if !r.Pass {
			verdict = "FAIL"
		}
		detail := r.MeasuredText()
		if r.Measured == nil && r.Message != "" {
			detail = r.Message
		}
		// The detail is a tab's last cell, so it does not widen the
		// columns; a long one wraps below (writeWrapped).
		fmt.Fprintf(tw, "  %s\t%s\t\x00%s\n", verdict, r.Expression, detail)
	}
	tw.Flush() // a strings.Builder does not fail
	for line := range strings.SplitSeq(strings.TrimSuffix(lines.String(), "\n"), "\n") {
		head, detail, _ := strings.Cut(line, "\x00")
		writeWrapped(b, head, strings.Repeat(" ", utf8.RuneCountInString(head)), detail)
	}
}

// writeMDThresholds writes the thresholds as a Markdown table. Nothing
// when there are none.
func writeMDThresholds(b *strings.Builder, rs []result.ThresholdResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n**Thresholds:** %s\n\n", thresholdVerdict(rs))
	b.WriteString("| | threshold | measured |\n|:--|:--|--:|\n")
	for _, r := range rs {
		verdict := "✅ pass"
		if !r.Pass {
			verdict = "❌ **fail**"
		}
		detail := mdEscape(r.MeasuredText())
		if r.Measured == nil && r.Message != "" {
			detail = mdEscape(r.Message)
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", verdict, mdCode(r.Expression), detail)
	}
}
