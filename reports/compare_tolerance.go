package reports

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// Tolerance says how far a metric may move the wrong way before compare
// calls it a regression: by more than Relative AND by more than Floor.
// The floor is what keeps a noisy shared CI machine from failing builds:
// a p99 that moves from 1.2 ms to 2.5 ms has doubled, yet it is inside a
// 5 ms floor, so it is noise, not a regression.
type Tolerance struct {
	// Relative is the largest change, as a fraction of the base value
	// (0.25 = 25%), that is never a regression. When the base value is 0
	// any change exceeds it.
	Relative float64
	// Floor is the largest absolute change that is never a regression,
	// in the metric's stored unit (µs, a fraction, per second, a count).
	Floor float64
}

// Tolerances holds the tolerance of every metric compare judges, by
// metric name. A metric compare shows without a tolerance is shown, not
// judged.
type Tolerances map[string]Tolerance

// DefaultTolerances returns the tolerances compare uses unless told
// otherwise. They are set for a load generator and a server sharing a
// small CI machine, where one run's tail latency easily moves by a few
// milliseconds, and are documented in docs/ci.md:
//
//	fanout.p50        25%  and 2 ms
//	fanout.p99        25%  and 5 ms
//	fanout.p999       50%  and 10 ms
//	connect.p99       50%  and 10 ms
//	first_event.p99   50%  and 20 ms
//	events.rate        5%  (no floor)
//	delivery_ratio     0.1 percentage point
//	errors.rate        0.1 percentage point
//	events.loss_ratio  0.1 percentage point
func DefaultTolerances() Tolerances {
	const ms = 1000 // µs
	return Tolerances{
		"fanout.p50":        {Relative: 0.25, Floor: 2 * ms},
		"fanout.p99":        {Relative: 0.25, Floor: 5 * ms},
		"fanout.p999":       {Relative: 0.50, Floor: 10 * ms},
		"connect.p99":       {Relative: 0.50, Floor: 10 * ms},
		"first_event.p99":   {Relative: 0.50, Floor: 20 * ms},
		"events.rate":       {Relative: 0.05},
		"delivery_ratio":    {Floor: 0.001},
		"errors.rate":       {Floor: 0.001},
		"events.loss_ratio": {Floor: 0.001},
	}
}

// CompareMetrics are the metrics compare shows by default, in order:
// the judged ones of DefaultTolerances and, for context, the raw error
// and gap counts.
var CompareMetrics = []string{
	"fanout.p50", "fanout.p99", "fanout.p999", "connect.p99", "first_event.p99",
	"events.rate", "delivery_ratio", "errors.rate", "errors.count", "events.gaps", "events.loss_ratio",
}

// Set applies one --tolerance spec to ts:
//
//	METRIC=LIMIT[:LIMIT]   e.g. fanout.p99=10%, fanout.p99=2ms, fanout.p99=10%:2ms
//	LIMIT%                 the relative tolerance of every judged metric
//
// A LIMIT ending in % is relative; any other is the absolute floor, in a
// unit that suits the metric (2ms, 50/s, 3; for ratios a fraction or
// percentage points, 0.5pp). The part not given keeps its value, so
// fanout.p99=10% keeps the 5 ms floor. A metric without a default
// tolerance starts from none (0% and 0), and is then judged.
func (ts Tolerances) Set(spec string) error {
	name, limits, ok := strings.Cut(spec, "=")
	if !ok {
		rel, err := parseRelative(strings.TrimSpace(spec))
		if err != nil {
			return fmt.Errorf("tolerance %q: want METRIC=LIMIT[:LIMIT] or a percentage for every metric: %v", spec, err)
		}
		for _, k := range slices.Sorted(maps.Keys(ts)) {
			t := ts[k]
			t.Relative = rel
			ts[k] = t
		}
		return nil
	}
	name = strings.TrimSpace(name)
	m, err := result.LookupMetric(name)
	if err != nil {
		return fmt.Errorf("tolerance %q: %v", spec, err)
	}
	t := ts[name]
	parts := strings.Split(limits, ":")
	if len(parts) > 2 || strings.TrimSpace(limits) == "" {
		return fmt.Errorf("tolerance %q: want METRIC=LIMIT or METRIC=LIMIT:LIMIT", spec)
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if strings.HasSuffix(p, "%") {
			if t.Relative, err = parseRelative(p); err != nil {
				return fmt.Errorf("tolerance %q: %v", spec, err)
			}
			continue
		}
		if t.Floor, err = parseFloor(p, m.Kind); err != nil {
			return fmt.Errorf("tolerance %q: %v", spec, err)
		}
	}
	ts[name] = t
	return nil
}

// parseRelative reads "10%" as 0.1.
func parseRelative(s string) (float64, error) {
	num, ok := strings.CutSuffix(s, "%")
	if !ok {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%q is not a percentage >= 0", s)
	}
	return v / 100, nil
}

// parseFloor reads an absolute floor for a metric of kind k. Ratios take
// percentage points ("0.5pp"), since % means relative in a tolerance.
func parseFloor(s string, k result.Kind) (float64, error) {
	if k == result.KindRatio {
		if num, ok := strings.CutSuffix(s, "pp"); ok {
			s = strings.TrimSpace(num) + "%"
		}
	}
	v, _, err := result.ParseValue(s, k)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, fmt.Errorf("%q: a floor must be >= 0", s)
	}
	return v, nil
}

// Describe shows the tolerance for a metric of kind k: "25% and 5ms".
func (t Tolerance) Describe(k result.Kind) string {
	var parts []string
	if t.Relative > 0 {
		parts = append(parts, result.FormatSig(t.Relative*100, 4)+"%")
	}
	if t.Floor > 0 {
		if k == result.KindRatio {
			parts = append(parts, result.FormatSig(t.Floor*100, 4)+"pp")
		} else {
			parts = append(parts, result.FormatValue(t.Floor, k, result.DisplayUnit(k)))
		}
	}
	if len(parts) == 0 {
		return "any change"
	}
	return strings.Join(parts, " and ")
}
