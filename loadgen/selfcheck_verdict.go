package loadgen

import (
	"fmt"
	"strings"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// Self-check signals, as result.SelfCheck.Signal names them, and causes.
const (
	signalCPU           = "cpu"
	signalSchedLatency  = "sched_latency"
	signalProcessingLag = "processing_lag"
	signalTickLateness  = "tick_lateness"
	signalWakeupLag     = "wakeup_lag"

	causeLoadGenerator = "load_generator"
	causeHost          = "host"
)

// saturation decides r.Saturated, r.Signal, r.Cause and r.Reason from r's
// figures and o's thresholds, and returns the warning to give, "" when not
// saturated.
//
// CPU decides first: a process that used what it may is saturated, whatever
// else happened. Otherwise the delay signals decide, the most direct first:
// the scheduler's own latency histogram, then how late events were
// recorded after their read, the schedule clock's lateness and the lag
// probe. A delay with CPU to spare is blamed on the host when other
// processes and steal took a large share of the cores this process may use,
// else on the load generator (bursts that queue its goroutines, GC).
func saturation(r *result.SelfCheck, o SelfCheckOptions, embedded bool) string {
	cpuMax, lagMax := o.SaturationCPU, o.SaturationLag
	if cpuMax == 0 {
		cpuMax = DefaultSaturationCPU
	}
	if lagMax == 0 {
		lagMax = DefaultSaturationLag
	}
	type tripped struct{ signal, why string }
	var trips []tripped
	if limit := cpuMax * 100 * float64(r.Cores); r.CPUPercent > limit {
		trips = append(trips, tripped{signalCPU, fmt.Sprintf("it used %.0f%% CPU of the %d%% its %d cores allow (threshold %.0f%%)",
			r.CPUPercent, 100*r.Cores, r.Cores, limit)})
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	for _, d := range []struct {
		signal string
		v      int64
		what   string
	}{
		{signalSchedLatency, r.SchedLatencyP99US, "its runnable goroutines waited %s for a CPU at p99 (threshold %s)"},
		{signalProcessingLag, r.ProcessingLagP99US, "events were recorded %s after they were read at p99 (threshold %s)"},
		{signalTickLateness, r.TickLateP99US, "its schedule clock ticked %s late at p99 (threshold %s)"},
		{signalWakeupLag, r.ReaderLagUS, "its goroutines woke up %s late at p99 (threshold %s)"},
	} {
		if lag := us(d.v); lag > lagMax {
			trips = append(trips, tripped{d.signal, fmt.Sprintf(d.what, lag.Round(100*time.Microsecond), lagMax)})
		}
	}
	r.Saturated = len(trips) > 0
	if !r.Saturated {
		r.Signal, r.Cause, r.Reason = "", "", ""
		return ""
	}
	why := make([]string, len(trips))
	for i, t := range trips {
		why[i] = t.why
	}
	r.Signal, r.Reason = trips[0].signal, strings.Join(why, "; ")
	r.Cause = causeLoadGenerator
	if r.Signal != signalCPU && r.HostBusyPercent+r.StealPercent >= hostBusyShare*100*float64(max(r.Cores, 1)) {
		r.Cause = causeHost
	}
	if r.LateEvents > 0 {
		r.Reason += fmt.Sprintf("; %d events were recorded after their interval was closed", r.LateEvents)
	}
	switch {
	case r.Cause == causeHost:
		return fmt.Sprintf("the host was too busy for the load generator: %s, while other processes used %.0f%% and the hypervisor took %.0f%% (steal) of a core on the cores it may use."+
			" The numbers describe the host, not the server; run on a quieter machine or on cores of its own (taskset, cgroups)",
			r.Reason, r.HostBusyPercent, r.StealPercent)
	case embedded:
		return "this process was saturated: " + r.Reason +
			". It ran both the embedded reference server and the load generator, so the numbers describe this process, not a server;" +
			" run the server on its own (ssebench serve) and shard the load over more processes or machines"
	}
	return "the load generator was saturated: " + r.Reason +
		". The numbers describe the client, not the server; shard the load over more processes or machines"
}
