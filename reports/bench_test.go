package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// benchRun makes one run whose fan-out latency is p99 ms at every
// percentile above p50 (a histogram, so the charts draw it).
func benchRun(t *testing.T, target string, repeat int, p99ms float64, delivery float64) result.BenchRun {
	t.Helper()
	h := hdrhistogram.New(1, 3_600_000_000, 3)
	for i := 0; i < 100; i++ {
		v := int64(p99ms * 500)
		if i >= 90 {
			v = int64(p99ms * 1000)
		}
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	p99 := h.ValueAtQuantile(99)
	rep := &result.Report{
		Schema: result.Schema, Label: target, Target: "http://127.0.0.1:8080/events", Protocol: "h1", DurationS: 5,
		LatencySource: "reference",
		Subscribers:   result.Subscribers{Requested: 100, Connected: 100},
		Events:        result.Events{Received: 5000, RatePerS: 1000},
		LatencyUS: result.Latencies{Fanout: result.Latency{Count: 100, P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90),
			P99: p99, P999: p99, Max: h.Max(), HDR: string(enc)}},
		Ramp:   &result.Phase{DurationS: 0.1},
		Errors: map[string]int64{},
	}
	d := delivery
	return result.BenchRun{
		Scenario: "100 subs × 10/s × 64 B h1", Target: target, Repeat: repeat, Valid: true, DeliveryRatio: &d, Result: rep,
		Cost: &result.ServerCost{CPUPercent: p99ms, CPUUSPerEvent: p99ms / 10, MemIdleKiB: 10240, MemMeanKiB: 10240 + 100*int64(p99ms), MemPeakKiB: 12000, KiBPerSubscriber: p99ms, MemMeasure: "pss", Processes: 1, Samples: 20},
	}
}

// sampleBench: fast is clearly first; slow and slow-too cannot be told
// apart; lossy is fastest but lost 10% and ranks after them; saturated has
// no valid run and is not ranked.
func sampleBench(t *testing.T) *result.Bench {
	t.Helper()
	b := &result.Bench{
		Schema: result.Schema, Kind: result.BenchKind, Tool: "ssebench/test", Suite: "sample",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Cores: 2,
		Targets: []result.BenchTarget{{Name: "slow"}, {Name: "fast"}, {Name: "slow-too"}, {Name: "lossy"}, {Name: "saturated"}},
		Scenarios: []result.BenchScenario{{Name: "100 subs × 10/s × 64 B h1", Subscribers: 100, RatePerS: 10, PayloadBytes: 64,
			Protocol: "h1", DurationS: 5, WarmupS: 1, Repeats: 5}},
		Warnings: []string{"a warning"},
	}
	for r := 1; r <= 5; r++ {
		b.Runs = append(b.Runs,
			benchRun(t, "slow", r, 30+float64(r), 1),
			benchRun(t, "fast", r, 10+float64(r), 1),
			benchRun(t, "slow-too", r, 30.5+float64(r%3), 1),
			benchRun(t, "lossy", r, 1, 0.9),
		)
		sat := benchRun(t, "saturated", r, 5, 1)
		sat.Valid, sat.Invalid = false, "the load generator was saturated"
		b.Runs = append(b.Runs, sat)
	}
	return b
}

func TestRankBench(t *testing.T) {
	t.Parallel()
	rk := RankBench(sampleBench(t))
	if len(rk) != 1 {
		t.Fatalf("%d rankings, want 1", len(rk))
	}
	type want struct {
		target       string
		rank, sameAs int
	}
	wants := []want{{"fast", 1, 0}, {"slow-too", 2, 0}, {"slow", 3, 2}, {"lossy", 4, 0}, {"saturated", 0, 0}}
	rows := rk[0].Rows
	if len(rows) != len(wants) {
		t.Fatalf("%d rows, want %d", len(rows), len(wants))
	}
	for i, w := range wants {
		r := rows[i]
		if r.Target != w.target || r.Rank != w.rank || r.SameAs != w.sameAs {
			t.Errorf("row %d = %s #%d ≈%d (%s), want %s #%d ≈%d", i, r.Target, r.Rank, r.SameAs, r.Versus, w.target, w.rank, w.sameAs)
		}
	}
	if r := rows[0]; r.Valid != 5 || !r.HasCost || r.CPUUSPerEvent != 1.3 || r.Typical == nil {
		t.Errorf("fast: valid %d, cost %v %g, typical %v", r.Valid, r.HasCost, r.CPUUSPerEvent, r.Typical != nil)
	}
	if r := rows[1]; !strings.Contains(r.Versus, "p=") {
		t.Errorf("slow-too vs fast: %q, want a U test", r.Versus)
	}
	if r := rows[4]; !strings.Contains(r.Note, "no valid run of 5 (the load generator was saturated)") {
		t.Errorf("saturated note = %q", r.Note)
	}
}

func TestBenchFormats_golden(t *testing.T) {
	t.Parallel()
	b := sampleBench(t)
	for _, tc := range []struct{ format, file string }{
		{"md", "bench.md.golden"}, {"text", "bench.txt.golden"},
	} {
		enc, err := LookupBench(tc.format)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := enc(&buf, b); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.file, buf.Bytes())
	}
	if _, err := LookupBench("png"); err == nil || !strings.Contains(err.Error(), "html, json, md, text") {
		t.Errorf("LookupBench(png) = %v", err)
	}
}

func TestBenchHTML(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := BenchHTML(&buf, sampleBench(t)); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		"<title>ssebench bench: sample</title>", `id="chart-scenario-1-spectrum" data-points="`, `id="chart-scenario-1-cpu" data-points="4"`,
		`id="chart-scenario-1-mem" data-points="4"`, `<td class="num">3 ≈2</td>`, "lost 10.00% of the expected events", "not ranked: no valid run of 5",
		"background:#0072b2", "Every run (25)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, `data-points="0"`) {
		t.Error("a chart has no data")
	}
	if strings.Contains(page, "<script") {
		t.Error("the page has a script")
	}
}

func TestBenchJSON_roundTrip(t *testing.T) {
	t.Parallel()
	b := sampleBench(t)
	var buf bytes.Buffer
	if err := BenchJSON(&buf, b); err != nil {
		t.Fatal(err)
	}
	got, err := result.ReadBench(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Runs) != 25 || got.Runs[0].Result.LatencyUS.Fanout.HDR == "" || got.Runs[0].Cost.MemMeasure != "pss" {
		t.Errorf("round trip lost data: %d runs", len(got.Runs))
	}
	// Another kind of document is refused by name.
	rep, _ := json.Marshal(result.Report{Schema: 1})
	if _, err := result.ReadBench(bytes.NewReader(rep)); err == nil || !strings.Contains(err.Error(), `kind ""`) {
		t.Errorf("ReadBench(a run's report) = %v", err)
	}
}
