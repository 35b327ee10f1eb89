package loadgen

import (
	"fmt"
	"strings"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// Self-check thresholds: beyond either, the load generator counts itself as
// the bottleneck and the report says so.
const (
	// DefaultSaturationCPU is the share of the cores the process may use
	// (GOMAXPROCS) above which it is saturated. Past ~90% the Go scheduler
	// has no slack left, so readers queue behind each other and measured
	// latencies grow with the client's backlog, not the server's.
	DefaultSaturationCPU = 0.9
	// DefaultSaturationLag is the p99 scheduling lag above which the
	// process is saturated. An idle process wakes within ~0.1 ms; a lag of
	// 20 ms is as large as the fan-out latencies users gate releases on, so
	// every such figure would mostly be the client's own delay.
	DefaultSaturationLag = 20 * time.Millisecond
)

// lagProbeStep is how long the lag probe sleeps between wake-ups.
const lagProbeStep = 10 * time.Millisecond

// SelfCheckOptions set when the load generator judges itself saturated.
// They exist for tests and scenario files; there are no flags for them.
type SelfCheckOptions struct {
	// SaturationCPU is the share (0..1] of GOMAXPROCS cores above which the
	// process counts as saturated. 0 means DefaultSaturationCPU.
	SaturationCPU float64 `json:"saturation_cpu,omitempty"`
	// SaturationLag is the p99 scheduling lag above which the process counts
	// as saturated. 0 means DefaultSaturationLag.
	SaturationLag time.Duration `json:"saturation_lag,omitempty"`
}

// validate lists the problems with o.
func (o *SelfCheckOptions) validate() []error {
	var errs []error
	if o.SaturationCPU < 0 || o.SaturationCPU > 1 {
		errs = append(errs, fmt.Errorf("saturation_cpu must be in [0, 1], got %g", o.SaturationCPU))
	}
	if o.SaturationLag < 0 {
		errs = append(errs, fmt.Errorf("saturation_lag must be >= 0, got %s", o.SaturationLag))
	}
	return errs
}

// selfCheck samples the process's own CPU time over the steady state and
// runs a lag probe: a goroutine that sleeps lagProbeStep in a loop and
// records how late it wakes. When every core is busy with readers, the probe
// waits in the run queue like they do, so its lateness is how far the
// readers fall behind what arrives.
type selfCheck struct {
	mu     sync.Mutex
	start  time.Time     // run start
	cpu0   time.Duration // process CPU at run start
	cpu    time.Duration // CPU over the closed steady windows
	wall   time.Duration // length of the closed steady windows
	winCPU time.Duration // CPU at the start of the open steady window
	winAt  time.Time     // start of the open steady window; zero outside
	lag    [phaseCount]*hdrhistogram.Histogram
	stop   chan struct{}
	done   chan struct{}
}

// newSelfCheck starts the lag probe. Call close when the run ends.
func newSelfCheck(start time.Time) *selfCheck {
	sc := &selfCheck{start: start, cpu0: processCPU(), stop: make(chan struct{}), done: make(chan struct{})}
	for i := range sc.lag {
		sc.lag[i] = result.NewLatencyHistogram()
	}
	go sc.probe()
	return sc
}

// probe records how late each wake-up is, into the current phase.
func (sc *selfCheck) probe() {
	defer close(sc.done)
	t := time.NewTimer(lagProbeStep)
	defer t.Stop()
	for {
		due := time.Now().Add(lagProbeStep)
		t.Reset(lagProbeStep)
		select {
		case <-sc.stop:
			return
		case <-t.C:
			late := time.Since(due).Microseconds()
			sc.mu.Lock()
			phase := phaseRamp
			if !sc.winAt.IsZero() {
				phase = phaseSteady
			}
			if latencyInRange(late) {
				_ = sc.lag[phase].RecordValue(late)
			}
			sc.mu.Unlock()
		}
	}
}

// window opens (on) or closes a steady-state window at now.
func (sc *selfCheck) window(on bool, now time.Time) {
	cpu := processCPU()
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if on && sc.winAt.IsZero() {
		sc.winAt, sc.winCPU = now, cpu
	} else if !on && !sc.winAt.IsZero() {
		sc.cpu += cpu - sc.winCPU
		sc.wall += now.Sub(sc.winAt)
		sc.winAt = time.Time{}
	}
}

// close stops the probe and returns the self-check over the steady state,
// or over the whole run when there was no steady state (a run interrupted
// during its ramp). cores is GOMAXPROCS; embedded tells whether the server
// shared the process. The string is the warning to give, "" when not
// saturated.
func (sc *selfCheck) close(now time.Time, cores int, o SelfCheckOptions, embedded bool) (result.SelfCheck, string) {
	close(sc.stop)
	<-sc.done
	sc.window(false, now)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	cpu, wall, lag := sc.cpu, sc.wall, sc.lag[phaseSteady]
	if wall <= 0 {
		cpu, wall = processCPU()-sc.cpu0, now.Sub(sc.start)
		lag.Merge(sc.lag[phaseRamp])
	}
	r := result.SelfCheck{Cores: cores, ReaderLagUS: lag.ValueAtQuantile(99)}
	if wall > 0 {
		r.CPUPercent = 100 * cpu.Seconds() / wall.Seconds()
	}
	msg := saturation(&r, o, embedded)
	return r, msg
}

// saturation sets r.Saturated from r's figures and o's thresholds and
// returns the warning to give, "" when not saturated.
func saturation(r *result.SelfCheck, o SelfCheckOptions, embedded bool) string {
	cpuMax, lagMax := o.SaturationCPU, o.SaturationLag
	if cpuMax == 0 {
		cpuMax = DefaultSaturationCPU
	}
	if lagMax == 0 {
		lagMax = DefaultSaturationLag
	}
	var why []string
	if limit := cpuMax * 100 * float64(r.Cores); r.CPUPercent > limit {
		why = append(why, fmt.Sprintf("it used %.0f%% CPU of the %d%% its %d cores allow (threshold %.0f%%)",
			r.CPUPercent, 100*r.Cores, r.Cores, limit))
	}
	if lag := time.Duration(r.ReaderLagUS) * time.Microsecond; lag > lagMax {
		why = append(why, fmt.Sprintf("its goroutines woke up %s late at p99 (threshold %s)", lag.Round(100*time.Microsecond), lagMax))
	}
	r.Saturated = len(why) > 0
	if !r.Saturated {
		return ""
	}
	if embedded {
		return "this process was saturated: " + strings.Join(why, "; ") +
			". It ran both the embedded reference server and the load generator, so the numbers describe this process, not a server;" +
			" run the server on its own (ssebench serve) and shard the load over more processes or machines"
	}
	return "the load generator was saturated: " + strings.Join(why, "; ") +
		". The numbers describe the client, not the server; shard the load over more processes or machines"
}
