package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// BenchMarkdown writes a bench as GitHub-flavoured Markdown: one ranked
// table per scenario with the server's CPU and memory, then every run.
func BenchMarkdown(w io.Writer, b *result.Bench) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# ssebench bench: %s\n\n%s\n", mdEscape(b.Suite), mdEscape(benchPlan(b)))
	for _, rk := range RankBench(b) {
		fmt.Fprintf(bw, "\n## %s\n\n", mdEscape(rk.Scenario.Name))
		heads, align := make([]string, len(benchColumns)), make([]string, len(benchColumns))
		for i, c := range benchColumns {
			heads[i], align[i] = c.head, "---"
			if c.num {
				align[i] = "---:"
			}
		}
		fmt.Fprintf(bw, "| %s |\n|%s|\n", strings.Join(heads, " | "), strings.Join(align, "|"))
		var notes []string
		for i := range rk.Rows {
			r := &rk.Rows[i]
			cells := benchCells(r)
			for j := range cells {
				cells[j] = mdEscape(cells[j])
			}
			fmt.Fprintf(bw, "| %s |\n", strings.Join(cells, " | "))
			if n := benchRunNote(r); n != "" {
				notes = append(notes, fmt.Sprintf("- **%s**: %s", mdEscape(r.Target), mdEscape(n)))
			}
		}
		if len(notes) > 0 {
			fmt.Fprintf(bw, "\n%s\n", strings.Join(notes, "\n"))
		}
	}
	fmt.Fprintf(bw, "\n%s\n", mdEscape(benchHowRanked))
	if len(b.Warnings) > 0 {
		fmt.Fprintf(bw, "\n**Warnings**\n\n")
		for _, wn := range b.Warnings {
			fmt.Fprintf(bw, "- %s\n", mdEscape(wn))
		}
	}
	fmt.Fprintf(bw, "\n<details><summary>Every run (%d)</summary>\n\n", len(b.Runs))
	fmt.Fprintf(bw, "| scenario | target | repeat | valid | fan-out p99 | events/s | server CPU | CPU µs/event | KiB/subscriber | note |\n|---|---|---:|---|---:|---:|---:|---:|---:|---|\n")
	for _, r := range b.Runs {
		cells := benchRunCells(&r)
		for j := range cells {
			cells[j] = mdEscape(cells[j])
		}
		fmt.Fprintf(bw, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintf(bw, "\n</details>\n")
	return bw.Flush()
}

// benchRunCells are one run's cells in the table of every run.
func benchRunCells(r *result.BenchRun) []string {
	valid := "yes"
	if !r.Valid {
		valid = "no"
	}
	cells := []string{r.Scenario, r.Target, fmt.Sprint(r.Repeat), valid, "–", "–", "–", "–", "–", r.Invalid}
	if rep := r.Result; rep != nil {
		if f := rep.LatencyUS.Fanout; f.Count > 0 {
			cells[4] = ms(float64(f.P99)) + " ms"
		}
		cells[5] = result.FormatCount(int64(rep.Events.RatePerS + 0.5))
	}
	if c := r.Cost; c != nil {
		cells[6] = fmt.Sprintf("%.1f%%", c.CPUPercent)
		cells[7] = result.FormatSig(c.CPUUSPerEvent, 3)
		cells[8] = result.FormatSig(c.KiBPerSubscriber, 3)
	}
	if r.Error != "" && r.Invalid == "" {
		cells[9] = firstLineOf(r.Error)
	}
	return cells
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
