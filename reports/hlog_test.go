package reports

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// TestHLog_roundTrip writes a result's interval log and reads it back with
// hdrhistogram-go's own log reader: every interval comes back with its
// timestamps and the same percentiles, and together they make up the run.
func TestHLog_roundTrip(t *testing.T) {
	t.Parallel()
	r := sampleRun(t, "", 10)
	var buf bytes.Buffer
	if err := HLog(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#[Histogram log format version 1.3]", "#[StartTime: ", "#[BaseTime: ", "values in microseconds"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}

	rd := hdrhistogram.NewHistogramLogReader(&buf)
	merged := result.NewLatencyHistogram()
	startMS := r.Started.UnixMilli()
	prev := 0.0
	for i, iv := range r.Intervals {
		h, err := rd.NextIntervalHistogram()
		if err != nil {
			t.Fatalf("interval %d: %v", i, err)
		}
		if h == nil {
			t.Fatalf("log has %d intervals, want %d", i, len(r.Intervals))
		}
		want, err := iv.FanoutHistogram()
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []float64{0, 50, 90, 99, 99.9, 100} {
			if got, want := h.ValueAtQuantile(q), want.ValueAtQuantile(q); got != want {
				t.Errorf("interval %d p%v = %d, want %d", i, q, got, want)
			}
		}
		if got, want := h.TotalCount(), int64(iv.Events); got != want {
			t.Errorf("interval %d count = %d, want %d", i, got, want)
		}
		if got, want := h.StartTimeMs(), startMS+int64(prev*1000); got != want {
			t.Errorf("interval %d starts at %d ms, want %d", i, got, want)
		}
		if got, want := h.EndTimeMs(), startMS+int64(iv.ElapsedS*1000); got != want {
			t.Errorf("interval %d ends at %d ms, want %d", i, got, want)
		}
		prev = iv.ElapsedS
		merged.Merge(h)
	}
	if h, err := rd.NextIntervalHistogram(); err != nil || h != nil {
		t.Errorf("after the last interval: %v, %v; want nil, nil", h, err)
	}
	f := r.LatencyUS.Fanout
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"count", merged.TotalCount(), f.Count},
		{"p50", merged.ValueAtQuantile(50), f.P50},
		{"p99", merged.ValueAtQuantile(99), f.P99},
		{"p99.9", merged.ValueAtQuantile(99.9), f.P999},
		{"max", merged.Max(), f.Max},
	} {
		if c.got != c.want {
			t.Errorf("merged log %s = %d, want the run's %d", c.name, c.got, c.want)
		}
	}
}

func TestHLog_needsIntervalHistograms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*result.Report)
		want string
	}{
		{"no intervals", func(r *result.Report) { r.Intervals = nil }, "no intervals"},
		{"older result", func(r *result.Report) { r.Intervals[2].FanoutHDR = "" }, "older ssebench"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleRun(t, "", 10)
			tt.edit(r)
			if err := HLog(&bytes.Buffer{}, r); !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("HLog = %v, want ErrNoData containing %q", err, tt.want)
			}
		})
	}
}

// TestHLogWriter_emptyInterval logs an interval without a histogram as an
// empty one, so a live log has no holes in its timeline.
func TestHLogWriter_emptyInterval(t *testing.T) {
	t.Parallel()
	r := sampleRun(t, "", 10)
	var buf bytes.Buffer
	hw, err := NewHLogWriter(&buf, r.Started)
	if err != nil {
		t.Fatal(err)
	}
	if err := hw.Write(result.Interval{ElapsedS: 0.5}); err != nil {
		t.Fatal(err)
	}
	h, err := hdrhistogram.NewHistogramLogReader(&buf).NextIntervalHistogram()
	if err != nil || h == nil {
		t.Fatalf("read back: %v, %v", h, err)
	}
	if h.TotalCount() != 0 || h.EndTimeMs()-h.StartTimeMs() != 500 {
		t.Errorf("got count %d over %d ms, want 0 over 500 ms", h.TotalCount(), h.EndTimeMs()-h.StartTimeMs())
	}
}
