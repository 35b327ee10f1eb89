package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

const compareAbout = `Compares a baseline with a new run, metric by metric: fan-out p50/p99/p99.9, connect p99,
first event p99, events/s, delivery ratio, error rate, errors, gaps and loss, with the
absolute and relative change of each and a verdict.

BASE and NEW are each one result file (ssebench run --out) or several runs of the same
benchmark (ssebench run --repeat N): a comma list, a quoted glob ('base-*.json'), or a
directory (its *.json files, else its run-*/report.json from --report-dir).

How a change is judged:
  - 3 or more runs on both sides: a Mann-Whitney U test (as benchstat) on the runs'
    values. p >= --alpha is "no significant change", whatever the medians say. Fewer
    than 4 runs a side can never reach p < 0.05: use --repeat 5 or more.
  - a significant change, or any change with fewer runs (compared on the medians),
    is a regression only when it is worse by more than the metric's relative
    tolerance AND its absolute floor. Defaults (--tolerance changes them):
      fanout.p50 25% and 2ms    fanout.p99 25% and 5ms    fanout.p999 50% and 10ms
      connect.p99 50% and 10ms  first_event.p99 50% and 20ms
      events.rate 5%            delivery_ratio, errors.rate, events.loss_ratio 0.1pp
    errors.count and events.gaps are shown, not judged (their rates are).
  - a metric one side did not measure is shown, not judged.

Exit status: 0 no regression, 1 a file could not be read, 2 bad usage (a file that is
not a run's result included), 4 regression.`

// cmdCompare implements `ssebench compare BASE NEW`.
func cmdCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", "ssebench compare [flags] BASE NEW", compareAbout, stderr)
	tols := reports.DefaultTolerances()
	fs.Func("tolerance", "tolerance `spec` METRIC=LIMIT[:LIMIT], repeatable or a comma list: how far METRIC may get worse before it is a\n"+
		"regression; LIMIT% is relative, any other LIMIT the absolute floor (5ms, 100/s, 3, 0.5pp for ratios);\n"+
		"the part not given keeps its default. A bare N% sets every metric's relative tolerance.\n"+
		"Any metric a threshold can name may be given; it is then shown and judged", func(s string) error {
		for part := range strings.SplitSeq(s, ",") {
			if err := tols.Set(part); err != nil {
				return err
			}
		}
		return nil
	})
	alpha := fs.Float64("alpha", reports.DefaultAlpha, "significance `level` of the Mann-Whitney U test (3 or more runs a side)")
	format := fs.String("format", "text", "output `format`: text, or md (GitHub Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY)")
	metrics := fs.String("metrics", "", "comma list of `metrics` to show instead of the default set")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErrorf("compare takes BASE and NEW, got %d arguments %q; quote globs ('base-*.json') or join files with commas", len(pos), pos)
	}
	render := reports.CompareText
	switch *format {
	case "text":
	case "md":
		render = reports.CompareMarkdown
	default:
		return usageErrorf("--format %q: want text or md", *format)
	}
	if *alpha <= 0 || *alpha >= 1 {
		return usageErrorf("--alpha must be between 0 and 1, got %g", *alpha)
	}
	opts := reports.CompareOptions{Alpha: *alpha, Tolerances: tols}
	if *metrics != "" {
		for m := range strings.SplitSeq(*metrics, ",") {
			m = strings.TrimSpace(m)
			if _, err := result.LookupMetric(m); err != nil {
				return usageErrorf("--metrics: %v", err)
			}
			opts.Metrics = append(opts.Metrics, m)
		}
	}

	var sides [2]reports.Side
	for i, arg := range pos {
		runs, err := loadSide(arg)
		if err != nil {
			return err
		}
		sides[i] = reports.Side{Name: arg, Runs: runs}
	}
	c, err := reports.Compare(sides[0], sides[1], opts)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if err := render(stdout, c); err != nil {
		return err
	}
	if regs := c.Regressions(); len(regs) > 0 {
		names := make([]string, len(regs))
		for i, r := range regs {
			names[i] = r.Metric.Name
		}
		return &codeError{code: exitRegressed, err: fmt.Errorf("regression in %s", strings.Join(names, ", "))}
	}
	return nil
}

// loadSide reads the results one side of a comparison names: a comma list
// of files, globs and directories. A directory gives its *.json files or,
// when it has none, the report.json of its run-* subdirectories (the
// layout of run --repeat --report-dir).
func loadSide(arg string) ([]*result.Report, error) {
	var paths []string
	for part := range strings.SplitSeq(arg, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		found, err := expandSide(part)
		if err != nil {
			return nil, err
		}
		paths = append(paths, found...)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%q names no result file", arg)
	}
	var runs []*result.Report
	for _, p := range paths {
		r, err := result.ReadFile(p)
		if errors.Is(err, result.ErrNotARun) {
			return nil, usageErrorf("%v", err) // wrong kind of file: a usage problem, exit 2
		}
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// expandSide returns the result files one part of a side names.
func expandSide(part string) ([]string, error) {
	if strings.ContainsAny(part, "*?[") {
		m, err := filepath.Glob(part)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%q: no file matches", part)
		}
		return m, nil
	}
	st, err := os.Stat(part)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{part}, nil
	}
	for _, pattern := range []string{"*.json", filepath.Join("run-*", "report.json")} {
		m, _ := filepath.Glob(filepath.Join(part, pattern)) // the pattern is well formed
		if len(m) > 0 {
			slices.Sort(m)
			return m, nil
		}
	}
	return nil, fmt.Errorf("%s: no *.json results and no run-*/report.json in the directory", part)
}
