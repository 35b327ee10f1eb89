package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"

	"github.com/ssebench/ssebench/reports/result"
)

// BenchHTML writes a bench as one self-contained page: per scenario, the
// ranked table, the targets' fan-out latency spectra overlaid, and bar
// charts of the server's CPU and memory. Like HTML it runs no script and
// fetches nothing.
func BenchHTML(w io.Writer, b *result.Bench) error {
	pg := benchPage{Title: "ssebench bench: " + b.Suite, Plan: benchPlan(b), HowRanked: benchHowRanked, Warnings: b.Warnings}
	for _, c := range benchColumns {
		pg.Heads = append(pg.Heads, benchHead{Text: c.head, Num: c.num})
	}
	for i, rk := range RankBench(b) {
		sec := benchSection{Name: rk.Scenario.Name, ID: fmt.Sprintf("scenario-%d", i+1)}
		for j := range rk.Rows {
			r := &rk.Rows[j]
			sec.Rows = append(sec.Rows, benchHTMLRow{Cells: benchCells(r), Color: hexColor(runColor(j)), Note: benchRunNote(r), Unranked: r.Rank == 0})
		}
		for _, c := range benchCharts(&rk, sec.ID) {
			svg, err := chartSVG(c)
			if err != nil {
				return err
			}
			sec.Charts = append(sec.Charts, htmlChart{ID: c.id, Title: c.title, Caption: c.caption, SVG: template.HTML(svg), Points: c.points})
		}
		pg.Sections = append(pg.Sections, sec)
	}
	for _, r := range b.Runs {
		pg.Runs = append(pg.Runs, benchRunCells(&r))
	}
	return benchTemplate.Execute(w, pg)
}

//go:embed bench.tmpl
var benchSource string

var benchTemplate = template.Must(template.New("bench").Parse(benchSource))

// benchPage is what bench.tmpl renders.
type benchPage struct {
	Title, Plan, HowRanked string
	Heads                  []benchHead
	Sections               []benchSection
	Runs                   [][]string
	Warnings               []string
}

type benchHead struct {
	Text string
	Num  bool
}

type benchSection struct {
	Name, ID string
	Rows     []benchHTMLRow
	Charts   []htmlChart
}

type benchHTMLRow struct {
	Cells    []string
	Color    string
	Note     string
	Unranked bool
}
