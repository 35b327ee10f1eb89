package result

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MetricNames lists the metric names thresholds and compare accept, for
// help texts and documentation. Every distribution also takes any
// percentile as .pN (see LookupMetric).
func MetricNames() []string {
	var names []string
	for _, f := range distFamilies {
		for _, s := range distStats {
			names = append(names, f.name+"."+s)
		}
	}
	for _, m := range scalarMetrics {
		names = append(names, m.Name)
	}
	for _, c := range ErrorClasses {
		names = append(names, "errors."+c)
	}
	return names
}

// LookupMetric returns the metric with the given name. Besides the names
// MetricNames lists, every distribution takes a percentile .pN where N is
// either a number with a decimal point (p99.99, p75.5) or digits read as
// whole percent up to two digits, and after "99" the decimals: p5 = 5th,
// p95 = 95th, p999 = 99.9th, p9999 = 99.99th percentile.
func LookupMetric(name string) (Metric, error) {
	m, err := lookupMetric(name)
	if err != nil {
		return Metric{}, fmt.Errorf("reports: %w", err)
	}
	return m, nil
}

// lookupMetric is LookupMetric with errors that are phrased for
// ThresholdError (no package prefix) and say where the problem is: a
// *metricError's stat is true when the family is right and the statistic
// after the dot is not.
func lookupMetric(name string) (Metric, error) {
	for _, m := range scalarMetrics {
		if m.Name == name {
			return m, nil
		}
	}
	if class, ok := strings.CutPrefix(name, "errors."); ok && slices.Contains(ErrorClasses, class) {
		return Metric{Name: name, Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) {
			return float64(r.Errors[class]), nil
		}}, nil
	}
	fam, stat, ok := strings.Cut(name, ".")
	if ok {
		for _, f := range distFamilies {
			if f.name != fam {
				continue
			}
			m, err := distMetric(f, stat)
			if err != nil {
				return Metric{}, &metricError{name: name, stat: true, msg: err.Error()}
			}
			m.Name = name
			return m, nil
		}
	}
	msg := fmt.Sprintf("unknown metric %q", name)
	if s := suggestMetric(name); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	} else {
		msg += "; see docs/ci.md for the list"
	}
	return Metric{}, &metricError{name: name, msg: msg}
}

// metricError is a bad metric name. stat marks an error in the part after
// the first dot.
type metricError struct {
	name string
	stat bool
	msg  string
}

func (e *metricError) Error() string { return e.msg }

// distMetric returns the metric for one statistic of a distribution.
func distMetric(f distFamily, stat string) (Metric, error) {
	better := -1 // lower latency is better
	if f.kind == KindCount {
		better = 0 // events per subscriber depend on the run's length and rate
	}
	stats := func(get func(Latency) (float64, error)) Metric {
		return Metric{Kind: f.kind, Better: better, value: func(r *Report) (float64, error) {
			l, err := f.get(r)
			if err != nil {
				return 0, err
			}
			return get(l)
		}}
	}
	switch stat {
	case "count":
		// An empty distribution counts 0: that is a measurement. Only a
		// run that could not have measured it (no latency source, not
		// publisher mode) leaves the count unmeasured.
		return Metric{Kind: KindCount, value: func(r *Report) (float64, error) {
			if f.pre != nil {
				if err := f.pre(r); err != nil {
					return 0, err
				}
			}
			return float64(f.pick(r).Count), nil
		}}, nil
	case "min":
		return stats(func(l Latency) (float64, error) { return float64(l.Min), nil }), nil
	case "mean":
		return stats(func(l Latency) (float64, error) { return l.Mean, nil }), nil
	case "max":
		return stats(func(l Latency) (float64, error) { return float64(l.Max), nil }), nil
	}
	q, err := parsePercentile(stat)
	if err != nil {
		return Metric{}, fmt.Errorf("%s: %v; want p50, p90, p95, p99, p999, pN (e.g. p99.99), min, mean, max or count", f.name, err)
	}
	return stats(func(l Latency) (float64, error) { return quantile(l, q) }), nil
}

// parsePercentile reads the N of pN as a percentile in (0, 100).
func parsePercentile(stat string) (float64, error) {
	digits, ok := strings.CutPrefix(stat, "p")
	if !ok || digits == "" {
		return 0, fmt.Errorf("unknown statistic %q", stat)
	}
	for _, c := range digits {
		if (c < '0' || c > '9') && c != '.' {
			return 0, fmt.Errorf("unknown statistic %q", stat)
		}
	}
	text := digits
	if !strings.Contains(digits, ".") && len(digits) > 2 {
		// p999 = 99.9 and p9999 = 99.99, the HdrHistogram and benchmark
		// habit; only after "99", so p100 or p250 are not read as 10 or 25.
		if !strings.HasPrefix(digits, "99") {
			return 0, fmt.Errorf("percentile %q is ambiguous: write it with a decimal point (p25.0), or use max for the largest value", stat)
		}
		text = digits[:2] + "." + digits[2:]
	}
	q, err := strconv.ParseFloat(text, 64)
	if err != nil || q <= 0 || q >= 100 {
		return 0, fmt.Errorf("percentile %q must be above 0 and below 100 (use max for the largest value)", stat)
	}
	return q, nil
}

// quantile returns the q-th percentile of l: the stored figure for the
// percentiles a Report keeps (so a threshold agrees with the summary
// people read), else from the decoded histogram.
func quantile(l Latency, q float64) (float64, error) {
	switch q {
	case 50:
		return float64(l.P50), nil
	case 90:
		return float64(l.P90), nil
	case 99:
		return float64(l.P99), nil
	case 99.9:
		return float64(l.P999), nil
	}
	h, err := l.Histogram()
	if err != nil {
		return 0, notMeasured("p%g needs the result's hdr histogram: %v", q, err)
	}
	return float64(h.ValueAtQuantile(q)), nil
}

// suggestMetric returns the known metric name closest to name, or "" if
// none is close: the same name with dashes for underscores or other case,
// else one within two edits.
func suggestMetric(name string) string {
	norm := strings.ToLower(strings.ReplaceAll(name, "-", "_"))
	best, bestD := "", 3
	for _, n := range MetricNames() {
		if n == norm {
			return n
		}
		if d := EditDistance(norm, n, bestD); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance of a and b, or max when it is
// at least max (the search stops there). The command line uses it too, for
// its "did you mean" hints.
func EditDistance(a, b string, max int) int {
	if d := len(a) - len(b); d >= max || -d >= max {
		return max
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= max {
			return max
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], max)
}
