package loadgen

import (
	"fmt"
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
	// DefaultSaturationLag is the p99 delay above which the process is
	// saturated, for each delay signal (scheduler latency, processing lag,
	// clock lateness, wake-up lag). An idle process wakes within ~0.1 ms;
	// a delay of 20 ms is as large as the fan-out latencies users gate
	// releases on, so every such figure would mostly be the client's own.
	DefaultSaturationLag = 20 * time.Millisecond
)

// hostBusyShare is the share of the allowed cores' time that other
// processes and steal must take for a delay to be blamed on the host.
const hostBusyShare = 0.3

// lagProbeStep is how long the lag probe sleeps between wake-ups.
const lagProbeStep = 10 * time.Millisecond

// SelfCheckOptions set when the load generator judges itself saturated.
// They exist for tests and scenario files; there are no flags for them.
type SelfCheckOptions struct {
	// SaturationCPU is the share (0..1] of GOMAXPROCS cores above which the
	// process counts as saturated. 0 means DefaultSaturationCPU.
	SaturationCPU float64 `json:"saturation_cpu,omitempty"`
	// SaturationLag is the p99 delay above which the process counts as
	// saturated. 0 means DefaultSaturationLag.
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

// usage is a reading of what the process and its cores have used so far.
type usage struct {
	cpu   time.Duration // process CPU (user + system)
	sched []uint64      // /sched/latencies:seconds bucket counts
	host  hostStat      // the allowed cores' time, from /proc/stat
}

// selfCheck measures how busy the load generator is over the steady state:
// its own CPU time, the Go scheduler's latency histogram and the host's
// use of the cores it may run on are read at each steady window's start and
// end; a lag probe (a goroutine that sleeps lagProbeStep in a loop) records
// how late it wakes. The runner adds the aggregator's processing lag and
// the driver's clock lateness at close.
type selfCheck struct {
	mu      sync.Mutex
	start   time.Time
	run0    usage         // at run start
	win0    usage         // at the open window's start
	winAt   time.Time     // start of the open steady window; zero outside
	cpu     time.Duration // over the closed steady windows
	sched   []uint64
	host    hostStat
	wall    time.Duration // length of the closed steady windows
	buckets []float64     // of the scheduler latency histogram
	lag     [phaseCount]*hdrhistogram.Histogram
	stop    chan struct{}
	done    chan struct{}
}

// readUsage reads the process's and host's counters now.
func readUsage() usage {
	return usage{cpu: processCPU(), sched: schedLatencies(nil), host: readHostStat()}
}

// newSelfCheck starts the lag probe. Call close when the run ends.
func newSelfCheck(start time.Time) *selfCheck {
	sc := &selfCheck{start: start, run0: readUsage(), buckets: schedBuckets(), stop: make(chan struct{}), done: make(chan struct{})}
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
	u := readUsage()
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if on && sc.winAt.IsZero() {
		sc.winAt, sc.win0 = now, u
	} else if !on && !sc.winAt.IsZero() {
		sc.cpu += u.cpu - sc.win0.cpu
		sc.sched = addDiff(sc.sched, u.sched, sc.win0.sched)
		sc.host = sc.host.add(u.host.sub(sc.win0.host))
		sc.wall += now.Sub(sc.winAt)
		sc.winAt = time.Time{}
	}
}

// runSignals are the self-check signals measured outside selfCheck, over
// the steady state (or the whole run when it had none).
type runSignals struct {
	procLag  *hdrhistogram.Histogram // record time − read time, µs
	tickLate *hdrhistogram.Histogram // the driver's clock lateness, µs
	late     uint64                  // events booked after their interval was final
}

// close stops the probe and returns the self-check over the steady state,
// or over the whole run when there was no steady state (a run interrupted
// during its ramp). cores is what the process may use; embedded tells
// whether the server shared the process. The string is the warning to
// give, "" when not saturated.
func (sc *selfCheck) close(now time.Time, cores int, o SelfCheckOptions, embedded bool, rs runSignals) (result.SelfCheck, string) {
	close(sc.stop)
	<-sc.done
	sc.window(false, now)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	cpu, wall, lag, sched, host := sc.cpu, sc.wall, sc.lag[phaseSteady], sc.sched, sc.host
	if wall <= 0 {
		u := readUsage()
		cpu, wall = u.cpu-sc.run0.cpu, now.Sub(sc.start)
		sched, host = addDiff(nil, u.sched, sc.run0.sched), u.host.sub(sc.run0.host)
		lag.Merge(sc.lag[phaseRamp])
	}
	r := result.SelfCheck{
		Cores:              cores,
		ReaderLagUS:        lag.ValueAtQuantile(99),
		SchedLatencyP99US:  schedQuantile(sched, sc.buckets, 0.99).Microseconds(),
		ProcessingLagP99US: quantileOf(rs.procLag, 99),
		TickLateP99US:      quantileOf(rs.tickLate, 99),
		LateEvents:         rs.late,
	}
	if wall > 0 {
		r.CPUPercent = 100 * cpu.Seconds() / wall.Seconds()
	}
	r.HostBusyPercent, r.StealPercent = host.shares(cpu, wall)
	msg := saturation(&r, o, embedded)
	return r, msg
}

// quantileOf returns h's q-th percentile, 0 for no histogram.
func quantileOf(h *hdrhistogram.Histogram, q float64) int64 {
	if h == nil {
		return 0
	}
	return h.ValueAtQuantile(q)
}
