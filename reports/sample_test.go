package reports

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// sampleRun returns a fixed report with a time series: five 1 s intervals
// and a short last one, each with its own fan-out histogram, whose values
// are multiplied by scale so that two runs differ. The interval histograms
// merge to exactly the run's fan-out histogram.
func sampleRun(tb testing.TB, label string, scale int64) *result.Report {
	tb.Helper()
	r := &result.Report{
		Schema:    result.Schema,
		Tool:      "ssebench/test",
		Label:     label,
		Target:    "http://127.0.0.1:8080/events",
		Protocol:  "h1",
		Started:   time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC),
		DurationS: 5,
		Config: json.RawMessage(`{"url":"http://127.0.0.1:8080/events","subscribers":100,"duration":5000000000,` +
			`"protocol":"h1","ramp":0,"header":{"Accept":"text/event-stream"},"tags":["a","b"]}`),
		LatencySource: "reference",
		Transport:     result.Transport{Negotiated: "HTTP/1.1", Connections: 100},
		Subscribers:   result.Subscribers{Requested: 100, Connected: 100, Reconnects: 2},
		Events:        result.Events{Received: 5000, Bytes: 400000, RatePerS: 1000, BytesPerS: 80000},
		Errors:        map[string]int64{"eof": 2},
		ErrorSamples:  map[string]string{"eof": "stream ended | by the server"},
		Warnings:      []string{"an example warning with a <tag> & a | pipe"},
	}
	total := result.NewLatencyHistogram()
	elapsed := []float64{1, 2, 3, 4, 5, 5.02}
	for k, e := range elapsed {
		h := result.NewLatencyHistogram()
		n := int64(1000)
		if k == len(elapsed)-1 {
			n = 40
		}
		for v := int64(1); v <= n; v++ {
			// 1..n ms spread, slower as the run goes on.
			_ = h.RecordValue(scale * (v*int64(k+1)*10 + 500) / 10)
		}
		total.Merge(h)
		iv := result.Interval{
			ElapsedS: e, Connected: 100, Events: uint64(n), Bytes: uint64(n) * 80,
			FanoutP50US: h.ValueAtQuantile(50), FanoutP99US: h.ValueAtQuantile(99),
			FanoutHDR: result.EncodeHDR(h),
		}
		dt := e
		if k > 0 {
			dt = e - elapsed[k-1]
		}
		iv.EventsPerS, iv.BytesPerS = float64(iv.Events)/dt, float64(iv.Bytes)/dt
		if k == 2 {
			iv.Errors, iv.Reconnects = 2, 2
		}
		r.Intervals = append(r.Intervals, iv)
	}
	conn := result.NewLatencyHistogram()
	for v := int64(1); v <= 100; v++ {
		_ = conn.RecordValue(scale * (200 + 3*v))
	}
	first := result.NewLatencyHistogram()
	for v := int64(1); v <= 100; v++ {
		_ = first.RecordValue(scale * (1000 + 10*v))
	}
	var err error
	if r.LatencyUS.Fanout, err = result.Summarize(total); err != nil {
		tb.Fatal(err)
	}
	if r.LatencyUS.Connect, err = result.Summarize(conn); err != nil {
		tb.Fatal(err)
	}
	if r.LatencyUS.FirstEvent, err = result.Summarize(first); err != nil {
		tb.Fatal(err)
	}
	return r
}
