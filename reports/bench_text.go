package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/reports/result"
)

// BenchText writes a bench for a terminal: one ranked table per scenario.
func BenchText(w io.Writer, b *result.Bench) error {
	fmt.Fprintf(w, "ssebench bench: %s\n%s\n", b.Suite, benchPlan(b))
	for _, rk := range RankBench(b) {
		fmt.Fprintf(w, "\n%s\n", rk.Scenario.Name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		heads := make([]string, len(benchColumns))
		for i, c := range benchColumns {
			heads[i] = c.head
		}
		fmt.Fprintf(tw, "%s\t\n", strings.Join(heads, "\t"))
		var notes []string
		for i := range rk.Rows {
			fmt.Fprintf(tw, "%s\t\n", strings.Join(benchCells(&rk.Rows[i]), "\t"))
			if n := benchRunNote(&rk.Rows[i]); n != "" {
				notes = append(notes, "  "+rk.Rows[i].Target+": "+n)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	fmt.Fprintf(w, "\n%s\n", wrap(benchHowRanked, 100, ""))
	if len(b.Warnings) > 0 {
		fmt.Fprintln(w, "\nwarnings")
		for _, wn := range b.Warnings {
			fmt.Fprintf(w, "  ! %s\n", wn)
		}
	}
	return nil
}
