package capacity

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Step is how the load grows from one step to the next: multiplied by
// Factor (x2) or increased by Add (+500). Exactly one of them is set.
type Step struct {
	// Factor multiplies the load; it must be above 1. 0 means additive.
	Factor float64
	// Add is added to the load; it must be above 0. 0 means multiplicative.
	Add float64
}

// DefaultStep doubles the load at each step.
var DefaultStep = Step{Factor: 2}

// ParseStep parses a --step value: "x2", "*1.5" or "×2" multiply the load,
// "+500" or "500" add to it.
func ParseStep(s string) (Step, error) {
	s = strings.TrimSpace(s)
	for _, p := range []string{"x", "X", "*", "×"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 1 {
				return Step{}, fmt.Errorf("step %q: want a factor above 1, e.g. x2 or x1.5", s)
			}
			return Step{Factor: f}, nil
		}
	}
	rest := strings.TrimPrefix(s, "+")
	a, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
	if err != nil || math.IsNaN(a) || math.IsInf(a, 0) || a <= 0 {
		return Step{}, fmt.Errorf("step %q: want xFACTOR (x2) or +AMOUNT (+500)", s)
	}
	return Step{Add: a}, nil
}

// String writes s the way ParseStep reads it.
func (s Step) String() string {
	if s.Factor != 0 {
		return "x" + strconv.FormatFloat(s.Factor, 'g', -1, 64)
	}
	return "+" + strconv.FormatFloat(s.Add, 'g', -1, 64)
}

// Next returns the load after load.
func (s Step) Next(load float64) float64 {
	if s.Factor != 0 {
		return load * s.Factor
	}
	return load + s.Add
}

// validate reports a Step that is neither or both kinds.
func (s Step) validate() error {
	switch {
	case s.Factor != 0 && s.Add != 0:
		return fmt.Errorf("--step: give a factor (x2) or an amount (+500), not both")
	case s.Factor != 0 && !(s.Factor > 1):
		return fmt.Errorf("--step factor must be above 1, got %g", s.Factor)
	case s.Factor == 0 && !(s.Add > 0):
		return fmt.Errorf("--step amount must be above 0, got %g", s.Add)
	}
	return nil
}
