package loadgen

import (
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// fillShape fills the report's figures about the load's shape and
// reconnections: the ramp (everything outside the steady state over a run of
// runLen), reconnects and the events they lost, the per-subscriber, headers,
// inter-event and reconnect distributions, and the warnings they call for.
// Call it after the last collect.
func (a *aggregator) fillShape(cfg *Config, rep *result.Report, runLen time.Duration) error {
	steady, ramp := &a.totals[phaseSteady], &a.totals[phaseRamp]
	steadyD, _ := a.steadyElapsed(a.start.Add(runLen))
	fanout, err := result.Summarize(ramp.fanout)
	if err != nil {
		return err
	}
	rep.Ramp = &result.Phase{
		DurationS: max(0, (runLen - steadyD).Seconds()),
		Events:    ramp.c.events,
		FanoutUS:  fanout,
	}
	rep.Events.LostOnReconnect = steady.c.lost
	a.connMu.Lock()
	rep.Subscribers.Reconnects = a.reconnects
	a.connMu.Unlock()
	for _, f := range []struct {
		dst *result.Latency
		h   *hdrhistogram.Histogram
	}{
		{&rep.LatencyUS.Headers, a.headers},
		{&rep.LatencyUS.Reconnect, a.reconnect},
		{&rep.LatencyUS.InterEvent, a.interEvent()},
		{&rep.PerSubscriberEvents, a.perSubscriber()},
	} {
		if *f.dst, err = result.Summarize(f.h); err != nil {
			return err
		}
	}

	if steadyD == 0 && !rep.Interrupted {
		rep.Warn(result.WarnNoSteadyState, "the run had no steady state (no hold above 0 subscribers once every subscriber had an answer): the headline figures are empty; see ramp")
	}
	if n := rep.Subscribers.Dropped; n > 0 {
		why := "no reconnection succeeded before the end"
		if cfg.NoReconnect {
			why = "--no-reconnect was set"
		}
		rep.Warn(result.WarnSessionsDropped, fmt.Sprintf("%d subscriber sessions lost their stream and did not get it back (%s); see errors", n, why))
	}
	if n := a.errs[ClassNoContent]; n > 0 {
		rep.Warn(result.WarnServerSaidStop, fmt.Sprintf("the server answered 204 No Content %d times, telling those subscribers to stop reconnecting", n))
	}
	return nil
}
