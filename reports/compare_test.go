package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/reports/result"
)

// cmpRun is a result with the figures compare looks at: fan-out p50 and
// p99 in ms, events/s, and errors among 100 subscribers.
type cmpRun struct {
	p50ms, p99ms float64
	rate         float64
	errors       int64
}

func (c cmpRun) report() *result.Report {
	us := func(ms float64) int64 { return int64(ms * 1000) }
	r := &result.Report{
		Schema: result.Schema, Tool: "ssebench/test", Target: "http://127.0.0.1:8080/events", Protocol: "h1",
		LatencySource: "reference",
		Subscribers:   result.Subscribers{Requested: 100, Connected: 100},
		Events:        result.Events{Received: uint64(c.rate * 10), RatePerS: c.rate},
		LatencyUS: result.Latencies{
			Fanout:     result.Latency{Count: 1000, Min: 100, P50: us(c.p50ms), P90: us(c.p99ms), P99: us(c.p99ms), P999: us(c.p99ms), Max: us(c.p99ms)},
			Connect:    result.Latency{Count: 100, Min: 100, P50: 300, P90: 400, P99: 500, P999: 500, Max: 500},
			FirstEvent: result.Latency{Count: 100, Min: 1000, P50: 50000, P90: 90000, P99: 99000, P999: 99000, Max: 99000},
		},
	}
	if c.errors > 0 {
		r.Errors = map[string]int64{"status": c.errors}
	}
	return r
}

// side builds a Side of runs whose fan-out p99 takes the given values (ms)
// and whose other figures are those of c.
func side(name string, c cmpRun, p99ms ...float64) Side {
	s := Side{Name: name}
	for _, v := range p99ms {
		c.p99ms = v
		s.Runs = append(s.Runs, c.report())
	}
	return s
}

func rowOf(tb testing.TB, c *Comparison, metric string) CompareRow {
	tb.Helper()
	for _, r := range c.Rows {
		if r.Metric.Name == metric {
			return r
		}
	}
	tb.Fatalf("no row for %s", metric)
	return CompareRow{}
}

func TestCompare_oneRunPerSide(t *testing.T) {
	t.Parallel()
	normal := cmpRun{p50ms: 1, p99ms: 2, rate: 1000}
	tests := []struct {
		name     string
		base     cmpRun
		new      cmpRun
		metric   string
		want     Verdict
		inReason string
	}{
		{"p99 doubles inside the 5 ms floor", cmpRun{p50ms: 1, p99ms: 1.2, rate: 1000}, cmpRun{p50ms: 1, p99ms: 2.5, rate: 1000}, "fanout.p99", VerdictOK, "inside the 5ms floor"},
		{"p99 +1 ms inside both", cmpRun{p50ms: 1, p99ms: 10, rate: 1000}, cmpRun{p50ms: 1, p99ms: 11, rate: 1000}, "fanout.p99", VerdictOK, "within 25% and 5ms"},
		{"p99 from 2 ms to 30 ms", normal, cmpRun{p50ms: 1, p99ms: 30, rate: 1000}, "fanout.p99", VerdictRegression, "worse by more than 25% and 5ms"},
		{"p99 +20% beyond the floor but inside 25%", cmpRun{p50ms: 1, p99ms: 40, rate: 1000}, cmpRun{p50ms: 1, p99ms: 48, rate: 1000}, "fanout.p99", VerdictOK, "within 25%"},
		{"p99 +30% and 6 ms", cmpRun{p50ms: 1, p99ms: 20, rate: 1000}, cmpRun{p50ms: 1, p99ms: 26, rate: 1000}, "fanout.p99", VerdictRegression, ""},
		{"p99 improves", cmpRun{p50ms: 1, p99ms: 100, rate: 1000}, normal, "fanout.p99", VerdictImprovement, "better"},
		{"same value", normal, normal, "fanout.p99", VerdictOK, ""},
		{"rate drops 6%", normal, cmpRun{p50ms: 1, p99ms: 2, rate: 940}, "events.rate", VerdictRegression, "5%"},
		{"rate drops 4%", normal, cmpRun{p50ms: 1, p99ms: 2, rate: 960}, "events.rate", VerdictOK, ""},
		{"rate rises 10%", normal, cmpRun{p50ms: 1, p99ms: 2, rate: 1100}, "events.rate", VerdictImprovement, ""},
		{"no errors on either side", normal, cmpRun{p50ms: 1, p99ms: 2, rate: 1000, errors: 0}, "errors.rate", VerdictOK, ""},
		{"errors from 0 to 1%", normal, cmpRun{p50ms: 1, p99ms: 2, rate: 1000, errors: 1}, "errors.rate", VerdictRegression, "0.1pp"},
		{"errors.count is shown, not judged", normal, cmpRun{p50ms: 1, p99ms: 2, rate: 1000, errors: 50}, "errors.count", VerdictInfo, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Compare(Side{"base", []*result.Report{tt.base.report()}}, Side{"new", []*result.Report{tt.new.report()}}, CompareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			row := rowOf(t, c, tt.metric)
			if row.Verdict != tt.want || !strings.Contains(row.Reason, tt.inReason) || row.Tested {
				t.Errorf("%s: verdict %q (%s), tested %v; want %q containing %q, untested", tt.metric, row.Verdict, row.Reason, row.Tested, tt.want, tt.inReason)
			}
			regressed := false
			for _, r := range c.Regressions() {
				regressed = regressed || r.Metric.Name == tt.metric
			}
			if want := tt.want == VerdictRegression; regressed != want {
				t.Errorf("%s in Regressions() = %v, want %v", tt.metric, regressed, want)
			}
		})
	}
}

func TestCompare_repeatedRuns(t *testing.T) {
	t.Parallel()
	c0 := cmpRun{p50ms: 1, rate: 1000}
	tests := []struct {
		name     string
		base     Side
		new      Side
		want     Verdict
		inReason string
		note     string
	}{
		{"separated 5+5 is a regression", side("base", c0, 2.0, 2.1, 2.2, 2.3, 2.4), side("new", c0, 40, 41, 42, 43, 44),
			VerdictRegression, "p=0.008 n=5+5", ""},
		{"overlapping 5+5 is noise although the medians moved 40%", side("base", c0, 2, 3, 20, 25, 30), side("new", c0, 2.5, 3, 28, 35, 40),
			VerdictNoChange, "p=", ""},
		{"3+3 can never be significant at 0.05", side("base", c0, 2.0, 2.1, 2.2), side("new", c0, 40, 41, 42),
			VerdictNoChange, "p=0.100 n=3+3", "need >= 4 samples"},
		{"significant but within tolerance", side("base", c0, 2.00, 2.01, 2.02, 2.03, 2.04), side("new", c0, 2.20, 2.21, 2.22, 2.23, 2.24),
			VerdictOK, "within 25% and 5ms", ""},
		{"two runs a side use the tolerances on the medians", side("base", c0, 2, 3), side("new", c0, 30, 31),
			VerdictRegression, "worse by more than", "no significance test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Compare(tt.base, tt.new, CompareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			row := rowOf(t, c, "fanout.p99")
			if row.Verdict != tt.want || !strings.Contains(row.Reason, tt.inReason) {
				t.Errorf("verdict %q (%s), want %q containing %q", row.Verdict, row.Reason, tt.want, tt.inReason)
			}
			if notes := strings.Join(c.Notes, "\n"); !strings.Contains(notes, tt.note) {
				t.Errorf("notes = %q, want %q", notes, tt.note)
			}
			// Identical figures in every run: nothing to test, no change.
			if r := rowOf(t, c, "fanout.p50"); r.Verdict != VerdictNoChange && r.Verdict != VerdictOK {
				t.Errorf("fanout.p50 (identical in every run) = %q (%s)", r.Verdict, r.Reason)
			}
		})
	}
}

func TestCompare_alpha(t *testing.T) {
	t.Parallel()
	c0 := cmpRun{p50ms: 1, rate: 1000}
	base, new := side("base", c0, 2.0, 2.1, 2.2, 2.3, 2.4), side("new", c0, 40, 41, 42, 43, 44)
	c, err := Compare(base, new, CompareOptions{Alpha: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(t, c, "fanout.p99"); r.Verdict != VerdictNoChange {
		t.Errorf("at alpha 0.001, p=0.008 gives %q, want no significant change", r.Verdict)
	}
	if _, err := Compare(base, new, CompareOptions{Alpha: 1.5}); err == nil {
		t.Error("alpha 1.5 accepted")
	}
	if _, err := Compare(Side{Name: "empty"}, new, CompareOptions{}); err == nil {
		t.Error("an empty side accepted")
	}
}

func TestCompare_notMeasuredIsNotARegression(t *testing.T) {
	t.Parallel()
	base := cmpRun{p50ms: 1, p99ms: 2, rate: 1000}.report()
	new := cmpRun{p50ms: 1, p99ms: 2, rate: 1000}.report()
	ratio := 0.5
	new.DeliveryRatio = &ratio
	c, err := Compare(Side{"base", []*result.Report{base}}, Side{"new", []*result.Report{new}}, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(t, c, "delivery_ratio"); r.Verdict != VerdictNotMeasured {
		t.Errorf("delivery_ratio measured on one side: %q", r.Verdict)
	}
	if len(c.Regressions()) != 0 {
		t.Errorf("Regressions() = %v, want none", c.Regressions())
	}
	// A metric neither side measured is left out.
	base.DeliveryRatio, new.DeliveryRatio = nil, nil
	if c, _ = Compare(Side{"base", []*result.Report{base}}, Side{"new", []*result.Report{new}}, CompareOptions{}); len(c.Rows) == 0 {
		t.Fatal("no rows")
	}
	for _, r := range c.Rows {
		if r.Metric.Name == "delivery_ratio" {
			t.Error("delivery_ratio shown although neither side measured it")
		}
	}
}

func TestTolerances_Set(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec   string
		metric string
		want   Tolerance
	}{
		{"fanout.p99=10%", "fanout.p99", Tolerance{Relative: 0.10, Floor: 5000}},
		{"fanout.p99=2ms", "fanout.p99", Tolerance{Relative: 0.25, Floor: 2000}},
		{"fanout.p99=10%:2ms", "fanout.p99", Tolerance{Relative: 0.10, Floor: 2000}},
		{"fanout.p99 = 0ms : 0%", "fanout.p99", Tolerance{}},
		{"delivery_ratio=0.5pp", "delivery_ratio", Tolerance{Floor: 0.005}},
		{"events.rate=50/s", "events.rate", Tolerance{Relative: 0.05, Floor: 50}},
		{"errors.count=3", "errors.count", Tolerance{Floor: 3}},
		{"fanout.p95=10%", "fanout.p95", Tolerance{Relative: 0.10}},
		{"10%", "connect.p99", Tolerance{Relative: 0.10, Floor: 10000}},
	}
	for _, tt := range tests {
		ts := DefaultTolerances()
		if err := ts.Set(tt.spec); err != nil {
			t.Errorf("Set(%q) = %v", tt.spec, err)
			continue
		}
		if got := ts[tt.metric]; got != tt.want {
			t.Errorf("Set(%q): %s = %+v, want %+v", tt.spec, tt.metric, got, tt.want)
		}
	}
	for _, bad := range []string{"fanout.p99", "nope=1%", "fanout.p99=5", "fanout.p99=-1%", "fanout.p99=1%:2%:3%", "fanout.p99=", "5ms", "delivery_ratio=1ms"} {
		if err := DefaultTolerances().Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}

func TestCompare_golden(t *testing.T) {
	t.Parallel()
	normal := cmpRun{p50ms: 1.2, p99ms: 2.5, rate: 2500}
	slow := cmpRun{p50ms: 31, p99ms: 34, rate: 2480, errors: 1}
	one, err := Compare(Side{"base.json", []*result.Report{normal.report()}}, Side{"new.json", []*result.Report{slow.report()}}, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	several, err := Compare(side("base-*.json", normal, 2.4, 2.5, 2.6, 2.9, 3.0), side("new-*.json", normal, 2.3, 2.6, 2.7, 2.8, 3.2), CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		c    *Comparison
	}{{"compare_one", one}, {"compare_repeated", several}} {
		var txt, md bytes.Buffer
		if err := CompareText(&txt, f.c); err != nil {
			t.Fatal(err)
		}
		if err := CompareMarkdown(&md, f.c); err != nil {
			t.Fatal(err)
		}
		golden(t, f.name+".txt.golden", txt.Bytes())
		golden(t, f.name+".md.golden", md.Bytes())
	}
}

// ExampleCompare shows compare's one-run rule: a p99 that doubles inside
// the absolute floor is noise, a 30 ms jump is a regression.
func ExampleCompare() {
	run := func(p99ms float64) *result.Report { return cmpRun{p50ms: 1, p99ms: p99ms, rate: 1000}.report() }
	for _, p99 := range []float64{2.5, 30} {
		c, _ := Compare(Side{"base", []*result.Report{run(1.2)}}, Side{"new", []*result.Report{run(p99)}}, CompareOptions{})
		for _, r := range c.Rows {
			if r.Metric.Name == "fanout.p99" {
				fmt.Printf("1.2ms → %gms: %s (%s)\n", p99, r.Verdict, r.Reason)
			}
		}
	}
	// Output:
	// 1.2ms → 2.5ms: ok (inside the 5ms floor)
	// 1.2ms → 30ms: regression (worse by more than 25% and 5ms)
}

// TestCompare_oneSided shows a metric measured on one side only with its
// value there, not as 0, and does not judge it.
func TestCompare_oneSided(t *testing.T) {
	t.Parallel()
	base := side("base", cmpRun{p50ms: 2, rate: 1000}, 10)
	new := side("new", cmpRun{p50ms: 2, rate: 1000}, 10)
	ratio := 0.9995
	new.Runs[0].DeliveryRatio = &ratio
	base.Runs[0].LatencyUS.Fanout = result.Latency{} // base: no latency stamps
	c, err := Compare(base, new, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ metric, base, new string }{
		{"fanout.p99", "–", "10ms"},
		{"delivery_ratio", "–", "99.95%"},
	} {
		row := rowOf(t, c, tt.metric)
		b, n, _, _ := rowCells(row)
		if b != tt.base || n != tt.new || row.Verdict != VerdictNotMeasured {
			t.Errorf("%s: base %q new %q verdict %q; want %q, %q, not measured", tt.metric, b, n, row.Verdict, tt.base, tt.new)
		}
	}
}

// TestCompare_notesDifferentSetups notes a different rate, payload,
// protocol and ssebench version between the sides.
func TestCompare_notesDifferentSetups(t *testing.T) {
	t.Parallel()
	base := side("base", cmpRun{p50ms: 2, rate: 1000}, 10)
	new := side("new", cmpRun{p50ms: 2, rate: 1000}, 10)
	base.Runs[0].EmbeddedServer = &result.EmbeddedServer{RatePerS: 10, PayloadBytes: 64}
	new.Runs[0].EmbeddedServer = &result.EmbeddedServer{RatePerS: 100, PayloadBytes: 512}
	new.Runs[0].Protocol = "h2c"
	new.Runs[0].Tool = "ssebench/v1.1.0"
	c, err := Compare(base, new, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(c.Notes, "\n")
	for _, want := range []string{"protocol (h1 vs h2c)", "event rate (10/s vs 100/s)", "payload (64 bytes vs 512 bytes)", "ssebench version (ssebench/test vs ssebench/v1.1.0)"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// TestCompare_labelNamesTheSide shows a side's --label beside its name.
func TestCompare_labelNamesTheSide(t *testing.T) {
	t.Parallel()
	base := side("base.json", cmpRun{p50ms: 2, rate: 1000}, 10)
	base.Runs[0].Label = "v1.2 build"
	new := side("new.json", cmpRun{p50ms: 2, rate: 1000}, 10)
	c, err := Compare(base, new, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := CompareText(&buf, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `base  base.json ("v1.2 build", 1 run)`) || !strings.Contains(buf.String(), "new   new.json (1 run)") {
		t.Errorf("sides not named:\n%s", buf.String())
	}
}
