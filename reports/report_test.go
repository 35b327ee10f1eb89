package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sample returns a fixed report with real histograms.
func sample(t *testing.T) *result.Report {
	t.Helper()
	fan := result.NewLatencyHistogram()
	for v := int64(1); v <= 10000; v++ {
		_ = fan.RecordValue(v) // 1 µs .. 10 ms, uniform
	}
	conn := result.NewLatencyHistogram()
	_ = conn.RecordValues(250, 100)
	first := result.NewLatencyHistogram()
	r := &result.Report{
		Schema:       result.Schema,
		Tool:         "ssebench/test",
		Target:       "http://127.0.0.1:8080/events",
		Protocol:     "h1",
		Started:      time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC),
		DurationS:    10,
		Subscribers:  result.Subscribers{Requested: 100, Connected: 99, Failed: 1},
		Events:       result.Events{Received: 10000, Bytes: 850000, Gaps: 2, Comments: 5, RatePerS: 1000, BytesPerS: 85000},
		Errors:       map[string]int64{"status": 1},
		ErrorSamples: map[string]string{"status": "HTTP 503 Service Unavailable"},
		Warnings:     []string{"an example warning"},
	}
	var err error
	if r.LatencyUS.Fanout, err = result.Summarize(fan); err != nil {
		t.Fatal(err)
	}
	if r.LatencyUS.Connect, err = result.Summarize(conn); err != nil {
		t.Fatal(err)
	}
	if r.LatencyUS.FirstEvent, err = result.Summarize(first); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSummarize_knownDistribution(t *testing.T) {
	t.Parallel()
	l := sample(t).LatencyUS.Fanout
	checks := []struct {
		name      string
		got, want int64
	}{
		{"count", l.Count, 10000},
		{"min", l.Min, 1},
		{"p50", l.P50, 5000},
		{"p90", l.P90, 9000},
		{"p99", l.P99, 9900},
		{"p999", l.P999, 9990},
		{"max", l.Max, 10000},
	}
	for _, c := range checks {
		// 3 significant figures: within 0.1% (+1 for bucket edges).
		if d := c.got - c.want; d < -c.want/1000-1 || d > c.want/1000+1 {
			t.Errorf("%s = %d, want %d (±0.1%%)", c.name, c.got, c.want)
		}
	}
	if l.Mean < 4995 || l.Mean > 5006 {
		t.Errorf("mean = %f, want 5000.5", l.Mean)
	}
}

func TestLatency_HistogramRoundTrip(t *testing.T) {
	t.Parallel()
	l := sample(t).LatencyUS.Fanout
	h, err := l.Histogram()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.TotalCount(), l.Count; got != want {
		t.Errorf("decoded count = %d, want %d", got, want)
	}
	if got, want := h.ValueAtQuantile(99), l.P99; got != want {
		t.Errorf("decoded p99 = %d, want %d", got, want)
	}
	if _, err := (result.Latency{}).Histogram(); err == nil {
		t.Error("empty HDR decoded without error")
	}
}

func TestJSON_roundTrip(t *testing.T) {
	t.Parallel()
	r := sample(t)
	var buf bytes.Buffer
	if err := JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"schema"`, `"subscribers"`, `"requested"`, `"connected"`, `"failed"`, `"events"`, `"received"`,
		`"bytes"`, `"gaps"`, `"duplicates"`, `"latency_us"`, `"fanout"`, `"connect"`, `"first_event"`, `"p999"`, `"hdr"`, `"errors"`, `"warnings"`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("JSON lacks the contract key %s", key)
		}
	}
	got, err := result.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.LatencyUS.Fanout != r.LatencyUS.Fanout || got.Events != r.Events || got.Subscribers != r.Subscribers {
		t.Errorf("round trip changed the report:\n got %+v\nwant %+v", got, r)
	}
}

func TestRead_rejectsWhatIsNotAResult(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"not json", "hello", "not a ssebench run result"},
		{"no schema", `{"events":{}}`, `no "schema" key`},
		{"limits", `{"schema":1,"kind":"limits","steps":[]}`, "it is a ssebench limits result"},
		{"other kind", `{"schema":1,"kind":"benchmark"}`, `it is a ssebench "benchmark" document`},
		{"future schema", `{"schema":99}`, "upgrade ssebench"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := result.Read(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Read(%q) = %v, want error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestText_golden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Text(&buf, sample(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "text.golden", buf.Bytes())

	// Every optional row: publisher, ramp, reconnects, self-check.
	r := sampleRun(t, "", 1)
	ratio := 0.99875
	r.DeliveryRatio = &ratio
	r.Publish = &result.Publish{Sent: 500, Failed: 1, RatePerS: 100, LatencyUS: r.LatencyUS.Connect}
	r.Ramp = &result.Phase{DurationS: 0.4, Events: 120}
	r.Events.LostOnReconnect = 3
	r.Events.IDScheme, r.Events.IDResets = "composite", 1
	r.Subscribers.Redirects = 2
	r.Publish.Duplicates, r.Publish.Replayed = 4, 6
	r.LatencyUS.Replayed = r.LatencyUS.Connect
	r.PerSubscriberEvents = r.LatencyUS.Connect
	r.SelfCheck = result.SelfCheck{CPUPercent: 187, Cores: 2, ReaderLagUS: 25300, SchedLatencyP99US: 41200, ProcessingLagP99US: 900,
		Saturated: true, Signal: "cpu", Cause: "load_generator"}
	r.Interrupted = true
	buf.Reset()
	if err := Text(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "text_full.golden", buf.Bytes())

	// Ids that are not sequences: loss is not measured, and says so.
	r = sample(t)
	r.Events.IDScheme = "opaque"
	buf.Reset()
	if err := Text(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "text_opaque_ids.golden", buf.Bytes())
	buf.Reset()
	if err := Markdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "| n/a | n/a |") {
		t.Errorf("markdown of a run with opaque ids shows gaps and duplicates as measured:\n%s", buf.String())
	}
}

func TestWriteFile_atomic(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "r.json")
	if err := WriteFile(path, sample(t)); err != nil {
		t.Fatal(err)
	}
	r, err := result.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.Events.Received != 10000 {
		t.Errorf("events.received = %d after WriteFile/ReadFile", r.Events.Received)
	}
	if _, err := result.ReadFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("ReadFile of a missing file succeeded")
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		if _, err := Lookup(name); err != nil {
			t.Errorf("Lookup(%q) = %v", name, err)
		}
	}
	if _, err := Lookup("pdf"); err == nil || !strings.Contains(err.Error(), "have") {
		t.Errorf("Lookup(pdf) = %v, want an error listing the formats", err)
	}
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./reports -update, then review the diff):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
