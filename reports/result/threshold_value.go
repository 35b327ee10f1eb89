package result

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// unitScale is one unit a Kind accepts and how many of the kind's stored
// unit it is worth.
type unitScale struct {
	unit  string
	scale float64
}

// units lists the units each Kind accepts. "" is a plain number; a
// duration has none, because "50" could mean µs or ms and a wrong guess
// would make a gate that can never fail.
var units = map[Kind][]unitScale{
	KindDuration: {{"ns", 0.001}, {"us", 1}, {"µs", 1}, {"μs", 1}, {"ms", 1000}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}},
	KindRatio:    {{"%", 0.01}, {"", 1}},
	KindRate:     {{"/s", 1}, {"/m", 1.0 / 60}, {"/min", 1.0 / 60}, {"", 1}},
	KindCount:    {{"", 1}},
}

// kindNames names the kinds in messages.
var kindNames = map[Kind]string{
	KindDuration: "a time: give a unit, e.g. 50ms (ns, us, µs, ms, s, m, h)",
	KindRatio:    "a ratio: give a percentage such as 0.1% or a fraction such as 0.001",
	KindRate:     "a rate: give N, N/s or N/m",
	KindCount:    "a count: give a plain number",
}

// ParseValue reads a value with its unit ("50ms", "0.1%", "9000/s", "0")
// for a metric of kind k, and returns it in the kind's stored unit (µs, a
// fraction, per second, a count) with the unit as written.
func ParseValue(s string, k Kind) (v float64, unit string, err error) {
	v, unit, terr := parseValueAt(s, skipSpace(s, 0), Metric{Name: "the value", Kind: k})
	if terr != nil {
		return 0, "", fmt.Errorf("%q: %s", s, terr.Msg)
	}
	return v, unit, nil
}

// parseValueAt reads the value of a threshold for metric m starting at
// byte i of expr, through to its end.
func parseValueAt(expr string, i int, m Metric) (float64, string, *ThresholdError) {
	fail := func(pos, end int, format string, args ...any) (float64, string, *ThresholdError) {
		return 0, "", &ThresholdError{Expr: expr, Pos: pos, End: end, Msg: fmt.Sprintf(format, args...)}
	}
	start := i
	i = scanNumber(expr, i)
	if i == start {
		return fail(start, tokenEnd(expr, start), "want a number after the operator")
	}
	num := expr[start:i]
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return fail(start, i, "%q is not a number", num)
	}
	ustart := skipSpace(expr, i)
	uend := tokenEnd(expr, ustart)
	unit := expr[ustart:uend]
	if rest := skipSpace(expr, uend); rest < len(expr) {
		return fail(rest, len(expr), "unexpected text after the value")
	}
	for _, u := range units[m.Kind] {
		if u.unit == unit {
			return v * u.scale, unit, nil
		}
	}
	if unit == "" {
		return fail(start, i, "%s is %s", m.Name, kindNames[m.Kind])
	}
	return fail(ustart, uend, "unit %q does not fit: %s is %s", unit, m.Name, kindNames[m.Kind])
}

// scanNumber returns the end of the decimal number at i: an optional sign,
// digits with an optional fraction, and an optional exponent.
func scanNumber(s string, i int) int {
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return start
	}
	// An exponent only when digits follow, so "5e" stays a number and a
	// unit the parser can complain about.
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
		}
	}
	return i
}

// DisplayUnit is the unit values of kind k are shown in when the user
// chose none: ms for times, % for ratios, /s for rates.
func DisplayUnit(k Kind) string {
	switch k {
	case KindDuration:
		return "ms"
	case KindRatio:
		return "%"
	case KindRate:
		return "/s"
	}
	return ""
}

// FormatValue shows v, in kind k's stored unit, in the given unit ("ms",
// "%", "/s", …; "" is the kind's plain number, or ms for a time), with as
// many digits as the figure deserves.
func FormatValue(v float64, k Kind, unit string) string {
	if k == KindDuration && unit == "" {
		unit = "ms"
	}
	scale := 1.0
	for _, u := range units[k] {
		if u.unit == unit {
			scale = u.scale
			break
		}
	}
	sig := 6 // counts: every digit a person may compare
	switch k {
	case KindDuration, KindRate:
		sig = 4 // histograms keep 3 significant figures; a rate's fourth is already noise
	case KindRatio:
		sig = 5 // enough to tell 99.999% from 99.998%
	}
	return FormatSig(v/scale, sig) + unit
}

// FormatSig formats v with at most sig significant digits, without an
// exponent and without trailing zeros: 3.1416, 31420, 0.000123.
func FormatSig(v float64, sig int) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if math.Abs(v) >= math.Pow(10, float64(sig)) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', sig, 64), 64)
	s := strconv.FormatFloat(r, 'f', -1, 64)
	if strings.Contains(s, ".") && len(s) > 12 {
		s = strconv.FormatFloat(r, 'g', sig, 64)
	}
	return s
}
