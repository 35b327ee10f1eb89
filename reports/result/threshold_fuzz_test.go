package result

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParseThreshold checks that any input either parses into a threshold
// whose canonical form parses to the same thing, or fails with a *ThresholdError
// whose token lies inside the expression. The seed corpus (f.Add and
// testdata/fuzz/FuzzParseThreshold) runs as a normal test.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{
		"fanout.p99 < 50ms", "connect.p95 < 200ms", "errors.rate < 0.1%", "delivery_ratio > 99.9%",
		"events.rate >= 9000/s", "subscribers.failed == 0", "fanout.p99.99<1e3µs", "fanout.p100 < 1s",
		"fanout.p99 = 5ms", "", " ", "<", "fanout.p99 < -5ms", "fanout.p99 < .5s", "fanout.p99 < 5.e3us",
		"events.rate > 1e309", "x\xff < 1", "fanout.p99 ≤ 1ms", "errors.tls != 0\t",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			var te *ThresholdError
			if !errors.As(err, &te) {
				t.Fatalf("ParseThreshold(%q) = %T %v, want a *ThresholdError", expr, err, err)
			}
			if te.Pos < 0 || te.Pos > te.End || te.End > len(expr) {
				t.Fatalf("ParseThreshold(%q): token [%d, %d) outside the expression", expr, te.Pos, te.End)
			}
			if c := te.Caret(); !utf8.ValidString(c) {
				t.Fatalf("Caret() is not valid UTF-8: %q", c)
			}
			return
		}
		again, err := ParseThreshold(th.canonical())
		if err != nil {
			t.Fatalf("ParseThreshold(%q) parsed, but its canonical form %q does not: %v", expr, th.canonical(), err)
		}
		if again.Metric.Name != th.Metric.Name || again.Op != th.Op || again.Limit != th.Limit || again.Unit != th.Unit {
			t.Fatalf("re-parse of %q differs: %+v vs %+v", expr, again, th)
		}
		// Evaluating against an empty report must not panic either.
		_ = th.Evaluate(&Report{})
	})
}
