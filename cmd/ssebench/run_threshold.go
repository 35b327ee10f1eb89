package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

// thresholdFlags are --threshold (repeatable) and --junit: the run's
// pass/fail criteria and where to report them for a CI system.
type thresholdFlags struct {
	given  []thresholdArg
	origin string // where the next Set's value comes from; "" is the command line
	junit  string
	parsed []result.Threshold
}

// thresholdArg is one --threshold value and where it was given.
type thresholdArg struct {
	expr  string
	where string // "FILE:LINE" of a scenario, or "" for the command line
}

// addThresholdFlags registers --threshold and --junit.
func addThresholdFlags(fs *flag.FlagSet) *thresholdFlags {
	tf := &thresholdFlags{}
	fs.Var(tf, "threshold", "pass/fail `criteria` METRIC OP VALUE, repeatable or a comma list, e.g. 'fanout.p99 < 50ms,errors.rate < 0.1%',\n"+
		"'delivery_ratio > 99.9%', 'events.rate >= 9000/s', 'subscribers.failed == 0'; OP is < <= > >= == !=.\n"+
		"Metrics (docs/ci.md): fanout, connect, first_event, headers, inter_event, reconnect, publish\n"+
		"with .p50 .p90 .p95 .p99 .p999 .pN .min .mean .max .count; events.rate/received/gaps/duplicates/loss_ratio;\n"+
		"subscribers.connected/failed/dropped/reconnects; errors.count/rate/CLASS; delivery_ratio.\n"+
		"Results go in the summary and the result; one that fails, or whose metric was not measured, exits 3")
	fs.StringVar(&tf.junit, "junit", "", "write the thresholds' results as JUnit XML to `file`, one test case per threshold")
	return tf
}

// String implements flag.Value.
func (tf *thresholdFlags) String() string {
	if tf == nil {
		return ""
	}
	return strings.Join(tf.expressions(), ", ")
}

// Set implements flag.Value. It only collects: parse reports every bad
// expression at once, with a caret under the bad token, which flag's own
// error path (one line, then the whole usage) would bury.
func (tf *thresholdFlags) Set(s string) error {
	for expr := range strings.SplitSeq(s, ",") {
		if expr = strings.TrimSpace(expr); expr != "" {
			tf.given = append(tf.given, thresholdArg{expr: expr, where: tf.origin})
		}
	}
	return nil
}

// setOrigin implements origined.
func (tf *thresholdFlags) setOrigin(where string) { tf.origin = where }

// expressions returns the thresholds as given.
func (tf *thresholdFlags) expressions() []string {
	var out []string
	for _, g := range tf.given {
		out = append(out, g.expr)
	}
	return out
}

// parse parses every threshold. Bad expressions are a usage error that
// shows each with a caret under the offending token:
//
//	ssebench: --threshold: unit "xs" does not fit: fanout.p99 is a time: …
//	    fanout.p99 < 50xs
//	                   ^^
//
// It returns warnings for thresholds that parse but probably do not say
// what was meant: a ratio written as a plain number of 0.01 or more
// ("errors.rate < 0.1" is 10%, not 0.1%).
func (tf *thresholdFlags) parse() (warnings []string, err error) {
	var msgs []string
	for _, g := range tf.given {
		th, err := result.ParseThreshold(g.expr)
		if err == nil {
			tf.parsed = append(tf.parsed, th)
			if th.Metric.Kind == result.KindRatio && th.Unit == "" && th.Limit >= 0.01 {
				warnings = append(warnings, fmt.Sprintf("--threshold %s means %s %s%%; write %s%% if you meant that",
					g.expr, th.Op, result.FormatSig(th.Limit*100, 6), result.FormatSig(th.Limit, 6)))
			}
			continue
		}
		where := "--threshold"
		if g.where != "" {
			where = g.where + ": threshold"
		}
		var te *result.ThresholdError
		if errors.As(err, &te) {
			msgs = append(msgs, fmt.Sprintf("%s: %s\n    %s", where, te.Msg, strings.ReplaceAll(te.Caret(), "\n", "\n    ")))
		} else {
			msgs = append(msgs, fmt.Sprintf("%s: %v", where, err))
		}
	}
	if len(msgs) > 0 {
		return nil, usageErrorf("%s", strings.Join(msgs, "\n"))
	}
	return warnings, nil
}

// evaluate records the thresholds' results in the report, so the result
// file and every format show them.
func (tf *thresholdFlags) evaluate(rep *result.Report) {
	if len(tf.parsed) > 0 {
		rep.Thresholds = result.EvaluateThresholds(tf.parsed, rep)
	}
}

// writeJUnit writes the JUnit file to path ("" writes none).
func (tf *thresholdFlags) writeJUnit(path string, rep *result.Report) error {
	if path == "" {
		return nil
	}
	if err := writeFileAtomic(path, func(w io.Writer) error { return reports.JUnit(w, rep) }); err != nil {
		return fmt.Errorf("--junit: %w", err)
	}
	return nil
}

// verdict returns the run's outcome: runErr when the run itself failed,
// else an exitThreshold error listing the failed thresholds, else nil.
func (tf *thresholdFlags) verdict(rep *result.Report, runErr error) error {
	if runErr != nil {
		return runErr
	}
	failed := result.FailedThresholds(rep.Thresholds)
	if len(failed) == 0 {
		return nil
	}
	parts := make([]string, len(failed))
	for i, f := range failed {
		parts[i] = fmt.Sprintf("%s (measured %s)", f.Expression, f.MeasuredText())
		if f.Measured == nil {
			parts[i] = fmt.Sprintf("%s (not measured)", f.Expression)
		}
	}
	return &codeError{code: exitThreshold, err: fmt.Errorf("%d of %d thresholds failed: %s",
		len(failed), len(rep.Thresholds), strings.Join(parts, "; "))}
}
