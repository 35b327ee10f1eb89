package loadgen

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// aggSummary is the aggregator's part of the report: the steady state's
// counts and distributions, the ramp's, and the figures the report's
// warnings are judged by. reportBuilder puts it in the Report.
type aggSummary struct {
	// durationS is the steady state's length, s.
	durationS   float64
	subscribers result.Subscribers // Connected, Failed, Dropped, Reconnects
	events      result.Events      // without the id scheme (idsSummary)
	latency     result.Latencies
	perSub      result.Latency
	ramp        *result.Phase
	errs        map[string]int64
	samples     map[string]string
	intervals   []result.Interval

	// For the warnings: steady-state events with no readable stamp,
	// latencies out of range, and whether a steady state happened.
	noStamp    bool
	outOfRange uint64
	steady     bool
}

// summary returns the aggregator's totals for a run that began at a.start
// and whose steady state ended at end. Call it after the last collect and
// once everConn and failed are set.
func (a *aggregator) summary(end time.Time) (aggSummary, error) {
	steady, ramp := &a.totals[phaseSteady], &a.totals[phaseRamp]
	steadyD, _ := a.steadyElapsed(end)
	s := aggSummary{
		durationS: steadyD.Seconds(),
		subscribers: result.Subscribers{
			Connected: a.everConn,
			Failed:    a.failed,
			Dropped:   a.dropped,
		},
		events: result.Events{
			Received:        steady.c.events,
			Bytes:           steady.c.bytes,
			Gaps:            steady.c.gaps,
			Duplicates:      steady.c.duplicates,
			Comments:        steady.c.comments,
			LostOnReconnect: steady.c.lost,
		},
		errs:       a.errs,
		samples:    a.samples,
		intervals:  a.series,
		noStamp:    steady.c.events > 0 && steady.fanout.TotalCount() == 0,
		outOfRange: steady.c.latencyOutOfRange,
		steady:     steadyD > 0,
	}
	if w := s.durationS; w > 0 {
		s.events.RatePerS = float64(steady.c.events) / w
		s.events.BytesPerS = float64(steady.c.bytes) / w
	}
	a.connMu.Lock()
	s.subscribers.Reconnects = a.reconnects
	a.connMu.Unlock()

	rampFanout, err := result.Summarize(ramp.fanout)
	if err != nil {
		return s, err
	}
	s.ramp = &result.Phase{
		DurationS: max(0, (end.Sub(a.start) - steadyD).Seconds()),
		Events:    ramp.c.events,
		FanoutUS:  rampFanout,
	}
	for _, f := range []struct {
		dst *result.Latency
		h   *hdrhistogram.Histogram
	}{
		{&s.latency.Fanout, steady.fanout},
		{&s.latency.Connect, a.connect},
		{&s.latency.FirstEvent, a.firstEvent},
		{&s.latency.Headers, a.headers},
		{&s.latency.Reconnect, a.reconnect},
		{&s.latency.InterEvent, a.interEvent()},
		{&s.perSub, a.perSubscriber()},
	} {
		if *f.dst, err = result.Summarize(f.h); err != nil {
			return s, err
		}
	}
	s.latency.Replayed, err = a.replay.summary()
	return s, err
}
