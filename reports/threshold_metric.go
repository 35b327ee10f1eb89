package reports

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind is what a metric measures. It fixes the metric's unit in a Report
// and the units a threshold or tolerance may use with it.
type Kind int

// Kinds of metric. The zero Kind is a count.
const (
	// KindCount is a plain number: events, subscribers, errors.
	KindCount Kind = iota
	// KindDuration is a time, in microseconds. Thresholds must give a
	// unit: ns, us (µs), ms, s, m or h.
	KindDuration
	// KindRatio is a fraction: 0.5 is 50%. Thresholds give it with % or
	// as a plain fraction.
	KindRatio
	// KindRate is a number per second. Thresholds give it as N, N/s or
	// N/m (per minute).
	KindRate
)

// Unit is how values of the kind are stored in a Report's thresholds:
// "us", "ratio", "per_s", or "" for a count.
func (k Kind) Unit() string {
	switch k {
	case KindDuration:
		return "us"
	case KindRatio:
		return "ratio"
	case KindRate:
		return "per_s"
	}
	return ""
}

// ErrNotMeasured is wrapped by Metric.Value when the run did not measure
// the metric: fan-out latency without a latency source, the delivery
// ratio outside publisher mode, a percentile of an empty distribution.
// A threshold on such a metric fails; it never passes by default.
var ErrNotMeasured = errors.New("not measured")

// notMeasured returns an error wrapping ErrNotMeasured that says why.
func notMeasured(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotMeasured, fmt.Sprintf(format, args...))
}

// Metric is one figure of a Report that thresholds and compare can name,
// such as "fanout.p99" or "errors.rate".
type Metric struct {
	// Name is the metric's name as written, e.g. "fanout.p99.9".
	Name string
	// Kind fixes the metric's unit.
	Kind Kind
	// Better is -1 when lower values are better (latency, errors), +1
	// when higher are (events/s, delivery ratio) and 0 when neither is
	// (counts that only describe the run).
	Better int

	value func(r *Report) (float64, error)
}

// Value returns the metric's value in r, in the unit of its Kind. The
// error wraps ErrNotMeasured when r lacks the figure.
func (m Metric) Value(r *Report) (float64, error) { return m.value(r) }

// distFamily is a distribution whose statistics are metrics: a latency
// (µs) or the per-subscriber event counts.
type distFamily struct {
	name string
	kind Kind
	// pre, when set, says why the run cannot have measured the
	// distribution at all (nil when it could).
	pre func(r *Report) error
	// pick returns the distribution.
	pick func(r *Report) Latency
	// empty says why a distribution may have no values.
	empty string
}

// distFamilies lists the distributions by metric prefix. Each gives
// NAME.count, .min, .mean, .max, .p50, .p90, .p95, .p99, .p999 and any
// other percentile .pN.
var distFamilies = []distFamily{
	{name: "fanout", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.Fanout },
		pre: func(r *Report) error {
			if r.LatencySource == "" {
				return notMeasured("the run had no fan-out latency source (--latency none, or a target whose events carry no stamp)")
			}
			return nil
		},
		empty: "no event carried a latency stamp the source could read"},
	{name: "connect", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.Connect },
		empty: "no subscriber connected"},
	{name: "first_event", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.FirstEvent },
		empty: "no subscriber received an event"},
	{name: "headers", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.Headers },
		empty: "no response headers were received"},
	{name: "inter_event", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.InterEvent },
		empty: "no stream received two events"},
	{name: "reconnect", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.Reconnect },
		empty: "no subscriber reconnected"},
	{name: "publish", kind: KindDuration,
		pick: func(r *Report) Latency {
			if r.Publish == nil {
				return Latency{}
			}
			return r.Publish.LatencyUS
		},
		pre: func(r *Report) error {
			if r.Publish == nil {
				return notMeasured("publish latency needs publisher mode (--publish-url)")
			}
			return nil
		},
		empty: "no publish request succeeded"},
	{name: "per_subscriber_events", kind: KindCount, pick: func(r *Report) Latency { return r.PerSubscriberEvents },
		empty: "no subscriber held a stream in the steady state"},
}

// get returns the distribution, or a not-measured error when the run
// could not measure it or it is empty.
func (f distFamily) get(r *Report) (Latency, error) {
	if f.pre != nil {
		if err := f.pre(r); err != nil {
			return Latency{}, err
		}
	}
	l := f.pick(r)
	if l.Count == 0 {
		return l, notMeasured("%s: %s", f.name, f.empty)
	}
	return l, nil
}

// distStats lists the statistics every distribution has besides pN, in
// the order MetricNames shows them.
var distStats = []string{"p50", "p90", "p95", "p99", "p999", "min", "mean", "max", "count"}

// scalarMetrics are the metrics that are not statistics of a
// distribution, by name.
var scalarMetrics = []Metric{
	{Name: "events.received", Kind: KindCount, Better: +1, value: func(r *Report) (float64, error) { return float64(r.Events.Received), nil }},
	{Name: "events.rate", Kind: KindRate, Better: +1, value: func(r *Report) (float64, error) { return r.Events.RatePerS, nil }},
	{Name: "events.bytes", Kind: KindCount, value: func(r *Report) (float64, error) { return float64(r.Events.Bytes), nil }},
	{Name: "events.bytes_rate", Kind: KindRate, value: func(r *Report) (float64, error) { return r.Events.BytesPerS, nil }},
	{Name: "events.gaps", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.Events.Gaps), nil }},
	{Name: "events.duplicates", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.Events.Duplicates), nil }},
	{Name: "events.lost_on_reconnect", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.Events.LostOnReconnect), nil }},
	{Name: "events.comments", Kind: KindCount, value: func(r *Report) (float64, error) { return float64(r.Events.Comments), nil }},
	{Name: "events.loss_ratio", Kind: KindRatio, Better: -1, value: func(r *Report) (float64, error) {
		// Gaps are the events known to be missing (by sequence id), so
		// received + gaps is what should have arrived.
		n := float64(r.Events.Received) + float64(r.Events.Gaps)
		if n == 0 {
			return 0, notMeasured("no events were received")
		}
		return float64(r.Events.Gaps) / n, nil
	}},
	{Name: "subscribers.requested", Kind: KindCount, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Requested), nil }},
	{Name: "subscribers.connected", Kind: KindCount, Better: +1, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Connected), nil }},
	{Name: "subscribers.failed", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Failed), nil }},
	{Name: "subscribers.dropped", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Dropped), nil }},
	{Name: "subscribers.reconnects", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Reconnects), nil }},
	{Name: "errors.count", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(sumErrors(r)), nil }},
	{Name: "errors.rate", Kind: KindRatio, Better: -1, value: errorRate},
	{Name: "delivery_ratio", Kind: KindRatio, Better: +1, value: func(r *Report) (float64, error) {
		if r.DeliveryRatio == nil {
			return 0, notMeasured("the delivery ratio needs publisher mode (--publish-url), where ssebench knows how many events were published")
		}
		return *r.DeliveryRatio, nil
	}},
	{Name: "publish.sent", Kind: KindCount, Better: +1, value: publishCount(func(p *Publish) uint64 { return p.Sent })},
	{Name: "publish.failed", Kind: KindCount, Better: -1, value: publishCount(func(p *Publish) uint64 { return p.Failed })},
	{Name: "publish.rate", Kind: KindRate, Better: +1, value: func(r *Report) (float64, error) {
		if r.Publish == nil {
			return 0, notMeasured("the publish rate needs publisher mode (--publish-url)")
		}
		return r.Publish.RatePerS, nil
	}},
	{Name: "transport.connections", Kind: KindCount, value: func(r *Report) (float64, error) { return float64(r.Transport.Connections), nil }},
	{Name: "self_check.cpu", Kind: KindRatio, Better: -1, value: func(r *Report) (float64, error) {
		if r.SelfCheck.Cores == 0 {
			return 0, notMeasured("the self-check did not run")
		}
		return r.SelfCheck.CPUPercent / 100, nil
	}},
	{Name: "self_check.reader_lag", Kind: KindDuration, Better: -1, value: func(r *Report) (float64, error) {
		if r.SelfCheck.Cores == 0 {
			return 0, notMeasured("the self-check did not run")
		}
		return float64(r.SelfCheck.ReaderLagUS), nil
	}},
	{Name: "self_check.saturated", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) {
		if r.SelfCheck.Saturated {
			return 1, nil
		}
		return 0, nil
	}},
}

// errorRate is errors.rate: failures of every class per connection
// attempt ssebench knows of, that is per subscriber plus per successful
// reconnect. Failed reconnect attempts add errors but no attempts, so the
// rate can exceed 100% when a server keeps refusing reconnections.
func errorRate(r *Report) (float64, error) {
	attempts := float64(r.Subscribers.Requested) + float64(r.Subscribers.Reconnects)
	if attempts == 0 {
		return 0, notMeasured("no subscriber was started")
	}
	return float64(sumErrors(r)) / attempts, nil
}

// publishCount reads a publisher count, which only publisher mode has.
func publishCount(f func(*Publish) uint64) func(*Report) (float64, error) {
	return func(r *Report) (float64, error) {
		if r.Publish == nil {
			return 0, notMeasured("publish counts need publisher mode (--publish-url)")
		}
		return float64(f(r.Publish)), nil
	}
}

// ErrorClasses are the failure classes the load generator records, the
// keys of Report.Errors; errors.CLASS counts one of them. The list
// mirrors loadgen's Class constants (reports does not import loadgen).
var ErrorClasses = []string{"content_type", "dial", "eof", "fd_limit", "local_ports", "protocol",
	"protocol_mismatch", "read", "status", "timeout", "tls", "too_large"}

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
		if d := editDistance(norm, n, bestD); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or max when it is
// at least max (the search stops there).
func editDistance(a, b string, max int) int {
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
