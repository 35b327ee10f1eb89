package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/ssebench/ssebench/loadgen"
)

// progress shows a run's progress on stderr: mpb bars on a terminal, one
// plain line per interval otherwise (CI logs), nothing with --quiet.
type progress struct {
	w        io.Writer
	plain    bool
	quiet    bool
	p        *mpb.Progress
	subs     *mpb.Bar
	elapsed  *mpb.Bar
	steadyMS int64
	// Live figures shown by the bars' decorators; written by update.
	rate  atomic.Uint64 // events/s of the last interval
	p99US atomic.Int64
}

func newProgress(w io.Writer, quiet bool, cfg *loadgen.Config) *progress {
	pr := &progress{w: w, quiet: quiet, plain: !isTerminal(w)}
	if quiet || pr.plain {
		return pr
	}
	pr.steadyMS = cfg.Duration.Milliseconds()
	pr.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond))
	pr.subs = pr.p.AddBar(int64(cfg.Subscribers),
		mpb.PrependDecorators(decor.Name("connected  ", decor.WC{W: 11}), decor.CountersNoUnit("%d / %d", decor.WCSyncWidth)),
	)
	pr.elapsed = pr.p.AddBar(pr.steadyMS,
		mpb.PrependDecorators(decor.Name("steady     ", decor.WC{W: 11}), decor.Any(func(s decor.Statistics) string {
			return fmt.Sprintf("%4.1fs / %.0fs", float64(s.Current)/1000, float64(s.Total)/1000)
		}, decor.WCSyncWidth)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			return fmt.Sprintf("%8d ev/s  p99 %s", pr.rate.Load(), fmtUS(pr.p99US.Load()))
		})),
	)
	return pr
}

// update is loadgen's Progress callback; it must not block.
func (pr *progress) update(p loadgen.Progress) {
	if pr.quiet {
		return
	}
	pr.rate.Store(uint64(p.EventsPerS))
	pr.p99US.Store(p.FanoutP99US)
	if pr.plain {
		phase := "ramp"
		if p.Steady {
			phase = "steady " + p.SteadyElapsed.Round(time.Second/10).String()
		}
		fmt.Fprintf(pr.w, "[%6.1fs] %-14s connected %d/%d  %.0f ev/s  %.2f MB/s  p50 %s  p99 %s  errors %d\n",
			p.ElapsedS, phase, p.Connected, p.Requested, p.EventsPerS, p.BytesPerS/1e6,
			fmtUS(p.FanoutP50US), fmtUS(p.FanoutP99US), p.Errors)
		return
	}
	pr.subs.SetCurrent(int64(p.Connected))
	if p.Steady {
		pr.elapsed.SetCurrent(min(p.SteadyElapsed.Milliseconds(), pr.steadyMS))
	}
}

// done completes the bars and waits for mpb to draw them one last time.
func (pr *progress) done() {
	if pr.p == nil {
		return
	}
	pr.subs.Abort(false)
	pr.elapsed.Abort(false)
	pr.p.Wait()
}

// fmtUS formats microseconds for humans.
func fmtUS(us int64) string {
	return (time.Duration(us) * time.Microsecond).Round(10 * time.Microsecond).String()
}

// isTerminal tells whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
