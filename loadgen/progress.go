package loadgen

import (
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// Progress is a live view of a run, passed to Config.Progress after every
// interval and once more at the end of the run.
type Progress struct {
	// Interval holds the counts and latencies of the last interval,
	// Interval.Reconnects included.
	result.Interval
	// Requested is the number of subscribers the run opens at most (with
	// Stages, the highest target).
	Requested int
	// Target is how many subscribers the schedule asks for now.
	Target int
	// Stage is the 1-based stage the run is in, and Stages how many there
	// are; both 0 without Config.Stages. Stage is Stages+1 once they are over.
	Stage, Stages int
	// Steady is true when the interval lies in a steady-state window.
	Steady bool
	// SteadyElapsed is how long the steady state has lasted so far, over all
	// its windows.
	SteadyElapsed time.Duration
	// Duration is how long the steady state should last in total.
	Duration time.Duration
	// RunElapsed is the time since the run began.
	RunElapsed time.Duration
	// RunPlanned is the run's planned length when the schedule fixes it (the
	// stages' total), else 0.
	RunPlanned time.Duration
	// Reconnects is the number of successful reconnections so far.
	Reconnects int64
	// Failed is the number of subscribers so far whose session ended
	// without ever getting a stream (a first attempt is not retried).
	Failed int
}

// stageAt returns the 1-based stage of s at elapsed: len(s)+1 after the end.
func stageAt(s Stages, elapsed time.Duration) int {
	var at time.Duration
	for i, st := range s {
		at += st.Duration
		if elapsed < at {
			return i + 1
		}
	}
	return len(s) + 1
}

// progressAt builds the Progress of interval iv. It describes the run as of
// the interval's end, so a progress line and the interval agree even when
// the aggregator emits it late.
func progressAt(cfg *Config, agg *aggregator, d *driver, iv result.Interval, start time.Time) Progress {
	at := start.Add(time.Duration(iv.ElapsedS * float64(time.Second)))
	p := Progress{
		Interval:   iv,
		Requested:  cfg.Subscribers,
		Target:     int(d.target.Load()),
		Duration:   cfg.plannedSteady(),
		RunElapsed: at.Sub(start),
		Reconnects: agg.totalReconnects(),
	}
	if d.failed != nil {
		p.Failed = int(d.failed())
	}
	p.SteadyElapsed, _ = agg.steadyElapsed(at)
	p.Steady = iv.Phase == phaseName(phaseSteady)
	if len(cfg.Stages) > 0 {
		p.Stages, p.Stage = len(cfg.Stages), stageAt(cfg.Stages, p.RunElapsed)
		p.RunPlanned = cfg.Stages.Duration()
	}
	return p
}
