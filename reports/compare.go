package reports

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
	"golang.org/x/perf/benchmath"
)

// DefaultAlpha is the significance level of compare's Mann-Whitney U
// test: a change with p below it is taken as real.
const DefaultAlpha = 0.05

// MinRunsForTest is how many runs each side needs before compare decides
// with a significance test. With fewer, it can only apply the tolerances
// (with their absolute floors) to the medians.
const MinRunsForTest = 3

// Side is one side of a comparison: one run, or several repeated runs of
// the same benchmark.
type Side struct {
	// Name labels the side in the output ("base.json", "3 runs").
	Name string
	// Runs are the results. At least one.
	Runs []*result.Report
}

// CompareOptions configure Compare. The zero value uses the defaults.
type CompareOptions struct {
	// Alpha is the significance level. 0 means DefaultAlpha.
	Alpha float64
	// Tolerances say which metrics are judged and how. nil means
	// DefaultTolerances.
	Tolerances Tolerances
	// Metrics are the rows, in order. nil means CompareMetrics followed
	// by any other metric Tolerances names.
	Metrics []string
}

// Verdict is compare's judgement of one metric.
type Verdict string

// Verdicts of a compared metric.
const (
	// VerdictRegression: worse beyond the tolerance and its floor and,
	// with enough runs, significantly so.
	VerdictRegression Verdict = "regression"
	// VerdictImprovement: better beyond the tolerance (and significant).
	VerdictImprovement Verdict = "improvement"
	// VerdictOK: a change inside the tolerance or its floor.
	VerdictOK Verdict = "ok"
	// VerdictNoChange: the significance test cannot tell the sides
	// apart; whatever moved is noise.
	VerdictNoChange Verdict = "no significant change"
	// VerdictNotMeasured: one side lacks the metric, so it is not judged.
	VerdictNotMeasured Verdict = "not measured"
	// VerdictInfo: shown for context, not judged (no tolerance).
	VerdictInfo Verdict = "info"
)

// CompareRow is one metric of a comparison.
type CompareRow struct {
	// Metric is what is compared.
	Metric result.Metric
	// Base and New are the metric's values in the runs of each side that
	// measured it, sorted.
	Base, New []float64
	// BaseCenter and NewCenter are the medians of Base and New.
	BaseCenter, NewCenter float64
	// Tolerance is the metric's tolerance; nil when it is not judged.
	Tolerance *Tolerance
	// Tested is true when the significance test decided (enough runs on
	// both sides), and P is then its p-value.
	Tested bool
	// P is the Mann-Whitney U test's p-value when Tested.
	P float64
	// Verdict is the judgement.
	Verdict Verdict
	// Reason explains the verdict in a few words.
	Reason string
}

// Delta is NewCenter − BaseCenter.
func (r CompareRow) Delta() float64 { return r.NewCenter - r.BaseCenter }

// Relative is Delta as a fraction of BaseCenter; ok is false when
// BaseCenter is 0.
func (r CompareRow) Relative() (rel float64, ok bool) {
	if r.BaseCenter == 0 {
		return 0, false
	}
	return r.Delta() / math.Abs(r.BaseCenter), true
}

// Comparison is the result of Compare.
type Comparison struct {
	// Base and New are the sides compared.
	Base, New Side
	// Alpha is the significance level used.
	Alpha float64
	// Rows are the metrics, in order; metrics neither side measured are
	// left out.
	Rows []CompareRow
	// Notes are sentences about anything that makes the comparison less
	// trustworthy: too few runs for the test, runs of different setups,
	// a saturated load generator.
	Notes []string
}

// Regressions returns the rows judged regressions.
func (c *Comparison) Regressions() []CompareRow {
	var out []CompareRow
	for _, r := range c.Rows {
		if r.Verdict == VerdictRegression {
			out = append(out, r)
		}
	}
	return out
}

// Compare compares two sides metric by metric. Each metric's value on a
// side is the median over its runs. With MinRunsForTest runs or more on
// both sides, a Mann-Whitney U test (benchstat's, from
// golang.org/x/perf/benchmath) decides whether the sides differ: when p ≥
// alpha the verdict is "no significant change", whatever the medians say.
// A change that is significant, or any change with fewer runs, is a
// regression only when it goes the wrong way by more than the metric's
// tolerance AND its absolute floor.
func Compare(base, new Side, opts CompareOptions) (*Comparison, error) {
	if len(base.Runs) == 0 || len(new.Runs) == 0 {
		return nil, errors.New("reports: compare needs at least one result on each side")
	}
	if opts.Alpha == 0 {
		opts.Alpha = DefaultAlpha
	}
	if opts.Alpha < 0 || opts.Alpha >= 1 {
		return nil, fmt.Errorf("reports: alpha must be in (0, 1), got %g", opts.Alpha)
	}
	tols := opts.Tolerances
	if tols == nil {
		tols = DefaultTolerances()
	}
	names := opts.Metrics
	if names == nil {
		names = slices.Clone(CompareMetrics)
		for _, k := range slices.Sorted(maps.Keys(tols)) {
			if !slices.Contains(names, k) {
				names = append(names, k)
			}
		}
	}
	c := &Comparison{Base: base, New: new, Alpha: opts.Alpha}
	thresholds := &benchmath.Thresholds{CompareAlpha: opts.Alpha}
	var testWarning string
	for _, name := range names {
		m, err := result.LookupMetric(name)
		if err != nil {
			return nil, err
		}
		row := CompareRow{Metric: m, Base: values(m, base.Runs), New: values(m, new.Runs)}
		if len(row.Base) == 0 && len(row.New) == 0 {
			continue
		}
		if t, ok := tols[name]; ok {
			row.Tolerance = &t
		}
		// Each side's center is its own, so a metric measured on one
		// side only still shows its value there.
		var sb, sn *benchmath.Sample
		if len(row.Base) > 0 {
			sb = benchmath.NewSample(row.Base, thresholds)
			row.BaseCenter = benchmath.AssumeNothing.Summary(sb, 0.95).Center
		}
		if len(row.New) > 0 {
			sn = benchmath.NewSample(row.New, thresholds)
			row.NewCenter = benchmath.AssumeNothing.Summary(sn, 0.95).Center
		}
		if len(row.Base) == 0 || len(row.New) == 0 {
			row.Verdict, row.Reason = VerdictNotMeasured, "measured on one side only"
			c.Rows = append(c.Rows, row)
			continue
		}
		if len(row.Base) >= MinRunsForTest && len(row.New) >= MinRunsForTest {
			cmp := benchmath.AssumeNothing.Compare(sb, sn)
			row.Tested, row.P = true, cmp.P
			for _, w := range cmp.Warnings {
				if strings.Contains(w.Error(), "samples to detect") && testWarning == "" {
					testWarning = w.Error()
				}
			}
		}
		judge(&row, opts.Alpha)
		c.Rows = append(c.Rows, row)
	}
	c.Notes = compareNotes(base, new, opts.Alpha, testWarning)
	return c, nil
}

// values returns m's value in every run that measured it, sorted.
func values(m result.Metric, runs []*result.Report) []float64 {
	var vs []float64
	for _, r := range runs {
		if v, err := m.Value(r); err == nil {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	return vs
}

// judge sets row's verdict from its centers, tolerance and test.
func judge(row *CompareRow, alpha float64) {
	t := row.Tolerance
	if t == nil {
		row.Verdict = VerdictInfo
		return
	}
	if row.Base[0] == row.Base[len(row.Base)-1] && row.New[0] == row.New[len(row.New)-1] && row.Base[0] == row.New[0] {
		row.Verdict = VerdictOK // the same figure in every run: nothing to test
		return
	}
	if row.Tested && !(row.P < alpha) {
		row.Verdict, row.Reason = VerdictNoChange, fmt.Sprintf("p=%.3f n=%d+%d", row.P, len(row.Base), len(row.New))
		return
	}
	d := row.Delta()
	worse := row.Metric.Better < 0 && d > 0 || row.Metric.Better > 0 && d < 0
	better := row.Metric.Better < 0 && d < 0 || row.Metric.Better > 0 && d > 0
	overFloor := math.Abs(d) > t.Floor
	overRel := true // any change from 0 is beyond a relative tolerance
	if rel, ok := row.Relative(); ok {
		overRel = math.Abs(rel) > t.Relative
	}
	test := ""
	if row.Tested {
		test = fmt.Sprintf("p=%.3f n=%d+%d, ", row.P, len(row.Base), len(row.New))
	}
	k := row.Metric.Kind
	switch {
	case overFloor && overRel && worse:
		row.Verdict, row.Reason = VerdictRegression, test+"worse by more than "+t.Describe(k)
	case overFloor && overRel && better:
		row.Verdict, row.Reason = VerdictImprovement, test+"better by more than "+t.Describe(k)
	case d == 0:
		row.Verdict, row.Reason = VerdictOK, strings.TrimSuffix(test, ", ") // the medians agree
	case overRel && !overFloor:
		row.Verdict, row.Reason = VerdictOK, test+"inside the "+Tolerance{Floor: t.Floor}.Describe(k)+" floor"
	case overFloor && !overRel:
		row.Verdict, row.Reason = VerdictOK, test+"within "+Tolerance{Relative: t.Relative}.Describe(k)
	default:
		row.Verdict, row.Reason = VerdictOK, test+"within "+t.Describe(k)
	}
}

// eventRate is the rate of events a run asked for: the embedded server's
// --rate, or in publisher mode --publish-rate (from the config echo); ""
// when the run did not set it.
func eventRate(r *result.Report) string {
	if r.EmbeddedServer != nil {
		return fmt.Sprintf("%g/s", r.EmbeddedServer.RatePerS)
	}
	if r.Publish == nil {
		return ""
	}
	kvs, err := flattenConfig(r.Config)
	if err != nil {
		return ""
	}
	for _, kv := range kvs {
		if kv.key == "publish_rate" {
			return kv.value + "/s published"
		}
	}
	return ""
}

// compareNotes lists what the reader should know about the comparison.
func compareNotes(base, new Side, alpha float64, testWarning string) []string {
	var notes []string
	nb, nn := len(base.Runs), len(new.Runs)
	switch {
	case nb < MinRunsForTest || nn < MinRunsForTest:
		notes = append(notes, fmt.Sprintf("%d+%d runs: no significance test (it needs %d or more runs per side); "+
			"a change is a regression only when worse beyond both its tolerance and its absolute floor", nb, nn, MinRunsForTest))
	case testWarning != "":
		notes = append(notes, fmt.Sprintf("%d+%d runs: %s, so no change can be significant; run more (ssebench run --repeat N)", nb, nn, testWarning))
	}
	all := slices.Concat(base.Runs, new.Runs)
	// differ notes the first difference in a setting between any two
	// runs; a run that did not record the setting (an older file) is
	// not compared.
	differ := func(what string, f func(*result.Report) string) {
		first := ""
		for _, r := range all {
			v := f(r)
			switch {
			case v == "":
			case first == "":
				first = v
			case v != first:
				notes = append(notes, fmt.Sprintf("the runs differ in %s (%s vs %s): the comparison may not be like for like", what, first, v))
				return
			}
		}
	}
	differ("protocol", func(r *result.Report) string { return r.Protocol })
	differ("subscribers requested", func(r *result.Report) string { return fmt.Sprint(r.Subscribers.Requested) })
	differ("latency source", func(r *result.Report) string { return r.LatencySource })
	differ("event rate", eventRate)
	differ("payload", func(r *result.Report) string {
		if r.EmbeddedServer == nil {
			return ""
		}
		return fmt.Sprintf("%d bytes", r.EmbeddedServer.PayloadBytes)
	})
	differ("ssebench version", func(r *result.Report) string { return r.Tool })
	for _, s := range []Side{base, new} {
		for i, r := range s.Runs {
			which := s.Name
			if len(s.Runs) > 1 {
				which = fmt.Sprintf("%s, run %d", s.Name, i+1)
			}
			if r.Interrupted {
				notes = append(notes, fmt.Sprintf("%s was interrupted: its figures cover a shorter run", which))
			}
			if r.SelfCheck.Saturated {
				notes = append(notes, fmt.Sprintf("the load generator was saturated in %s: its figures describe the client, not the server", which))
			}
		}
	}
	return notes
}
