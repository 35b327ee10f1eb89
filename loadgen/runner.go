package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// Run opens cfg.Subscribers subscriptions, holds them through the ramp and
// cfg.Duration of steady state, and returns the report. Cancelling ctx stops
// the run early; the report then covers what was measured and is marked
// interrupted. Run returns an error only for an invalid configuration or, with
// a report, ErrNothingMeasured when no subscriber ever got a stream.
func Run(ctx context.Context, cfg Config) (*result.Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()

	// transport.go: raises RLIMIT_NOFILE and fails with ErrTooManyForLimits
	// before anything starts when the run cannot fit.
	eng, err := newEngine(&cfg)
	if err != nil {
		return nil, err
	}
	defer eng.close()

	start := time.Now()
	// The phase log holds the phase switches as the driver makes them; the
	// aggregator books every measurement against it by receive time.
	pl := newPhaseLog(start)
	agg := newAggregator(cfg.Subscribers, start, cfg.Interval, pl)
	agg.slowDown = cfg.slowCollect

	// Publisher mode: ssebench publishes the events itself, in the steady
	// state only, and is their latency source (publisher.go).
	pub, err := newPublisher(&cfg)
	if err != nil {
		return nil, err
	}
	if pub != nil {
		cfg.Latency = pub
	}
	var holdGrace time.Duration
	if pub != nil {
		holdGrace = headerHoldGrace // some servers answer only once there is an event
	}

	// subCtx ends every stream; it is cancelled when the schedule ends or
	// the caller cancels ctx.
	subCtx, stopSubs := context.WithCancel(ctx)
	defer stopSubs()

	var dump *bufio.Writer // nil without --dump
	if cfg.Dump != nil {
		dump = bufio.NewWriter(cfg.Dump)
	}

	// The driver opens and closes subscriber slots as the schedule says and
	// marks the steady-state windows (schedule_driver.go). It never waits
	// for the aggregator: a phase switch is one append to the phase log,
	// so the run's clock is the driver's own.
	sc := newSelfCheck(start)
	subs := newSlots(subCtx, &cfg, eng, agg, dump)
	sched, maxSteady := cfg.schedule()
	var drv *driver
	heldN := int64(0) // the target of the open steady window
	drv = &driver{
		sched:      sched,
		maxSteady:  maxSteady,
		start:      subs.start,
		stop:       subs.stop,
		pending:    subs.pending.Load,
		answeredAt: subs.answeredAt,
		mark:       pl.mark,
		unsent:     subs.unsent.Load,
		allFailed:  subs.allFailed,
		failed:     subs.streamless.Load,
		holdGrace:  holdGrace,
		steady: func(on bool, now time.Time) {
			p := phaseRamp
			switch n := drv.target.Load(); {
			case on:
				p, heldN = phaseSteady, n
			case n < heldN:
				p = phaseRampDown
			}
			pl.record(p, now)
			sc.window(on, now)
			if pub != nil {
				pub.steady(ctx, on, now)
			}
		},
	}

	// Every interval of the series, phase changes and the end included, goes
	// to Progress, so a live log matches the result's intervals.
	if cfg.Progress != nil {
		agg.onTick = func(iv result.Interval, now time.Time) {
			cfg.Progress(progressAt(&cfg, agg, drv, iv, start))
		}
	}
	// The aggregator's goroutine books what the subscribers record and
	// emits the intervals of the time series as they become final.
	aggDone := make(chan struct{})
	stopAgg := make(chan struct{})
	go func() {
		defer close(aggDone)
		agg.run(stopAgg)
	}()

	// Ramp, steady state and stages: the driver runs the schedule until it
	// is done, the steady state has lasted cfg.Duration, or ctx ends.
	// Per-connection failures are recorded by the subscribers, never
	// returned, so one refused connection does not stop the others.
	res := drv.run(ctx, start)
	interrupted := res.Interrupted
	// end is the drive's own: when the steady state had lasted
	// cfg.Duration, even if the driver noticed late. What arrives later is
	// outside the steady state (ramp-down), except in publisher mode,
	// where the drain is for the events published in the steady state.
	end := res.End
	if res.Open && pub == nil {
		pl.record(phaseRampDown, end)
	}
	pl.end(end)
	sc.window(false, end)
	if pub != nil {
		// Stop publishing; keep the streams open (at most PublishDrain)
		// for the events still in flight.
		pub.finish(ctx, end)
	}
	stopSubs()
	subs.wait()
	close(stopAgg)
	<-aggDone
	if dump != nil {
		_ = dump.Flush()
	}
	// The last intervals take in what arrived after end (events in flight,
	// the streams' last bytes and comments), in the phase the run ended in;
	// a steady window still open then counts in the duration up to end.
	agg.collect(time.Now(), true)
	agg.everConn, agg.failed = subs.tally()
	self, saturated := sc.close(end, usableCores(), cfg.SelfCheckOptions, cfg.Embedded, runSignals{
		procLag:  agg.signalLag(),
		tickLate: drv.lateness(),
		late:     agg.late,
	})

	rep, err := buildReport(&cfg, agg, start, end, interrupted)
	if err != nil {
		return nil, err
	}
	fillTransport(rep, eng) // transport_stats.go: rep.Transport, protocol-mismatch warning
	rep.SelfCheck = self
	if saturated != "" {
		rep.Warn(result.WarnSaturated, saturated)
	}
	if res.HeldHeaders > 0 {
		rep.Warn(result.WarnHeadersHeld, fmt.Sprintf("publishing began with %d subscribers still waiting for response headers, %s after every request was out with no answer: the server held its response headers until its first event; their connect time includes that wait",
			res.HeldHeaders, headerHoldGrace))
	}
	if rep.Subscribers.Connected == 0 {
		return rep, ErrNothingMeasured
	}
	return rep, nil
}

// usableCores is how many cores the process may use at once: GOMAXPROCS,
// or fewer when the affinity mask allows fewer.
func usableCores() int {
	return min(runtime.GOMAXPROCS(0), runtime.NumCPU())
}

// buildReport turns the aggregator's totals into the canonical result.
func buildReport(cfg *Config, agg *aggregator, start, end time.Time, interrupted bool) (*result.Report, error) {
	conf, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("loadgen: echo config: %w", err)
	}
	steady := agg.totals[phaseSteady]
	steadyD, _ := agg.steadyElapsed(end)
	window := steadyD.Seconds()
	rep := &result.Report{
		Schema:      result.Schema,
		Tool:        cfg.Tool,
		Target:      cfg.URL,
		Embedded:    cfg.Embedded,
		Protocol:    cfg.Protocol,
		Started:     start,
		DurationS:   window,
		Interrupted: interrupted,
		Config:      conf,
		Transport:   result.Transport{},
		Subscribers: result.Subscribers{
			Requested: cfg.Subscribers,
			Connected: agg.everConn,
			Failed:    agg.failed,
			Dropped:   agg.dropped,
		},
		Events: result.Events{
			Received:   steady.c.events,
			Bytes:      steady.c.bytes,
			Gaps:       steady.c.gaps,
			Duplicates: steady.c.duplicates,
			Comments:   steady.c.comments,
		},
		Errors:       agg.errs,
		ErrorSamples: agg.samples,
		Warnings:     []string{},
		Intervals:    agg.series,
	}
	if window > 0 {
		rep.Events.RatePerS = float64(steady.c.events) / window
		rep.Events.BytesPerS = float64(steady.c.bytes) / window
	}
	if rep.LatencyUS.Fanout, err = result.Summarize(steady.fanout); err != nil {
		return nil, err
	}
	if rep.LatencyUS.Connect, err = result.Summarize(agg.connect); err != nil {
		return nil, err
	}
	if rep.LatencyUS.FirstEvent, err = result.Summarize(agg.firstEvent); err != nil {
		return nil, err
	}
	if cfg.Latency != nil {
		rep.LatencySource = cfg.Latency.Name()
	}
	addWarnings(cfg, agg, rep)
	if p, ok := cfg.Latency.(*publisher); ok {
		if err := p.fill(rep); err != nil {
			return nil, err
		}
	}
	if err := agg.fillShape(cfg, rep, end.Sub(start)); err != nil {
		return nil, err
	}
	if err := fillIDs(rep, agg); err != nil { // report_ids.go
		return nil, err
	}
	return rep, nil
}

// addWarnings adds what makes the numbers incomplete or less trustworthy.
func addWarnings(cfg *Config, agg *aggregator, rep *result.Report) {
	steady := agg.totals[phaseSteady]
	if rep.Interrupted {
		rep.Warn(result.WarnInterrupted, fmt.Sprintf("the run was interrupted after %.1fs of steady state; figures cover only that", rep.DurationS))
	}
	if cfg.Latency == nil {
		rep.Warn(result.WarnNoLatencySource, "fan-out latency was not measured: no latency source for this target")
	} else if steady.c.events > 0 && steady.fanout.TotalCount() == 0 {
		rep.Warn(result.WarnNoStamp, "fan-out latency was not measured: no event carried a publish time the latency source could read")
	}
	if n := steady.c.latencyOutOfRange; n > 0 {
		rep.Warn(result.WarnLatencyOutOfRange, fmt.Sprintf("%d events had a publish time in the future or over an hour old (clock skew between hosts?); their latency was not recorded", n))
	}
	if rep.Subscribers.Failed > 0 {
		rep.Warn(result.WarnSubscribersFailed, fmt.Sprintf("%d of %d subscribers never got a stream; see errors", rep.Subscribers.Failed, rep.Subscribers.Requested))
	}
	if cfg.Embedded {
		rep.Warn(result.WarnEmbeddedServer, "the embedded reference server ran in this process: client and server shared the CPU, so the figures describe both")
	}
}
