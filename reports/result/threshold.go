package result

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Threshold is one pass/fail criterion on a run, parsed from an
// expression such as "fanout.p99 < 50ms":
//
//	METRIC OP VALUE[UNIT]
//
// METRIC is a name LookupMetric knows; OP is <, <=, >, >=, == or !=;
// VALUE is a decimal number with the unit its metric's Kind takes
// (see ParseValue). Spaces between the parts are optional.
type Threshold struct {
	// Expr is the expression as written.
	Expr string
	// Metric is what is measured.
	Metric Metric
	// Op is the comparison: <, <=, >, >=, == or !=.
	Op string
	// Limit is the value compared with, in the unit of Metric.Kind.
	Limit float64
	// Unit is the unit as written ("ms", "%", "/s", ""), used to show
	// the measured value the way the user thinks of it.
	Unit string

	num string // the number as written
}

// ThresholdResult is a threshold evaluated against a run: one entry of the
// result's "thresholds" list. Values are in the metric kind's unit (µs,
// a fraction, per second, or a plain count), named by Unit.
type ThresholdResult struct {
	// Expression is the threshold as written.
	Expression string `json:"expression"`
	// Metric is the metric's name.
	Metric string `json:"metric"`
	// Op is the comparison.
	Op string `json:"op"`
	// Limit is the value the measurement is compared with, in Unit.
	Limit float64 `json:"limit"`
	// Measured is the run's value, in Unit; null when the run did not
	// measure the metric (which fails the threshold).
	Measured *float64 `json:"measured"`
	// Unit is "us", "ratio", "per_s", or absent for a plain count.
	Unit string `json:"unit,omitempty"`
	// Pass is true when the measured value satisfies the threshold.
	Pass bool `json:"pass"`
	// Message says why a threshold failed without a value ("not
	// measured: …").
	Message string `json:"message,omitempty"`
}

// ops are the comparison operators, two-character ones first so that
// "<=" is not read as "<".
var ops = []string{"<=", ">=", "==", "!=", "<", ">"}

// ThresholdError is a threshold expression that does not parse. Pos and
// End are the byte offsets of the offending token in Expr (Pos == End ==
// len(Expr) when something is missing at the end); Caret draws them.
type ThresholdError struct {
	// Expr is the expression as given.
	Expr string
	// Pos and End delimit the offending token, in bytes.
	Pos, End int
	// Msg says what is wrong.
	Msg string
}

func (e *ThresholdError) Error() string {
	return fmt.Sprintf("threshold %q: %s", e.Expr, e.Msg)
}

// Caret returns the expression and, on a second line, carets under the
// offending token, for a terminal:
//
//	fanout.p99 < 50xs
//	               ^^
func (e *ThresholdError) Caret() string {
	var b strings.Builder
	expr := strings.ToValidUTF8(e.Expr, "?")
	b.WriteString(strings.NewReplacer("\n", " ", "\r", " ").Replace(expr))
	b.WriteByte('\n')
	pos, end := min(e.Pos, len(e.Expr)), min(e.End, len(e.Expr))
	// Copy tabs so the carets line up under tabs as well as spaces.
	for _, c := range strings.ToValidUTF8(e.Expr[:pos], "?") {
		if c == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString(strings.Repeat("^", max(1, utf8.RuneCountInString(e.Expr[pos:end]))))
	return b.String()
}

// ParseThreshold parses a threshold expression. Errors are
// *ThresholdError, pointing at the first token that is wrong.
func ParseThreshold(expr string) (Threshold, error) {
	fail := func(pos, end int, format string, args ...any) (Threshold, error) {
		return Threshold{}, &ThresholdError{Expr: expr, Pos: pos, End: end, Msg: fmt.Sprintf(format, args...)}
	}
	i := skipSpace(expr, 0)
	start := i
	for i < len(expr) && isMetricByte(expr[i]) {
		i++
	}
	name := expr[start:i]
	if name == "" {
		end := tokenEnd(expr, start)
		if start == len(expr) {
			return fail(start, end, "empty threshold: want METRIC OP VALUE, e.g. fanout.p99 < 50ms")
		}
		return fail(start, end, "want a metric name such as fanout.p99 first")
	}
	m, err := lookupMetric(name)
	if err != nil {
		pos := start
		var me *metricError
		if errors.As(err, &me) && me.stat {
			pos += strings.Index(name, ".") + 1
		}
		return fail(pos, i, "%v", err)
	}

	i = skipSpace(expr, i)
	op := ""
	for _, o := range ops {
		if strings.HasPrefix(expr[i:], o) {
			op = o
			break
		}
	}
	if op == "" {
		end := tokenEnd(expr, i)
		switch {
		case i == len(expr):
			return fail(i, i, "missing operator after %s: want <, <=, >, >=, == or !=", name)
		case expr[i] == '=':
			return fail(i, i+1, "= is not an operator: want == (or <, <=, >, >=, !=)")
		case strings.HasPrefix(expr[i:], "≤") || strings.HasPrefix(expr[i:], "≥"):
			return fail(i, i+len("≤"), "write <= or >= in ASCII")
		}
		return fail(i, end, "want an operator <, <=, >, >=, == or != after %s", name)
	}
	i = skipSpace(expr, i+len(op))

	if i == len(expr) {
		return fail(i, i, "missing value after %s", op)
	}
	limit, unit, verr := parseValueAt(expr, i, m)
	if verr != nil {
		return Threshold{}, verr
	}
	num := expr[i:scanNumber(expr, i)]
	return Threshold{Expr: expr, Metric: m, Op: op, Limit: limit, Unit: unit, num: num}, nil
}

// isMetricByte reports whether c may appear in a metric name. Dashes are
// accepted so that "first-event.p99" is read whole and gets a "did you
// mean first_event.p99?".
func isMetricByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// tokenEnd returns the end of the token starting at i: the next space or
// the end of s, at least one character on.
func tokenEnd(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	j := i + size
	for j < len(s) && s[j] != ' ' && s[j] != '\t' {
		j++
	}
	return j
}

// String returns the expression as written.
func (t Threshold) String() string { return t.Expr }

// canonical returns the expression with single spaces: "fanout.p99 < 50ms".
func (t Threshold) canonical() string {
	return t.Metric.Name + " " + t.Op + " " + t.num + t.Unit
}

// Check compares a measured value with the threshold.
func (t Threshold) Check(v float64) bool {
	switch t.Op {
	case "<":
		return v < t.Limit
	case "<=":
		return v <= t.Limit
	case ">":
		return v > t.Limit
	case ">=":
		return v >= t.Limit
	case "==":
		return v == t.Limit
	case "!=":
		return v != t.Limit
	}
	return false
}

// Evaluate measures the threshold's metric in r. A metric the run did not
// measure fails, with a message saying why: a gate that silently passed
// when its figure was missing would let a broken setup through CI.
func (t Threshold) Evaluate(r *Report) ThresholdResult {
	res := ThresholdResult{Expression: t.Expr, Metric: t.Metric.Name, Op: t.Op, Limit: t.Limit, Unit: t.Metric.Kind.Unit()}
	v, err := t.Metric.Value(r)
	if err != nil {
		res.Message = err.Error()
		return res
	}
	res.Measured = &v
	res.Pass = t.Check(v)
	return res
}

// EvaluateThresholds evaluates every threshold against r, in order.
func EvaluateThresholds(ts []Threshold, r *Report) []ThresholdResult {
	out := make([]ThresholdResult, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Evaluate(r))
	}
	return out
}

// FailedThresholds returns the results that did not pass.
func FailedThresholds(rs []ThresholdResult) []ThresholdResult {
	var failed []ThresholdResult
	for _, r := range rs {
		if !r.Pass {
			failed = append(failed, r)
		}
	}
	return failed
}

// MeasuredText shows the measured value in the unit the expression used
// ("31.2ms", "0.05%", "9012/s"), or "not measured".
func (tr ThresholdResult) MeasuredText() string {
	if tr.Measured == nil {
		return "not measured"
	}
	unit := ""
	if t, err := ParseThreshold(tr.Expression); err == nil {
		unit = t.Unit
	}
	return FormatValue(*tr.Measured, kindOfUnit(tr.Unit), unit)
}

// kindOfUnit is the Kind whose Unit is u.
func kindOfUnit(u string) Kind {
	for _, k := range []Kind{KindDuration, KindRatio, KindRate} {
		if k.Unit() == u {
			return k
		}
	}
	return KindCount
}
