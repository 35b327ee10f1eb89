package loadgen

import (
	"bufio"
	"context"
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
	cfg.tmpl = cfg.template() // parsed once for every subscriber's URL

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

	// The active source takes part in the run (active.go): in publisher
	// mode ssebench publishes the events itself, in the steady state only,
	// and is their latency source (package publish). Without one its hooks
	// do nothing.
	act, err := newActiveSource(&cfg)
	if err != nil {
		return nil, err
	}
	cfg.active = act

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
		holdGrace:  act.HeaderHold(),
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
			act.Steady(ctx, on, now)
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
	// outside the steady state (ramp-down), except when the active source
	// drains: the drain is for the events published in the steady state.
	end := res.End
	if res.Open && !act.Drains() {
		pl.record(phaseRampDown, end)
	}
	pl.end(end)
	sc.window(false, end)
	// The publisher stops publishing and keeps the streams open (at most
	// PublishDrain) for the events still in flight.
	act.Finish(ctx, end)
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

	// One place builds the report from what each part returns (report.go).
	b := reportBuilder{cfg: &cfg, start: start, end: end, interrupted: interrupted,
		agg: agg, transport: eng.stats(), active: act,
		self: self, saturated: saturated, heldHeaders: res.HeldHeaders}
	rep, err := b.build()
	if err != nil {
		return nil, err
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
