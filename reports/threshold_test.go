package reports

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/reports/result"
)

func TestParseThreshold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr   string
		metric string
		op     string
		limit  float64 // in the metric's stored unit
		unit   string
	}{
		{"fanout.p99 < 50ms", "fanout.p99", "<", 50000, "ms"},
		{"connect.p95 < 200ms", "connect.p95", "<", 200000, "ms"},
		{"errors.rate < 0.1%", "errors.rate", "<", 0.001, "%"},
		{"delivery_ratio > 99.9%", "delivery_ratio", ">", 0.999, "%"},
		{"delivery_ratio>=0.999", "delivery_ratio", ">=", 0.999, ""},
		{"events.rate >= 9000/s", "events.rate", ">=", 9000, "/s"},
		{"events.rate >= 600/m", "events.rate", ">=", 10, "/m"},
		{"events.rate > 5", "events.rate", ">", 5, ""},
		{"subscribers.failed == 0", "subscribers.failed", "==", 0, ""},
		{"events.gaps != 3", "events.gaps", "!=", 3, ""},
		{"first_event.p999 <= 1.5s", "first_event.p999", "<=", 1.5e6, "s"},
		{"fanout.p99.99 < 250µs", "fanout.p99.99", "<", 250, "µs"},
		{"fanout.p9999 < 250μs", "fanout.p9999", "<", 250, "μs"},
		{"fanout.max < 2 s", "fanout.max", "<", 2e6, "s"},
		{"publish.mean < 500us", "publish.mean", "<", 500, "us"},
		{"reconnect.p50 < 1m", "reconnect.p50", "<", 60e6, "m"},
		{"inter_event.min > 1e3ns", "inter_event.min", ">", 1, "ns"},
		{"  \tfanout.count >= 1  ", "fanout.count", ">=", 1, ""},
		{"errors.status == 0", "errors.status", "==", 0, ""},
		{"self_check.cpu < 90%", "self_check.cpu", "<", 0.9, "%"},
		{"per_subscriber_events.min >= 10", "per_subscriber_events.min", ">=", 10, ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			th, err := result.ParseThreshold(tt.expr)
			if err != nil {
				t.Fatalf("ParseThreshold(%q) = %v", tt.expr, err)
			}
			if th.Metric.Name != tt.metric || th.Op != tt.op || th.Unit != tt.unit {
				t.Errorf("got metric %q op %q unit %q, want %q %q %q", th.Metric.Name, th.Op, th.Unit, tt.metric, tt.op, tt.unit)
			}
			if d := th.Limit - tt.limit; d > 1e-9*max(1, tt.limit) || d < -1e-9*max(1, tt.limit) {
				t.Errorf("Limit = %v, want %v", th.Limit, tt.limit)
			}
		})
	}
}

func TestParseThreshold_errorsPointAtTheToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr  string
		caret string // the second line of Caret()
		msg   string // in Error()
	}{
		{"fanot.p99 < 50ms", "^^^^^^^^^", "did you mean fanout.p99?"},
		{"first-event.p99 < 1s", "^^^^^^^^^^^^^^^", "did you mean first_event.p99?"},
		{"fanout.p100 < 50ms", "       ^^^^", "use max"},
		{"fanout.p0 < 50ms", "       ^^", "above 0"},
		{"fanout.q99 < 50ms", "       ^^^", "unknown statistic"},
		{"fanout.p99 = 50ms", "           ^", "want =="},
		{"fanout.p99 ≤ 50ms", "           ^", "ASCII"},
		{"fanout.p99 50ms", "           ^^^^", "want an operator"},
		{"fanout.p99 <", "            ^", "missing value"},
		{"fanout.p99", "          ^", "missing operator"},
		{"fanout.p99 < 50", "             ^^", "give a unit"},
		{"fanout.p99 < 50xs", "               ^^", `unit "xs" does not fit`},
		{"fanout.p99 < 50% ", "               ^", `unit "%" does not fit`},
		{"errors.rate < 5ms", "               ^^", "is a ratio"},
		{"subscribers.failed == 0%", "                       ^", "is a count"},
		{"fanout.p99 < fast", "             ^^^^", "want a number"},
		{"fanout.p99 < 50ms or so", "                  ^^^^^", "unexpected text"},
		{"", "^", "empty threshold"},
		{"< 5ms", "^", "want a metric name"},
		{"nope < 1", "^^^^", "unknown metric"},
		{"errors.nope == 0", "^^^^^^^^^^^", "unknown metric"},
		{"µ.p99 < 1ms", "^^^^^", "want a metric name"},
		{"fanout.p250 < 1ms", "       ^^^^", "ambiguous"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, err := result.ParseThreshold(tt.expr)
			var te *result.ThresholdError
			if !errors.As(err, &te) {
				t.Fatalf("ParseThreshold(%q) = %v, want a *ThresholdError", tt.expr, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Error() = %q, want it to contain %q", err.Error(), tt.msg)
			}
			lines := strings.Split(te.Caret(), "\n")
			if len(lines) != 2 || lines[0] != tt.expr || lines[1] != tt.caret {
				t.Errorf("Caret() =\n%s\nwant\n%s\n%s", te.Caret(), tt.expr, tt.caret)
			}
		})
	}
}

func TestThreshold_Evaluate(t *testing.T) {
	t.Parallel()
	r := sample(t) // fan-out 1..10000 µs uniform; connect 250 µs ×100; no first event
	r.LatencySource = "reference"
	ratio := 0.9995
	withDelivery := *r
	withDelivery.DeliveryRatio = &ratio
	noSource := *r
	noSource.LatencySource = ""

	tests := []struct {
		name     string
		r        *result.Report
		expr     string
		pass     bool
		measured float64 // ignored when notMeasured
		missing  string  // in Message when the metric was not measured
	}{
		{"p99 under", r, "fanout.p99 < 10ms", true, 9900, ""},
		{"p99 over", r, "fanout.p99 < 5ms", false, 9900, ""},
		{"p95 from the hdr", r, "fanout.p95 < 9.6ms", true, 9500, ""},
		{"p75 from the hdr", r, "fanout.p75 >= 7.4ms", true, 7500, ""},
		{"connect p95", r, "connect.p95 <= 250us", true, 250, ""},
		{"min", r, "fanout.min == 1us", true, 1, ""},
		{"events rate", r, "events.rate >= 1000/s", true, 1000, ""},
		{"errors rate", r, "errors.rate < 0.1%", false, 0.01, ""},
		{"errors count", r, "errors.count == 1", true, 1, ""},
		{"error class", r, "errors.status > 0", true, 1, ""},
		{"absent error class", r, "errors.dial == 0", true, 0, ""},
		{"failed", r, "subscribers.failed == 0", false, 1, ""},
		{"gaps", r, "events.gaps <= 2", true, 2, ""},
		{"loss ratio", r, "events.loss_ratio < 0.1%", true, 2.0 / 10002, ""},
		{"delivery ratio", &withDelivery, "delivery_ratio > 99.9%", true, 0.9995, ""},
		{"delivery ratio not measured", r, "delivery_ratio > 99.9%", false, 0, "publisher mode"},
		{"no latency source", &noSource, "fanout.p99 < 1h", false, 0, "no fan-out latency source"},
		{"count without source", &noSource, "fanout.count >= 0", false, 0, "no fan-out latency source"},
		{"empty distribution", r, "first_event.p99 < 1s", false, 0, "no subscriber received an event"},
		{"empty distribution counts 0", r, "first_event.count == 0", true, 0, ""},
		{"publish outside publisher mode", r, "publish.p99 < 1s", false, 0, "publisher mode"},
		{"publish rate", r, "publish.rate > 1", false, 0, "publisher mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th, err := result.ParseThreshold(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got := th.Evaluate(tt.r)
			if got.Pass != tt.pass {
				t.Errorf("Pass = %v, want %v (%+v)", got.Pass, tt.pass, got)
			}
			if tt.missing != "" {
				if got.Measured != nil || !strings.Contains(got.Message, tt.missing) || !strings.Contains(got.Message, "not measured") {
					t.Errorf("got measured %v message %q, want not measured with %q", got.Measured, got.Message, tt.missing)
				}
				return
			}
			if got.Measured == nil {
				t.Fatalf("Measured = nil (%s), want %v", got.Message, tt.measured)
			}
			// Histograms keep 3 significant figures.
			if d := *got.Measured - tt.measured; d > tt.measured/1000+1e-9 || d < -tt.measured/1000-1e-9 {
				t.Errorf("Measured = %v, want %v", *got.Measured, tt.measured)
			}
		})
	}
}

func TestThresholdResult_MeasuredText(t *testing.T) {
	t.Parallel()
	v := func(f float64) *float64 { return &f }
	tests := []struct {
		tr   result.ThresholdResult
		want string
	}{
		{result.ThresholdResult{Expression: "fanout.p99 < 50ms", Unit: "us", Measured: v(31234)}, "31.23ms"},
		{result.ThresholdResult{Expression: "fanout.p99 < 1s", Unit: "us", Measured: v(31234)}, "0.03123s"},
		{result.ThresholdResult{Expression: "fanout.p99 < 900us", Unit: "us", Measured: v(812)}, "812us"},
		{result.ThresholdResult{Expression: "errors.rate < 0.1%", Unit: "ratio", Measured: v(0.00012)}, "0.012%"},
		{result.ThresholdResult{Expression: "delivery_ratio > 0.999", Unit: "ratio", Measured: v(0.99975)}, "0.99975"},
		{result.ThresholdResult{Expression: "events.rate >= 9000/s", Unit: "per_s", Measured: v(9123.456)}, "9123/s"},
		{result.ThresholdResult{Expression: "subscribers.failed == 0", Measured: v(3)}, "3"},
		{result.ThresholdResult{Expression: "garbage", Unit: "us", Measured: v(1500)}, "1.5ms"},
		{result.ThresholdResult{Expression: "fanout.p99 < 50ms", Unit: "us"}, "not measured"},
	}
	for _, tt := range tests {
		if got := tt.tr.MeasuredText(); got != tt.want {
			t.Errorf("MeasuredText(%s, %v) = %q, want %q", tt.tr.Expression, *orZero(tt.tr.Measured), got, tt.want)
		}
	}
}

func orZero(p *float64) *float64 {
	if p == nil {
		return new(float64)
	}
	return p
}

func TestMetricNames_allParse(t *testing.T) {
	t.Parallel()
	for _, name := range result.MetricNames() {
		m, err := result.LookupMetric(name)
		if err != nil {
			t.Errorf("LookupMetric(%q) = %v", name, err)
			continue
		}
		if _, err := m.Value(&result.Report{}); err != nil && !errors.Is(err, result.ErrNotMeasured) {
			t.Errorf("%s on an empty report: %v, want a value or ErrNotMeasured", name, err)
		}
	}
}

// thresholdSample is sampleRun with thresholds evaluated: one passes, one
// fails on its value, one fails because the run did not measure it.
func thresholdSample(tb testing.TB) *result.Report {
	tb.Helper()
	r := sampleRun(tb, "", 1)
	var ts []result.Threshold
	for _, e := range []string{"fanout.p99 < 50ms", "errors.rate < 0.1%", "delivery_ratio > 99.9%", "events.rate >= 900/s"} {
		th, err := result.ParseThreshold(e)
		if err != nil {
			tb.Fatal(err)
		}
		ts = append(ts, th)
	}
	r.Thresholds = result.EvaluateThresholds(ts, r)
	return r
}

func TestThresholds_textAndMarkdownGolden(t *testing.T) {
	t.Parallel()
	r := thresholdSample(t)
	if got, want := len(result.FailedThresholds(r.Thresholds)), 2; got != want {
		t.Fatalf("%d thresholds failed, want %d: %+v", got, want, r.Thresholds)
	}
	var buf bytes.Buffer
	if err := Text(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "text_thresholds.golden", buf.Bytes())
	buf.Reset()
	if err := Markdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "thresholds.md.golden", buf.Bytes())
}

func TestThresholds_JSONRoundTrip(t *testing.T) {
	t.Parallel()
	r := thresholdSample(t)
	var buf bytes.Buffer
	if err := JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"thresholds"`, `"expression": "fanout.p99 `, `"measured": null`, `"unit": "us"`, `"pass": false`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	got, err := result.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Thresholds) != len(r.Thresholds) {
		t.Fatalf("round trip kept %d thresholds, want %d", len(got.Thresholds), len(r.Thresholds))
	}
	for i := range got.Thresholds {
		if g, w := got.Thresholds[i].MeasuredText(), r.Thresholds[i].MeasuredText(); g != w {
			t.Errorf("threshold %d measured %s after the round trip, want %s", i, g, w)
		}
	}
}

// TestThreshold_lossNeedsSequenceIDs: gaps, duplicates and the loss ratio
// are measured only when the result's ids were sequences; for other
// schemes a threshold on them fails as not measured, and results written
// before schemes were detected keep their figures.
func TestThreshold_lossNeedsSequenceIDs(t *testing.T) {
	t.Parallel()
	metrics := []string{"events.gaps", "events.duplicates", "events.lost_on_reconnect", "events.loss_ratio"}
	for _, tt := range []struct {
		scheme   string
		measured bool
	}{{"", true}, {"consecutive", true}, {"composite", true}, {"increasing", false}, {"opaque", false}, {"none", false}} {
		r := &result.Report{Events: result.Events{Received: 90, Gaps: 10, IDScheme: tt.scheme}}
		for _, name := range metrics {
			m, err := result.LookupMetric(name)
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Value(r)
			if got := !errors.Is(err, result.ErrNotMeasured); got != tt.measured {
				t.Errorf("scheme %q: %s measured = %v (err %v), want %v", tt.scheme, name, got, err, tt.measured)
			}
		}
	}
	for _, name := range []string{"events.id_resets", "subscribers.redirects", "replayed.p99", "publish.duplicates", "publish.replayed"} {
		if _, err := result.LookupMetric(name); err != nil {
			t.Errorf("LookupMetric(%q) = %v", name, err)
		}
	}
}
