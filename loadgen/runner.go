package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/ssebench/ssebench/reports"
)

// Run opens cfg.Subscribers subscriptions, holds them through the ramp and
// cfg.Duration of steady state, and returns the report. Cancelling ctx stops
// the run early; the report then covers what was measured and is marked
// interrupted. Run returns an error only for an invalid configuration or, with
// a report, ErrNothingMeasured when no subscriber ever got a stream.
func Run(ctx context.Context, cfg Config) (*reports.Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()

	var op opener
	switch cfg.Protocol {
	case ProtocolH2C:
		op = newH2COpener(cfg.Connections, cfg.ConnectTimeout)
	default:
		op = &h1Opener{timeout: cfg.ConnectTimeout}
	}
	defer op.close()

	start := time.Now()
	agg := newAggregator(cfg.Subscribers, 4*runtime.GOMAXPROCS(0), start)

	// subCtx ends every stream; it is cancelled when the steady state ends or
	// the caller cancels ctx.
	subCtx, stopSubs := context.WithCancel(ctx)
	defer stopSubs()

	var dump *bufio.Writer
	if cfg.Dump != nil {
		dump = bufio.NewWriter(cfg.Dump)
	}

	report := func(iv reports.Interval, now time.Time) {
		if cfg.Progress == nil {
			return
		}
		p := Progress{Interval: iv, Requested: cfg.Subscribers, Duration: cfg.Duration}
		if since, ok := agg.steadySince(); ok {
			p.Steady, p.SteadyElapsed = true, now.Sub(since)
		}
		cfg.Progress(p)
	}
	// The ticker goroutine samples intervals for the time series and progress.
	tickDone := make(chan struct{})
	stopTicks := make(chan struct{})
	go func() {
		defer close(tickDone)
		t := time.NewTicker(cfg.Interval)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				report(agg.tick(now), now)
			case <-stopTicks:
				return
			}
		}
	}()

	// Per-connection failures are recorded, not returned, so the group
	// never cancels itself; it only tracks the subscribers' lifetimes.
	var g errgroup.Group
	dials := semaphore.NewWeighted(int64(cfg.MaxDials))
	attempted := make(chan struct{}, cfg.Subscribers)
	acquire := func() bool { return dials.Acquire(subCtx, 1) == nil }
	release := func() {
		dials.Release(1)
		attempted <- struct{}{}
	}
	for i := range cfg.Subscribers {
		s := &subscriber{id: i, cfg: &cfg, open: op, rec: agg.recs[i], agg: agg}
		if i == 0 && dump != nil {
			s.dump = dump
		}
		g.Go(func() error {
			s.run(subCtx, acquire, release)
			return nil
		})
	}

	// Ramp: wait until every subscriber has connected or failed.
	interrupted := false
	for range cfg.Subscribers {
		select {
		case <-attempted:
			continue
		case <-ctx.Done():
			interrupted = true
		}
		break
	}
	rampEnd := time.Now()
	agg.setPhase(phaseSteady, rampEnd)

	// Steady state.
	if !interrupted {
		t := time.NewTimer(cfg.Duration)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			interrupted = true
		}
	}
	end := time.Now()
	close(stopTicks)
	<-tickDone
	report(agg.tick(end), end)
	stopSubs()
	_ = g.Wait()
	if dump != nil {
		_ = dump.Flush()
	}
	// Whatever arrived between the end of the window and the streams closing
	// is collected into the ramp-down, not the steady state.
	agg.setPhase(phaseRamp, time.Now())

	rep, err := buildReport(&cfg, agg, start, rampEnd, end, interrupted)
	if err != nil {
		return nil, err
	}
	if rep.Subscribers.Connected == 0 {
		return rep, ErrNothingMeasured
	}
	return rep, nil
}

// buildReport turns the aggregator's totals into the canonical result.
func buildReport(cfg *Config, agg *aggregator, start, rampEnd, end time.Time, interrupted bool) (*reports.Report, error) {
	conf, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("loadgen: echo config: %w", err)
	}
	steady := agg.totals[phaseSteady]
	window := end.Sub(rampEnd).Seconds()
	rep := &reports.Report{
		Schema:      reports.Schema,
		Tool:        cfg.Tool,
		Target:      cfg.URL,
		Embedded:    cfg.Embedded,
		Protocol:    cfg.Protocol,
		Started:     start,
		DurationS:   window,
		Interrupted: interrupted,
		Config:      conf,
		Transport:   reports.Transport{},
		Subscribers: reports.Subscribers{
			Requested: cfg.Subscribers,
			Connected: agg.everConn,
			Failed:    agg.failed,
			Dropped:   agg.dropped,
		},
		Events: reports.Events{
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
	if rep.LatencyUS.Fanout, err = reports.Summarize(steady.fanout); err != nil {
		return nil, err
	}
	if rep.LatencyUS.Connect, err = reports.Summarize(agg.connect); err != nil {
		return nil, err
	}
	if rep.LatencyUS.FirstEvent, err = reports.Summarize(agg.firstEvent); err != nil {
		return nil, err
	}
	if cfg.Latency != nil {
		rep.LatencySource = cfg.Latency.Name()
	}
	rep.Warnings = warnings(cfg, agg, rep)
	return rep, nil
}

// warnings lists what makes the numbers incomplete or less trustworthy.
func warnings(cfg *Config, agg *aggregator, rep *reports.Report) []string {
	w := []string{}
	steady := agg.totals[phaseSteady]
	if rep.Interrupted {
		w = append(w, fmt.Sprintf("the run was interrupted after %.1fs of steady state; figures cover only that", rep.DurationS))
	}
	if cfg.Latency == nil {
		w = append(w, "fan-out latency was not measured: no latency source for this target")
	} else if steady.c.events > 0 && steady.fanout.TotalCount() == 0 {
		w = append(w, "fan-out latency was not measured: no event carried a publish time the latency source could read")
	}
	if n := steady.c.latencyOutOfRange; n > 0 {
		w = append(w, fmt.Sprintf("%d events had a publish time in the future or over an hour old (clock skew between hosts?); their latency was not recorded", n))
	}
	if rep.Subscribers.Failed > 0 {
		w = append(w, fmt.Sprintf("%d of %d subscribers never got a stream; see errors", rep.Subscribers.Failed, rep.Subscribers.Requested))
	}
	if cfg.Embedded {
		w = append(w, "the embedded reference server ran in this process: client and server shared the CPU, so the figures describe both")
	}
	return w
}
