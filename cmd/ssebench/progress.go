package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/ssebench/ssebench/loadgen"
)

// progress shows a run's progress on stderr: mpb bars on a terminal, one
// plain line per interval otherwise (CI logs), nothing with --quiet.
//
// The first bar is subscribers connected of the most the run opens, with
// the schedule's current target (and stage); the second is the steady state
// against its planned length, or, with --stages, the whole run against the
// stages' length.
type progress struct {
	w      io.Writer
	plain  bool
	quiet  bool
	stages bool
	p      *mpb.Progress
	subs   *mpb.Bar
	clock  *mpb.Bar
	total  int64 // the clock bar's total, ms
	// Live figures shown by the bars' decorators; written by update.
	rate       atomic.Uint64 // events/s of the last interval
	p99US      atomic.Int64
	target     atomic.Int64
	stage      atomic.Int64
	steady     atomic.Bool
	steadyMS   atomic.Int64
	reconnects atomic.Int64
	errors     atomic.Int64 // failures so far, summed over the intervals
	failed     atomic.Int64 // subscribers that never got a stream
	// Plain lines only: when the previous interval ended, and the
	// shortest interval worth a line of its own.
	prevS   float64
	minLine time.Duration
	lines   int // plain lines printed
}

func newProgress(w io.Writer, quiet bool, cfg *loadgen.Config) *progress {
	pr := &progress{w: w, quiet: quiet, plain: !isTerminal(w), stages: len(cfg.Stages) > 0, minLine: cmp.Or(cfg.Interval, loadgen.DefaultInterval) / 10}
	if quiet || pr.plain {
		return pr
	}
	requested := int64(cfg.Subscribers)
	planned := cfg.Duration
	if pr.stages {
		requested = int64(cfg.Stages.Max())
		planned = cfg.Stages.Duration()
	}
	pr.total = planned.Milliseconds()
	pr.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond))
	// A total of 0 makes a bar that never completes by itself, so it
	// follows connected down (drops, ramp-downs) as well as up; SetTotal
	// then only sets what it is drawn against.
	pr.subs = pr.p.AddBar(0,
		mpb.PrependDecorators(decor.Name("connected  ", decor.WC{W: 11}), decor.CountersNoUnit("%d / %d", decor.WCSyncWidth)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return pr.shapeText(len(cfg.Stages)) })),
	)
	pr.subs.SetTotal(requested, false)
	label := "steady     "
	if pr.stages {
		label = "run        "
	}
	pr.clock = pr.p.AddBar(pr.total,
		mpb.PrependDecorators(decor.Name(label, decor.WC{W: 11}), decor.Any(func(s decor.Statistics) string {
			return fmt.Sprintf("%4.1fs / %.0fs", float64(s.Current)/1000, float64(s.Total)/1000)
		}, decor.WCSyncWidth)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			p99 := "–"
			if us := pr.p99US.Load(); us > 0 {
				p99 = fmtUS(us)
			}
			return fmt.Sprintf("%8d ev/s  p99 %s", pr.rate.Load(), p99)
		})),
	)
	return pr
}

// shapeText describes the schedule's state for the connected bar: target,
// stage, phase and reconnects.
func (pr *progress) shapeText(stages int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "target %d", pr.target.Load())
	if stages > 0 {
		if st := pr.stage.Load(); st <= int64(stages) {
			fmt.Fprintf(&b, "  stage %d/%d", st, stages)
		} else {
			b.WriteString("  stages done")
		}
	}
	if pr.steady.Load() {
		b.WriteString("  steady")
		if pr.stages {
			fmt.Fprintf(&b, " %.1fs", float64(pr.steadyMS.Load())/1000)
		}
	} else {
		b.WriteString("  ramp")
	}
	if n := pr.reconnects.Load(); n > 0 {
		fmt.Fprintf(&b, "  reconnects %d", n)
	}
	if n := pr.failed.Load(); n > 0 {
		fmt.Fprintf(&b, "  failed %d", n)
	}
	if n := pr.errors.Load(); n > 0 {
		fmt.Fprintf(&b, "  errors %d", n)
	}
	return b.String()
}

// update is loadgen's Progress callback; it must not block.
func (pr *progress) update(p loadgen.Progress) {
	if pr.quiet {
		return
	}
	pr.rate.Store(uint64(p.EventsPerS))
	pr.p99US.Store(0)
	if p.Events > 0 {
		pr.p99US.Store(p.FanoutP99US)
	}
	total := pr.errors.Add(p.Errors)
	pr.target.Store(int64(p.Target))
	pr.stage.Store(int64(p.Stage))
	pr.steady.Store(p.Steady)
	pr.steadyMS.Store(p.SteadyElapsed.Milliseconds())
	pr.reconnects.Store(p.Reconnects)
	pr.failed.Store(int64(p.Failed))
	if pr.plain {
		// A tail of a few milliseconds (the interval cut where the run
		// ended) has no figures worth a line; its counts still add up.
		dt := time.Duration((p.ElapsedS - pr.prevS) * float64(time.Second))
		pr.prevS = p.ElapsedS
		if dt >= pr.minLine || pr.lines == 0 { // a run that short still gets its one line
			pr.lines++
			fmt.Fprintln(pr.w, plainLine(p, total))
		}
		return
	}
	pr.subs.SetCurrent(int64(p.Connected))
	switch {
	case pr.stages:
		pr.clock.SetCurrent(min(p.RunElapsed.Milliseconds(), pr.total))
	case p.Steady || p.SteadyElapsed > 0:
		pr.clock.SetCurrent(min(p.SteadyElapsed.Milliseconds(), pr.total))
	}
}

// plainLine formats one progress line for a log; errors is the failures
// so far, shown with the interval's own as reconnects are:
//
//	[  12.0s] stage 2/3 steady 4.0s  connected 1000/1000 (target 1000)  …  errors 3 (+1)  reconnects 0 (+0)
func plainLine(p loadgen.Progress, errors int64) string {
	phase := "ramp"
	if p.Steady {
		phase = "steady " + p.SteadyElapsed.Round(time.Second/10).String()
	}
	if p.Stages > 0 {
		if p.Stage <= p.Stages {
			phase = fmt.Sprintf("stage %d/%d %s", p.Stage, p.Stages, phase)
		} else {
			phase = "stages done"
		}
	}
	p50, p99 := "–", "–" // an interval without events has no latency
	if p.Events > 0 && p.FanoutP99US > 0 {
		p50, p99 = fmtUS(p.FanoutP50US), fmtUS(p.FanoutP99US)
	}
	return fmt.Sprintf("[%6.1fs] %-22s connected %d/%d (target %d)  failed %d  %.0f ev/s  %.2f MB/s  p50 %s  p99 %s  errors %d (+%d)  reconnects %d (+%d)",
		p.ElapsedS, phase, p.Connected, p.Requested, p.Target, p.Failed, p.EventsPerS, p.BytesPerS/1e6,
		p50, p99, errors, p.Errors, p.Reconnects, p.Interval.Reconnects)
}

// done completes the bars and waits for mpb to draw them one last time.
func (pr *progress) done() {
	if pr.p == nil {
		return
	}
	pr.subs.Abort(false)
	pr.clock.Abort(false)
	pr.p.Wait()
}

// fmtUS formats microseconds for humans.
func fmtUS(us int64) string {
	return (time.Duration(us) * time.Microsecond).Round(10 * time.Microsecond).String()
}

// isTerminal tells whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	if h, ok := w.(helpOutput); ok {
		w = h.Writer
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
