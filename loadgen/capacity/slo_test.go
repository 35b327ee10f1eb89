package capacity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen/capacity"
	"github.com/ssebench/ssebench/reports/result"
)

func TestParseSLO_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"", "no objective"},
		{" , ", "no objective"},
		{"fanout.p99", "missing operator"},
		{"fanout.p99<100", "is a time"},
		{"errors.rate<2s", "does not fit"},
		{"fanout-p99<1s", "unknown metric"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := capacity.ParseSLO(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseSLO(%q) = %v, want an error containing %q", tt.in, err, tt.want)
			}
		})
	}
	// Every problem at once.
	_, err := capacity.ParseSLO("a.b<1,fanout.p99<100")
	if err == nil || strings.Count(err.Error(), "--slo") != 2 {
		t.Errorf("ParseSLO(two bad) = %v, want both reported", err)
	}
	// The defaults parse.
	for _, s := range []string{capacity.DefaultSLO, capacity.DefaultSLOPublisher} {
		if objs, err := capacity.ParseSLO(s); err != nil || len(objs) != 3 {
			t.Errorf("ParseSLO(%q) = %d objectives, %v; want 3", s, len(objs), err)
		}
	}
}

// TestObjective_Check checks the adapter over the threshold engine: pass,
// fail, and a metric the step did not measure, which fails.
func TestObjective_Check(t *testing.T) {
	t.Parallel()
	ratio := 0.9995
	rep := &result.Report{
		DurationS:     10,
		LatencySource: "reference",
		Subscribers:   result.Subscribers{Requested: 1000, Connected: 998, Failed: 2},
		Events:        result.Events{Received: 99_900, Gaps: 100, RatePerS: 9990},
		Errors:        map[string]int64{"status": 2},
		LatencyUS:     result.Latencies{Fanout: result.Latency{Count: 99_900, P50: 2_000, P99: 87_300, Max: 250_000}},
	}
	withRatio := *rep
	withRatio.DeliveryRatio = &ratio
	tests := []struct {
		slo      string
		r        *result.Report
		pass     bool
		measured string
		noData   bool
	}{
		{"fanout.p99<100ms", rep, true, "87.3ms", false},
		{"fanout.p99<50ms", rep, false, "87.3ms", false},
		{"errors.rate<0.1%", rep, false, "0.2%", false},
		{"errors.rate<=0.2%", rep, true, "0.2%", false},
		{"events.loss_ratio<0.2%", rep, true, "0.1%", false},
		{"delivery_ratio>99.9%", &withRatio, true, "99.95%", false},
		{"delivery_ratio>99.9%", rep, false, "not measured", true}, // needs publisher mode
		{"subscribers.connected>=998", rep, true, "998", false},
		{"publish.p99<1s", rep, false, "not measured", true},
	}
	for _, tt := range tests {
		t.Run(tt.slo, func(t *testing.T) {
			t.Parallel()
			objs, err := capacity.ParseSLO(tt.slo)
			if err != nil {
				t.Fatal(err)
			}
			got := objs[0].Check(tt.r)
			if got.Objective != tt.slo || got.Pass != tt.pass || got.Measured != tt.measured || got.NoData != tt.noData {
				t.Errorf("Check = %+v, want pass %t, measured %q, no data %t", got, tt.pass, tt.measured, tt.noData)
			}
		})
	}
}

func TestKnee(t *testing.T) {
	t.Parallel()
	step := func(load float64, p99ms float64) result.LimitStep {
		return result.LimitStep{Load: load, FanoutCount: 100, FanoutP99US: int64(p99ms * 1000)}
	}
	tests := []struct {
		name      string
		steps     []result.LimitStep
		wantLoad  float64 // 0: no knee
		wantAfter float64
	}{
		{"climbs at 800", []result.LimitStep{step(100, 2), step(200, 2.2), step(400, 3), step(800, 9), step(1600, 40)}, 800, 400},
		{"never doubles", []result.LimitStep{step(100, 2), step(200, 2.5), step(400, 3.9)}, 0, 0},
		{"sub-millisecond jitter is no knee", []result.LimitStep{step(100, 0.2), step(200, 0.5), step(400, 0.9)}, 0, 0},
		{"bisect steps sorted in", []result.LimitStep{step(100, 2), step(800, 30), step(400, 3), step(600, 5)}, 600, 400},
		{"one noisy step is no knee", []result.LimitStep{step(100, 2), step(200, 5.2), step(400, 3.8), step(800, 9)}, 800, 400},
		{"back down at the top", []result.LimitStep{step(100, 2), step(200, 5.2), step(400, 3.8)}, 0, 0},
		{"one step", []result.LimitStep{step(100, 2)}, 0, 0},
		{"client-limited steps left out", []result.LimitStep{step(100, 2), {Load: 200, FanoutCount: 1, FanoutP99US: 90_000, ClientLimited: true}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := capacity.Knee(tt.steps, 2, time.Millisecond)
			switch {
			case tt.wantLoad == 0 && k != nil:
				t.Errorf("Knee = %+v, want none", k)
			case tt.wantLoad != 0 && k == nil:
				t.Errorf("Knee = nil, want at %g", tt.wantLoad)
			case k != nil && (k.Load != tt.wantLoad || k.Before != tt.wantAfter || k.BaselineLoad != 100):
				t.Errorf("Knee = %+v, want load %g after %g, baseline 100", k, tt.wantLoad, tt.wantAfter)
			}
		})
	}
}
