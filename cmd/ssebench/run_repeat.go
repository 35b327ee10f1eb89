package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// addRepeatFlag registers --repeat into n.
func addRepeatFlag(fs *flag.FlagSet, n *int) {
	*n = 1
	fs.IntVar(n, "repeat", 1, "run the benchmark `N` times, one after another (a fresh embedded server each time); run i writes\n"+
		"--out, --junit, --hlog and --dump to NAME-i.EXT (r.json → r-1.json … r-N.json) and --report-dir to DIR/run-i,\n"+
		"so 'ssebench compare \"base-*.json\" \"new-*.json\"' can test the difference for significance (5 or more runs per side);\n"+
		"a summary of the runs (median and range of the headline figures, thresholds passed) ends the output")
}

// execute runs the plan --repeat times. A run whose thresholds fail does
// not stop the series (every result is wanted for the comparison); an
// interruption ends it after the current run, whose outputs are written;
// any other error ends it at once.
func (p *runPlan) execute(ctx context.Context, stdout, stderr io.Writer) error {
	if p.repeat == 1 {
		rep, err := p.runOnce(ctx, 1, stdout, stderr)
		return p.outcome(rep, err)
	}
	// Headers and the summary go with the summaries when those are for
	// people (text, md), else to stderr so stdout stays one format.
	notes := stderr
	if p.format == "text" || p.format == "md" {
		notes = stdout
	}
	var reps []*result.Report
	var failed []string
	interrupted := false
	for i := 1; i <= p.repeat && !interrupted; i++ {
		if ctx.Err() != nil {
			interrupted = true
			break
		}
		fmt.Fprintf(notes, "── run %d of %d ──\n", i, p.repeat)
		rep, runErr := p.runOnce(ctx, i, stdout, stderr)
		if rep != nil {
			reps = append(reps, rep)
		}
		err := p.outcome(rep, runErr)
		var ce *codeError
		switch {
		case err == nil:
		case errors.As(err, &ce) && ce.code == exitThreshold:
			fmt.Fprintf(stderr, "ssebench: run %d of %d: %v\n", i, p.repeat, ce.err)
			failed = append(failed, fmt.Sprint(i))
		case errors.As(err, &ce) && ce.code == exitInterrupted:
			interrupted = true
		case errors.As(err, &ce):
			if ce.err == nil {
				return ce
			}
			return &codeError{code: ce.code, err: fmt.Errorf("run %d of %d: %w", i, p.repeat, ce.err)}
		default:
			return fmt.Errorf("run %d of %d: %w", i, p.repeat, err)
		}
	}
	if len(reps) > 0 {
		writeRepeatSummary(notes, reps, p.repeat)
	}
	switch {
	case interrupted:
		return &codeError{code: exitInterrupted, err: fmt.Errorf("interrupted: %d of %d runs done, the last one partly; their results were written", len(reps), p.repeat)}
	case len(failed) > 0:
		return &codeError{code: exitThreshold, err: fmt.Errorf("thresholds failed in run %s of %d", strings.Join(failed, ", "), p.repeat)}
	}
	return nil
}

// repeatFigures are the headline figures the summary of a series shows.
var repeatFigures = []struct {
	label string
	get   func(*result.Report) (float64, bool)
	show  func(float64) string
}{
	{"events/s", func(r *result.Report) (float64, bool) { return r.Events.RatePerS, true }, func(v float64) string { return fmt.Sprintf("%.0f", v) }},
	{"fan-out p50", latencyFigure(func(r *result.Report) result.Latency { return r.LatencyUS.Fanout }, 50), msFigure},
	{"fan-out p99", latencyFigure(func(r *result.Report) result.Latency { return r.LatencyUS.Fanout }, 99), msFigure},
	{"connect p99", latencyFigure(func(r *result.Report) result.Latency { return r.LatencyUS.Connect }, 99), msFigure},
	{"errors", func(r *result.Report) (float64, bool) { return float64(r.ErrorCount()), true }, func(v float64) string { return fmt.Sprintf("%.0f", v) }},
	{"delivery ratio", func(r *result.Report) (float64, bool) {
		if r.DeliveryRatio == nil {
			return 0, false
		}
		return *r.DeliveryRatio, true
	}, func(v float64) string { return fmt.Sprintf("%.2f%%", v*100) }},
}

// latencyFigure reads a stored percentile (50 or 99) of a distribution.
func latencyFigure(pick func(*result.Report) result.Latency, pct int) func(*result.Report) (float64, bool) {
	return func(r *result.Report) (float64, bool) {
		l := pick(r)
		if l.Count == 0 {
			return 0, false
		}
		if pct == 50 {
			return float64(l.P50), true
		}
		return float64(l.P99), true
	}
}

// msFigure shows microseconds as milliseconds.
func msFigure(us float64) string { return fmt.Sprintf("%.2f ms", us/1000) }

// writeRepeatSummary writes the median and range of each headline figure
// over the runs, and how many runs passed their thresholds.
func writeRepeatSummary(w io.Writer, reps []*result.Report, planned int) {
	fmt.Fprintf(w, "── %d of %d runs: median [min – max] ──\n", len(reps), planned)
	for _, f := range repeatFigures {
		var vs []float64
		for _, r := range reps {
			if v, ok := f.get(r); ok {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			continue
		}
		slices.Sort(vs)
		med := vs[len(vs)/2]
		if len(vs)%2 == 0 {
			med = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
		fmt.Fprintf(w, "  %-15s %s [%s – %s]\n", f.label, f.show(med), f.show(vs[0]), f.show(vs[len(vs)-1]))
	}
	if len(reps[0].Thresholds) > 0 {
		passed := 0
		for _, r := range reps {
			if len(result.FailedThresholds(r.Thresholds)) == 0 {
				passed++
			}
		}
		fmt.Fprintf(w, "  %-15s passed in %d/%d runs\n", "thresholds", passed, len(reps))
	}
}

// numbered returns path with "-i" before its extension: r.json → r-2.json,
// out → out-2.
func numbered(path string, i int) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(path, ext), i, ext)
}
