package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/ssebench/ssebench/internal/bench"
	"github.com/ssebench/ssebench/reports/result"
)

// benchProgress shows a benchmark's progress on stderr: on a terminal,
// three mpb bars (scenarios, repeats of the current scenario, targets of
// the current repeat, with the current run's phase and live figures);
// elsewhere (CI logs) nothing but the lines; with --quiet nothing at all.
// Either way every finished run gets one clear line.
type benchProgress struct {
	w        io.Writer
	quiet    bool
	plain    bool
	p        *mpb.Progress
	scenario *mpb.Bar
	repeat   *mpb.Bar
	target   *mpb.Bar
	repeats  int64
	targets  map[int]int64 // targets run per scenario index

	mu        sync.Mutex // guards the texts below, read by the decorators
	scName    string
	tgName    string
	phase     string
	steadyMS  atomic.Int64
	durMS     int64
	rate      atomic.Uint64
	p99US     atomic.Int64
	connected atomic.Int64
}

func newBenchProgress(w io.Writer, quiet bool, s *bench.Suite, jobs []bench.Job) *benchProgress {
	bp := &benchProgress{w: w, quiet: quiet, plain: !isTerminal(w), repeats: int64(s.Repeats), targets: map[int]int64{}, durMS: s.Duration.Milliseconds()}
	for _, j := range jobs {
		if j.Repeat == 1 {
			bp.targets[j.ScenarioIndex]++
		}
	}
	if quiet {
		return bp
	}
	fmt.Fprintf(w, "ssebench bench: %s: %d runs (%d targets × %d scenarios × %d repeats), each %s after %s of warm-up\n",
		s.Name, len(jobs), len(s.Targets), len(s.Scenarios()), s.Repeats, s.Duration, s.Warmup)
	if bp.plain {
		return bp
	}
	text := func(f func() string) decor.Decorator {
		return decor.Any(func(decor.Statistics) string {
			bp.mu.Lock()
			defer bp.mu.Unlock()
			return f()
		})
	}
	bp.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(24), mpb.WithRefreshRate(200*time.Millisecond))
	count := decor.CountersNoUnit("%d / %d", decor.WCSyncWidth)
	bp.scenario = bp.p.AddBar(int64(len(s.Scenarios())),
		mpb.PrependDecorators(decor.Name("scenario ", decor.WC{W: 9}), count),
		mpb.AppendDecorators(text(func() string { return bp.scName })))
	bp.repeat = bp.p.AddBar(bp.repeats,
		mpb.PrependDecorators(decor.Name("repeat ", decor.WC{W: 9}), decor.CountersNoUnit("%d / %d", decor.WCSyncWidth)))
	bp.target = bp.p.AddBar(0,
		mpb.PrependDecorators(decor.Name("target ", decor.WC{W: 9}), decor.CountersNoUnit("%d / %d", decor.WCSyncWidth)),
		mpb.AppendDecorators(text(func() string {
			s := bp.tgName + "  " + bp.phase
			if bp.phase == bench.PhaseMeasuring {
				s += fmt.Sprintf(" %4.1fs / %.1fs  %d connected  %d ev/s  p99 %s", float64(bp.steadyMS.Load())/1000, float64(bp.durMS)/1000,
					bp.connected.Load(), bp.rate.Load(), fmtUS(bp.p99US.Load()))
			}
			return s
		})))
	return bp
}

// event is bench.Options.OnEvent; it must not block.
func (bp *benchProgress) event(e bench.Event) {
	if bp.quiet {
		return
	}
	switch e.Kind {
	case bench.EventPhase:
		bp.mu.Lock()
		bp.scName, bp.tgName, bp.phase = e.Job.Scenario.Name(), e.Job.Target.Name, e.Phase
		bp.mu.Unlock()
		if e.Phase == bench.PhaseStarting || e.Phase == bench.PhaseMeasuring {
			bp.steadyMS.Store(0)
			bp.rate.Store(0)
			bp.p99US.Store(0)
			bp.connected.Store(0)
		}
		if bp.target != nil {
			bp.target.SetTotal(bp.targets[e.Job.ScenarioIndex], false)
		}
	case bench.EventProgress:
		p := e.Progress
		bp.rate.Store(uint64(p.EventsPerS))
		bp.p99US.Store(p.FanoutP99US)
		bp.connected.Store(int64(p.Connected))
		bp.steadyMS.Store(p.SteadyElapsed.Milliseconds())
	case bench.EventDone:
		line := benchRunLine(e)
		if bp.p != nil {
			fmt.Fprintln(bp.p, line)
			bp.advance(e)
		} else {
			fmt.Fprintln(bp.w, line)
		}
	}
}

// advance moves the three bars past a finished run.
func (bp *benchProgress) advance(e bench.Event) {
	n := bp.targets[e.Job.ScenarioIndex]
	bp.target.SetTotal(n, false)
	if e.Index+1 == e.Total { // the last run: leave every bar full
		bp.target.SetCurrent(n)
		bp.repeat.SetCurrent(bp.repeats)
		bp.scenario.SetCurrent(int64(e.Job.ScenarioIndex + 1))
		return
	}
	bp.target.SetCurrent(bp.target.Current() + 1)
	if bp.target.Current() < n {
		return
	}
	bp.target.SetCurrent(0)
	bp.repeat.SetCurrent(int64(e.Job.Repeat))
	if int64(e.Job.Repeat) < bp.repeats {
		return
	}
	bp.repeat.SetCurrent(0)
	bp.scenario.SetCurrent(int64(e.Job.ScenarioIndex + 1))
}

// benchRunLine is the line of one finished run:
//
//	run 3/12  200 subs × 100/s × 64 B h1  #2  coalesced 20ms  p99 12.3 ms  20,000 ev/s  delivered 100%  server CPU 23.1% (5.8 µs/event, 2.1 KiB/sub)  ok
func benchRunLine(e bench.Event) string {
	r := e.Run
	var b strings.Builder
	fmt.Fprintf(&b, "run %d/%d  %s  #%d  %s", e.Index+1, e.Total, r.Scenario, r.Repeat, r.Target)
	if rep := r.Result; rep != nil {
		if f := rep.LatencyUS.Fanout; f.Count > 0 {
			fmt.Fprintf(&b, "  p99 %s", fmtUS(f.P99))
		}
		fmt.Fprintf(&b, "  %s ev/s", result.FormatCount(int64(rep.Events.RatePerS+0.5)))
		if r.DeliveryRatio != nil {
			fmt.Fprintf(&b, "  delivered %.2f%%", *r.DeliveryRatio*100)
		}
		if n := rep.ErrorCount(); n > 0 {
			fmt.Fprintf(&b, "  errors %d", n)
		}
	}
	if c := r.Cost; c != nil {
		fmt.Fprintf(&b, "  server CPU %.1f%% (%.3g µs/event, %.3g KiB/sub)", c.CPUPercent, c.CPUUSPerEvent, c.KiBPerSubscriber)
	}
	if r.Valid {
		b.WriteString("  ok")
	} else {
		b.WriteString("  INVALID: " + r.Invalid)
		if r.Error != "" && strings.Contains(r.Error, "\n") {
			b.WriteString("\n    " + strings.ReplaceAll(r.Error, "\n", "\n    "))
		}
	}
	return b.String()
}

// done stops the bars and waits for mpb to draw them one last time.
func (bp *benchProgress) done() {
	if bp.p == nil {
		return
	}
	bp.scenario.Abort(false)
	bp.repeat.Abort(false)
	bp.target.Abort(false)
	bp.p.Wait()
}
