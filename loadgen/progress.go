package loadgen

import (
	"time"

	"github.com/ssebench/ssebench/reports"
)

// Progress is a live view of a run, passed to Config.Progress after every
// interval and once more at the end of the steady state.
type Progress struct {
	// Interval holds the counts and latencies of the last interval.
	reports.Interval
	// Requested is the number of subscribers the run opens.
	Requested int
	// Steady is true once the ramp is over.
	Steady bool
	// SteadyElapsed is how long the steady state has lasted so far.
	SteadyElapsed time.Duration
	// Duration is how long the steady state lasts in total.
	Duration time.Duration
}
