package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// rateFlag is every per-second rate flag (--connect-rate, --publish-rate):
// N or N/s per second, N/m (or N/min) per minute. It refuses NaN,
// infinities and negative rates, and 0 unless zero is allowed (where the
// flag documents what 0 means).
type rateFlag struct {
	p         *float64
	allowZero bool
}

// newRateFlag returns a rateFlag that stores into p.
func newRateFlag(p *float64, allowZero bool) *rateFlag { return &rateFlag{p: p, allowZero: allowZero} }

// String implements flag.Value.
func (r *rateFlag) String() string {
	if r == nil || r.p == nil || *r.p == 0 {
		return "0"
	}
	return strconv.FormatFloat(*r.p, 'g', -1, 64) + "/s"
}

// Set implements flag.Value.
func (r *rateFlag) Set(s string) error {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v == 0 && !r.allowZero {
		want := "a positive rate"
		if r.allowZero {
			want = "a rate"
		}
		return fmt.Errorf("want %s such as 500/s or 600/m", want)
	}
	switch strings.TrimSpace(unit) {
	case "", "s":
	case "m", "min":
		v /= 60
	default:
		return fmt.Errorf("rate %q: unit %q, want /s or /m", s, strings.TrimSpace(unit))
	}
	*r.p = v
	return nil
}
