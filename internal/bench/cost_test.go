package bench

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports/result"
)

// TestCostMeter meters a helper that burns a known 300 ms of CPU between
// two steady-state progress reports, and checks the figures derived from
// it: CPU share of the window, µs per event, KiB per subscriber.
func TestCostMeter(t *testing.T) {
	t.Parallel()
	p := startHelper(t, Stop{}, nil, "tree", "300ms")
	m := newCostMeter(p.Pid(), treeSample{memKiB: 1000, pss: true})
	m.observe(loadgen.Progress{Steady: false})
	m.observe(loadgen.Progress{Steady: true}) // the window opens
	waitOutput(t, p, "burnt")
	time.Sleep(memEvery * 2)                  // at least one memory sample
	m.observe(loadgen.Progress{Steady: true}) // the window closes
	m.observe(loadgen.Progress{Steady: false})
	rep := &result.Report{Events: result.Events{RatePerS: 1000}, Subscribers: result.Subscribers{Connected: 10}}
	c := m.finish(rep)
	if c == nil {
		t.Fatal("no cost")
	}
	window := m.t1.Sub(m.t0).Seconds()
	cpuS := c.CPUPercent / 100 * window
	// 300 ms burnt in the window, less what was burnt before it opened
	// (the grandchild starts burning at once), plus start-up, in 10 ms ticks.
	if cpuS < 0.1 || cpuS > 0.7 {
		t.Errorf("CPU in the window = %.3fs (%.1f%% of %.2fs), want most of 300ms", cpuS, c.CPUPercent, window)
	}
	if want := c.CPUPercent / 100 * 1e6 / 1000; math.Abs(c.CPUUSPerEvent-want) > 1e-9 {
		t.Errorf("CPUUSPerEvent = %g, want %g (cores × 1e6 ÷ events/s)", c.CPUUSPerEvent, want)
	}
	if c.Samples < 2 || c.MemMeanKiB <= 0 || c.MemPeakKiB < c.MemMeanKiB || c.MemIdleKiB != 1000 || c.Processes != 2 || c.MemMeasure != "pss" {
		t.Errorf("cost = %+v", c)
	}
	if want := float64(c.MemMeanKiB-1000) / 10; c.KiBPerSubscriber != want {
		t.Errorf("KiBPerSubscriber = %g, want %g", c.KiBPerSubscriber, want)
	}
}

// TestCostMeter_tooShort: a steady state with fewer than two progress
// reports cannot be metered, and says so with nil.
func TestCostMeter_tooShort(t *testing.T) {
	t.Parallel()
	m := newCostMeter(os.Getpid(), treeSample{})
	m.observe(loadgen.Progress{Steady: true})
	if c := m.finish(&result.Report{}); c != nil {
		t.Errorf("cost = %+v, want nil", c)
	}
}
