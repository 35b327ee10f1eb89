package reports

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// Encoder writes a Report in one format.
type Encoder func(w io.Writer, r *result.Report) error

// MultiEncoder writes several reports in one format: overlaid in one chart,
// side by side in one table, or one after another, as suits the format.
type MultiEncoder func(w io.Writer, rs []*result.Report) error

// ErrNoData is returned (wrapped) by a format that shows something the
// result lacks: hgrm when fan-out latency was not measured, hlog for a
// result without per-interval histograms.
var ErrNoData = errors.New("reports: the result has no data for this format")

// ErrOneReport is returned by the MultiEncoder of a format that holds one
// run per file (hgrm, hlog) when given several.
var ErrOneReport = errors.New("reports: this format holds one result per file")

// Format is one way to render reports.
type Format struct {
	// Name is the --format value.
	Name string
	// File is the file name `ssebench run --report-dir` writes it to.
	File string
	// Binary is true when the output is not text (png): it must not be
	// written to a terminal.
	Binary bool
	// Summary says in a few words what the format is, for --help.
	Summary string

	one  Encoder      // nil: derived from many
	many MultiEncoder // nil: one after another, separated by sep
	sep  string
}

// Encode writes one report in the format.
func (f Format) Encode(w io.Writer, r *result.Report) error {
	if f.one != nil {
		return f.one(w, r)
	}
	return f.many(w, []*result.Report{r})
}

// EncodeAll writes several reports in the format. Formats that cannot hold
// several results in one file return ErrOneReport.
func (f Format) EncodeAll(w io.Writer, rs []*result.Report) error {
	if len(rs) == 0 {
		return errors.New("reports: no result to render")
	}
	if f.many != nil {
		return f.many(w, rs)
	}
	for i, r := range rs {
		if i > 0 {
			if _, err := io.WriteString(w, f.sep); err != nil {
				return err
			}
		}
		if err := f.one(w, r); err != nil {
			return err
		}
	}
	return nil
}

// formats lists every format in the order --help and --report-dir use.
var formats = []Format{
	{Name: "text", File: "report.txt", Summary: "aligned summary for a terminal", one: Text, sep: "\n"},
	{Name: "json", File: "report.json", Summary: "the canonical result (one document per run)", one: JSON},
	{Name: "md", File: "report.md", Summary: "GitHub-flavoured Markdown; several runs become a comparison table", one: Markdown, many: MarkdownCompare},
	{Name: "csv", File: "intervals.csv", Summary: "the time series, one row per interval and run", many: CSV},
	{Name: "hgrm", File: "fanout.hgrm", Summary: "HdrHistogram percentile distribution of fan-out latency, in ms", one: HGRM, many: oneOnly(HGRM)},
	{Name: "hlog", File: "fanout.hlog", Summary: "HdrHistogram interval log of fan-out latency, in µs", one: HLog, many: oneOnly(HLog)},
	{Name: "html", File: "report.html", Summary: "self-contained page with charts; several runs are overlaid", many: HTML},
	{Name: "svg", File: "charts.svg", Summary: "all charts in one SVG image; several runs are overlaid", many: SVG},
	{Name: "png", File: "charts.png", Binary: true, Summary: "all charts in one PNG image; several runs are overlaid", many: PNG},
}

// oneOnly adapts a single-report encoder whose file format has room for
// one run only.
func oneOnly(e Encoder) MultiEncoder {
	return func(w io.Writer, rs []*result.Report) error {
		if len(rs) != 1 {
			return fmt.Errorf("%w (got %d); render each file separately, or use html, svg, png or md to compare", ErrOneReport, len(rs))
		}
		return e(w, rs[0])
	}
}

// Formats returns every format, in the order --help lists them.
func Formats() []Format { return slices.Clone(formats) }

// Names lists the format names, sorted.
func Names() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name
	}
	slices.Sort(names)
	return names
}

// LookupFormat returns the Format with the given name.
func LookupFormat(name string) (Format, error) {
	for _, f := range formats {
		if f.Name == name {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("reports: unknown format %q (have %s)", name, strings.Join(Names(), ", "))
}

// Lookup returns the Encoder for one report in a format.
func Lookup(name string) (Encoder, error) {
	f, err := LookupFormat(name)
	if err != nil {
		return nil, err
	}
	return f.Encode, nil
}

// LookupMulti returns the MultiEncoder for several reports in a format.
func LookupMulti(name string) (MultiEncoder, error) {
	f, err := LookupFormat(name)
	if err != nil {
		return nil, err
	}
	return f.EncodeAll, nil
}
