package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssebench/ssebench/internal/atomicfile"
	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

const runAbout = `Opens --subscribers Server-Sent Events streams to URL over --protocol, holds them for
--duration of steady state (after every subscriber has connected or failed), and reports
fan-out latency (publish to receive), connect time, time to first event, events, bytes,
gaps, duplicates and failures by class.

Load shape: subscribers start all at once, over --ramp, at --connect-rate, or follow
--stages (k6-style; the holds are the steady state). Only the steady state makes the
headline figures; the ramp is reported apart. A stream that ends is reconnected as
EventSource does (server's retry: or --reconnect-delay, Last-Event-ID; 204 stops);
a subscriber whose first attempt fails is not retried, so it counts as failed.

URL may give each subscriber its own URL: {sub} is the subscriber's number in the
whole run (from 0; a shard's subscribers keep theirs) and {sub%N} that number modulo N,
in the path, query or fragment, e.g. 'http://127.0.0.1:8080/events?topic=t{sub%100}'
spreads the subscribers over 100 topics. Reconnections and redirects start from the
subscriber's own URL; the result's target is the URL as given.

With no URL, the reference server starts in this process on a free loopback port
(--rate events/s of --payload bytes) and the run targets it.

The summary goes to stdout (--format), progress to stderr, the canonical JSON result
to --out. A --scenario file holds any of these flags; --threshold sets pass/fail criteria.
Exit status: 0 ok, 1 nothing could be measured, 2 bad usage, 3 a threshold failed,
5 interrupted (SIGINT or SIGTERM; every output is still written, marked interrupted).`

// runPlan is `ssebench run` resolved from its flags, its scenario and its
// arguments: what each run of a --repeat series does. Parsing, checking and
// resolving happen once (planRun); every run then starts from the plan
// (runOnce), with a fresh embedded server and numbered output files.
type runPlan struct {
	fs       *flag.FlagSet
	cfg      loadgen.Config
	target   *targetFlags
	lat      *latencyFlags
	th       *thresholdFlags
	sc       *scenarioFlags
	reports  reportOutputs // --report-dir and --hlog, as given
	out      string
	dump     string
	label    string
	format   string
	encode   reports.Encoder
	quiet    bool
	repeat   int
	shard    *shardFlags // shard.go: --shard, --shards, --start-at, --log-result
	warnings []string    // usage warnings printed before the first run
}

// runExtensions are flag groups that other files of this command add to
// `ssebench run` without editing planRun, from an init function: each
// registers its flags on fs and returns a function (or nil) that planRun
// calls once the flags and the scenario are parsed and the target is
// resolved, before the configuration is validated, to adjust the plan.
// A usage problem should come back as usageErrorf.
var runExtensions []func(fs *flag.FlagSet, p *runPlan) func() error

// zeroMeansNothing are run's own flags for which 0 is not a value.
var zeroMeansNothing = []string{"subscribers", "duration", "interval"}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	p, err := planRun(args, stdout, stderr)
	if err != nil {
		return err
	}
	defer p.target.close()
	for _, w := range p.warnings {
		fmt.Fprintf(stderr, "ssebench: warning: %s\n", w)
	}
	if p.sc.dryRun {
		return p.printDryRun(stdout)
	}
	return p.execute(ctx, stdout, stderr)
}

// planRun parses the flags of `ssebench run` and resolves them into a
// plan, checking everything that can be checked before a run: a problem
// is a usage error (exit 2), reported before any load is sent.
func planRun(args []string, stdout, stderr io.Writer) (p *runPlan, err error) {
	fs := newFlagSet("run", "ssebench run [flags] [URL]", runAbout, stderr)
	p = &runPlan{fs: fs, cfg: loadgen.Config{
		Subscribers: loadgen.DefaultSubscribers,
		Duration:    loadgen.DefaultDuration,
		Interval:    loadgen.DefaultInterval,
	}}
	cfg := &p.cfg
	fs.IntVar(&cfg.Subscribers, "subscribers", cfg.Subscribers, "number of SSE `subscribers` to hold open")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "steady-state `duration` to hold the subscribers, after all have connected (not with --stages)")
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "time-series `interval` of the result and the progress display")
	p.target = addTargetFlags(fs, cfg) // flags_target.go
	shape := addShapeFlags(fs, &cfg.ShapeOptions)
	p.lat = addLatencyFlags(fs)
	addReportFlags(fs, &p.reports)
	p.sc = addScenarioFlags(fs)  // run_scenario.go
	p.th = addThresholdFlags(fs) // run_threshold.go
	addRepeatFlag(fs, &p.repeat) // run_repeat.go
	p.shard = addShardFlags(fs)  // shard.go
	fs.StringVar(&p.out, "out", "", "write the JSON result to `file` (folders are created)")
	fs.StringVar(&p.dump, "dump", "", "write every event and comment the first subscriber receives to `file` as JSON Lines, each as it arrives")
	fs.StringVar(&p.format, "format", "text", "summary `format` on stdout: "+strings.Join(reports.Names(), ", "))
	fs.StringVar(&p.label, "label", "", "`name` of the run in reports and comparisons (default: the target's host and protocol)")
	fs.BoolVar(&p.quiet, "quiet", false, "no progress display on stderr")
	var extend []func() error
	for _, ext := range runExtensions {
		if f := ext(fs, p); f != nil {
			extend = append(extend, f)
		}
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if pos, err = p.sc.apply(pos); err != nil {
		return nil, err
	}
	if p.warnings, err = p.th.parse(); err != nil {
		return nil, err
	}
	if p.repeat < 1 {
		return nil, usageErrorf("%v", p.sc.annotate(fmt.Errorf("--repeat must be >= 1, got %d", p.repeat)))
	}
	if err := p.rejectZeros(); err != nil {
		return nil, err
	}
	if p.encode, err = lookupStdout(p.format, stdout); err != nil {
		return nil, err
	}
	cfg.Tool = "ssebench/" + version
	shape.apply(cfg, setFlags(fs))
	if err := p.target.resolve(pos, "run"); err != nil {
		return nil, err
	}
	target := p.target
	defer func() {
		if err != nil {
			target.close()
		}
	}()
	if err := p.lat.apply(cfg); err != nil {
		return nil, err
	}
	// After the latency flags: a shard takes its share of --publish-rate.
	if err := p.shard.apply(cfg, !cfg.Embedded); err != nil {
		return nil, err
	}
	for _, f := range extend {
		if err := f(); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, usageErrorf("%v", p.sc.annotate(err))
	}
	if !p.sc.dryRun {
		if err := p.checkOutputs(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// rejectZeros refuses 0 for the flags where it means nothing, rather than
// silently running with a default.
func (p *runPlan) rejectZeros() error {
	set := setFlags(p.fs)
	var errs []error
	for _, name := range slices.Concat(zeroMeansNothing, zeroRejected) {
		if v := p.fs.Lookup(name).Value.String(); set[name] && (v == "0" || v == "0s") {
			errs = append(errs, fmt.Errorf("--%s must be > 0, got %s", name, v))
		}
	}
	if len(errs) > 0 {
		return usageErrorf("%v", p.sc.annotate(errors.Join(errs...)))
	}
	return nil
}

// checkOutputs fails before the run, not after it, when an output cannot
// be written: each output's folder is created and a file tried in it.
func (p *runPlan) checkOutputs() error {
	for _, o := range []struct{ flag, path string }{
		{"out", p.out}, {"dump", p.dump}, {"hlog", p.reports.hlog}, {"junit", p.th.junit},
	} {
		if o.path == "" {
			continue
		}
		if err := atomicfile.CheckWritable(p.numbered(o.path, 1)); err != nil {
			return fmt.Errorf("--%s: %w", o.flag, err)
		}
	}
	if p.reports.dir != "" {
		if err := atomicfile.CheckWritable(filepath.Join(p.reportDir(1), "report.json")); err != nil {
			return fmt.Errorf("--report-dir: %w", err)
		}
	}
	return nil
}

// numbered returns an output path for run i: as given for a single run,
// NAME-i.EXT in a --repeat series.
func (p *runPlan) numbered(path string, i int) string {
	if p.repeat == 1 || path == "" {
		return path
	}
	return numbered(path, i)
}

// reportDir returns --report-dir for run i: DIR/run-i in a series.
func (p *runPlan) reportDir(i int) string {
	if p.repeat == 1 || p.reports.dir == "" {
		return p.reports.dir
	}
	return filepath.Join(p.reports.dir, fmt.Sprintf("run-%d", i))
}

// runOnce runs the plan once, as run i, and writes every output. It
// returns the result (nil when the run could not start) and the run's
// error from loadgen.
func (p *runPlan) runOnce(ctx context.Context, i int, stdout, stderr io.Writer) (*result.Report, error) {
	cfg := p.cfg
	es, err := p.target.start(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	if es != nil {
		defer es.stop()
	}
	if err := p.lat.resolve(&cfg); err != nil {
		return nil, err
	}
	if p.dump != "" {
		// Written in place, not atomically: users tail it during the run.
		f, err := atomicfile.Live(p.numbered(p.dump, i))
		if err != nil {
			return nil, fmt.Errorf("--dump: %w", err)
		}
		defer f.Close()
		cfg.Dump = f
	}
	ro := &reportOutputs{dir: p.reportDir(i), hlog: p.numbered(p.reports.hlog, i)}
	if err := ro.open(); err != nil {
		return nil, err
	}
	defer ro.close()

	if err := p.shard.wait(ctx, stderr, p.quiet); err != nil {
		return nil, err
	}
	prog := newProgress(stderr, p.quiet, &cfg)
	cfg.Progress = ro.chain(prog.update)
	rep, runErr := loadgen.Run(ctx, cfg)
	prog.done()
	if errors.Is(runErr, loadgen.ErrTooManyForLimits) {
		return nil, &codeError{code: exitUsage, err: runErr} // fails before starting: a usage problem
	}
	if rep == nil {
		return nil, runErr
	}
	p.describe(rep)
	p.th.evaluate(rep)
	if err := p.shard.record(rep, stdout); err != nil {
		return nil, err
	}
	var errs []error
	if p.out != "" {
		if err := reports.WriteFile(p.numbered(p.out, i), rep); err != nil {
			errs = append(errs, fmt.Errorf("--out: %w", err))
		}
	}
	if err := ro.finish(rep, stderr, p.quiet); err != nil {
		errs = append(errs, err)
	}
	if err := p.th.writeJUnit(p.numbered(p.th.junit, i), rep); err != nil {
		errs = append(errs, err)
	}
	if err := p.encode(stdout, rep); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		// An output that could not be written is the error to report,
		// whatever the run measured or whether it was interrupted.
		return rep, &codeError{code: exitError, err: err}
	}
	return rep, runErr
}

// describe adds to rep what the plan knows and loadgen does not: the
// label, the embedded server's load and the scenario file.
func (p *runPlan) describe(rep *result.Report) {
	rep.Label = p.label
	rep.Scenario = p.sc.path
	if rep.Embedded {
		sc := p.target.serverConfig()
		rep.EmbeddedServer = &result.EmbeddedServer{RatePerS: sc.Rate, PayloadBytes: sc.PayloadBytes}
	}
}

// outcome turns one run's result and error into the command's error: an
// interrupted run exits with exitInterrupted whatever it measured (its
// figures cover part of what was asked), a run that measured nothing with
// exitError, and failed thresholds with exitThreshold.
func (p *runPlan) outcome(rep *result.Report, runErr error) error {
	var ce *codeError
	switch {
	case rep == nil || errors.As(runErr, &ce):
		return runErr
	case rep.Interrupted:
		return &codeError{code: exitInterrupted, err: errors.New("interrupted: the run stopped early; its results were written, marked interrupted")}
	case errors.Is(runErr, loadgen.ErrNothingMeasured):
		// The last line names the dominant cause, e.g. "no subscriber
		// connected: 100 × dial: connection refused".
		if msg := rep.Failure(); msg != "" {
			return &codeError{code: exitError, err: errors.New(msg)}
		}
		return &codeError{code: exitError, err: runErr}
	}
	return p.th.verdict(rep, runErr)
}
