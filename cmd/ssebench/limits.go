package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/atomicfile"
	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/capacity"
	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

const limitsAbout = `Finds the highest load a Server-Sent Events server sustains within service-level
objectives, and probes its connection limits.

Search (the default): raises the load step by step from --start by --step (x2 doubles,
+500 adds) up to --max, holding each step --step-duration, and checks every step against
--slo. At the first step that breaks an objective it bisects --bisect times between the
last good and the first bad load, then reports the highest sustainable load with its
figures and the knee: the lowest load from which on the fan-out p99 stays above
--knee-factor times the p99 at the lowest load (and at least 1 ms above it). --vary subscribers (default) holds the
event rate; --vary rate raises the events per second with --subscribers fixed: the
embedded server's own rate, or against a URL ssebench's --publish-rate (publisher mode,
--publish-url).

Client or server: when ssebench itself is the bottleneck (its self-check says saturated,
or connections fail with fd_limit or local_ports, or the step cannot fit this process)
the search stops and says the limit found is the CLIENT's; shard the load over several
processes or machines to find the server's.

--probe connections opens --max streams at once (default 4000 with the embedded server)
and reports how many the server holds and what it does beyond (refuse, reset, an error
status such as 503 with its Retry-After, a stall until --connect-timeout), the connections
per second it establishes, and over HTTP/2 (h2 for https, h2c for http) the
SETTINGS_MAX_CONCURRENT_STREAMS it advertises and whether it refuses one stream more.
--browser emulates --tabs browser tabs: at most 6 HTTP/1.1 connections per origin, or the
streams of one HTTP/2 connection. With --probe or --browser only they run, not the search.

With no URL the reference server starts in this process (--rate, --payload).
The result goes to stdout (--format) and as JSON to --out; progress to stderr.
Exit status: 0 the search or probe ended (whatever it found), 1 error, 2 bad usage.`

// limitsFlags are the flags of `ssebench limits` that are not loadgen.Config
// fields.
type limitsFlags struct {
	vary, step, slo, probe string
	start, max             float64
	stepDuration, cooldown time.Duration
	bisect                 int
	kneeFactor             float64
	browser                bool
	tabs                   int
	tabWait                time.Duration
	out, format            string
	quiet                  bool
}

// probeConnections is the one --probe value.
const probeConnections = "connections"

// embeddedProbeMax is the default --max of --probe connections against the
// embedded server: client and server share this process's descriptors, so
// 2×4000 stays well inside the usual limit of 20,000 and the probe measures
// the server, not the process.
const embeddedProbeMax = 4000

func cmdLimits(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("limits", "ssebench limits [flags] [URL]", limitsAbout, stderr)
	cfg := loadgen.Config{Subscribers: 100}
	lf := limitsFlags{}
	fs.StringVar(&lf.vary, "vary", result.VarySubscribers, "what the steps raise: subscribers, or rate (events per second)")
	fs.Float64Var(&lf.start, "start", 0, fmt.Sprintf("first step's `load` [default %d subscribers, %g events/s]", capacity.DefaultStartSubscribers, capacity.DefaultStartRate))
	fs.StringVar(&lf.step, "step", capacity.DefaultStep.String(), "how the load grows: x`FACTOR` multiplies (x2, x1.5), +AMOUNT adds (+500)")
	fs.Float64Var(&lf.max, "max", 0, fmt.Sprintf("highest `load` tried; with --probe, the streams opened at once [default %d subscribers, %g events/s]",
		capacity.DefaultMaxSubscribers, capacity.DefaultMaxRate))
	fs.DurationVar(&lf.stepDuration, "step-duration", capacity.DefaultStepDuration, "steady state held at each step (`duration`, after every subscriber has connected)")
	fs.IntVar(&lf.bisect, "bisect", capacity.DefaultBisect, "bisection `steps` between the last good and the first bad load (0 = none)")
	fs.StringVar(&lf.slo, "slo", "", "service-level `objectives` every step must meet, comma-separated threshold expressions\n"+
		"(the grammar of run --threshold) [default "+capacity.DefaultSLO+";\nin publisher mode "+capacity.DefaultSLOPublisher+"]")
	fs.Float64Var(&lf.kneeFactor, "knee-factor", capacity.DefaultKneeFactor, "the knee is the lowest load from which on the fan-out p99 stays above this `factor` times the p99 at the lowest load")
	fs.DurationVar(&lf.cooldown, "cooldown", capacity.DefaultCooldown, "pause between steps so the server frees the previous step's streams (`duration`;\nwith the embedded server ssebench waits until it holds none instead)")
	fs.StringVar(&lf.probe, "probe", "", "probe the server's limits instead of searching: `connections`")
	fs.BoolVar(&lf.browser, "browser", false, "emulate browser tabs: how many get a stream over HTTP/1.1 (6 connections per origin) and HTTP/2")
	fs.IntVar(&lf.tabs, "tabs", capacity.DefaultTabs, "browser `tabs` to emulate with --browser")
	fs.DurationVar(&lf.tabWait, "tab-wait", capacity.DefaultTabWait, "with --browser, how long a tab waits for its stream before it counts as waiting")
	fs.IntVar(&cfg.Subscribers, "subscribers", cfg.Subscribers, "--vary rate: the fixed number of `subscribers`")
	target := addTargetFlags(fs, &cfg)   // flags_target.go
	addShapeFlags(fs, &cfg.ShapeOptions) // --stages is refused below: each step holds one load
	lat := addLatencyFlags(fs)
	fs.StringVar(&lf.out, "out", "", "write the JSON result to `file` (folders are created)")
	fs.StringVar(&lf.format, "format", "text", "result `format` on stdout: "+strings.Join(reports.LimitsFormats(), ", "))
	fs.BoolVar(&lf.quiet, "quiet", false, "no progress on stderr")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	set := setFlags(fs)
	encode, err := reports.LookupLimits(lf.format)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	if lf.probe != "" && lf.probe != probeConnections {
		return usageErrorf("--probe %q: the only probe is %q", lf.probe, probeConnections)
	}
	step, err := capacity.ParseStep(lf.step)
	if err != nil {
		return usageErrorf("--step: %v", err)
	}
	var slo []capacity.Objective // nil: the default for the mode
	if lf.slo != "" {
		if slo, err = capacity.ParseSLO(lf.slo); err != nil {
			return usageErrorf("%v", err)
		}
	}
	if lf.tabs < 1 || lf.tabWait <= 0 {
		return usageErrorf("--tabs must be >= 1 and --tab-wait > 0, got %d and %s", lf.tabs, lf.tabWait)
	}
	if set["stages"] {
		return usageErrorf("--stages cannot be used with limits: each step holds one load (use --ramp or --connect-rate to pace a step's connections)")
	}
	probing := lf.probe != "" || lf.browser
	if probing && lf.max < 0 {
		return usageErrorf("--max must be > 0, got %g", lf.max)
	}
	for _, name := range zeroRejected {
		if v := fs.Lookup(name).Value.String(); set[name] && (v == "0" || v == "0s") {
			return usageErrorf("--%s must be > 0, got %s", name, v)
		}
	}
	cfg.Tool = "ssebench/" + version
	if err := target.resolve(pos, "limits"); err != nil {
		return err
	}
	defer target.close()
	embedded := target.embedded()
	if err := lat.apply(&cfg); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	cc := capacity.Config{
		Base: cfg, Vary: lf.vary, Start: lf.start, Step: step, Max: lf.max, StepDuration: lf.stepDuration,
		Bisect: lf.bisect, SLO: slo, KneeFactor: lf.kneeFactor, Cooldown: lf.cooldown,
	}
	if embedded && lf.vary == result.VaryRate && cfg.PublishURL == "" {
		// The embedded server's own rate is varied: a fresh server per
		// step (prepareRate, set once the server exists). The placeholder
		// lets Validate know the rate has a way to vary.
		cc.Prepare = func(context.Context, float64, *loadgen.Config) (func(), error) { return nil, nil }
	}
	if !probing {
		if err := cc.Validate(); err != nil {
			return usageErrorf("%v", err)
		}
	}
	if lf.out != "" {
		// Fail before the search, not after it, when the result cannot be saved.
		if err := atomicfile.CheckWritable(lf.out); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}

	es, err := target.start(ctx, &cfg)
	if err != nil {
		return err
	}
	if es != nil {
		defer es.stop()
		cc.Base = cfg
		if !set["cooldown"] {
			cc.Cooldown = 0 // settle() waits for exactly as long as needed
		}
		cc.Settle = es.settle
		if cc.Prepare != nil {
			cc.Prepare = es.prepareRate(target.payload, target.tls())
		}
	}
	if err := lat.resolve(&cfg); err != nil {
		return err
	}
	cc.Base = cfg

	var progress io.Writer = stderr
	if lf.quiet {
		progress = io.Discard
	}
	var lim *result.Limits
	if probing {
		lim, err = runProbes(ctx, &cc, &lf, set, es, progress)
	} else {
		lim, err = runSearch(ctx, &cc, progress)
	}
	if err != nil {
		if errors.Is(err, loadgen.ErrTooManyForLimits) {
			return &codeError{code: exitUsage, err: err}
		}
		return err
	}
	if lf.out != "" {
		if err := reports.WriteLimitsFile(lf.out, lim); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return encode(stdout, lim)
}

// runSearch runs the capacity search, printing one line per step.
func runSearch(ctx context.Context, cc *capacity.Config, progress io.Writer) (*result.Limits, error) {
	unit := "subscribers"
	if cc.Vary == result.VaryRate {
		unit = "events/s"
	}
	fmt.Fprintf(progress, "limits: raising %s %s from %s up to %s, %s per step\n", unit, stepText(cc.Step),
		loadText(cc.Start, cc.Vary, true), loadText(cc.Max, cc.Vary, false), cc.StepDuration)
	n := 0
	cc.OnStep = func(st result.LimitStep) {
		n++
		fmt.Fprintf(progress, "limits: step %d (%s) %s %s: %s\n", n, st.Phase, result.FormatLoad(st.Load), unit, stepOutcome(&st))
	}
	return capacity.Search(ctx, *cc)
}

// stepText describes a Step for the progress line.
func stepText(s capacity.Step) string {
	if s.Factor != 0 {
		return fmt.Sprintf("×%g", s.Factor)
	}
	return fmt.Sprintf("by %g", s.Add)
}

// loadText writes a --start or --max value, or its default.
func loadText(v float64, vary string, start bool) string {
	if v != 0 {
		return result.FormatLoad(v)
	}
	switch {
	case vary == result.VaryRate && start:
		return result.FormatLoad(capacity.DefaultStartRate)
	case vary == result.VaryRate:
		return result.FormatLoad(capacity.DefaultMaxRate)
	case start:
		return result.FormatLoad(capacity.DefaultStartSubscribers)
	}
	return result.FormatLoad(capacity.DefaultMaxSubscribers)
}

// stepOutcome says in a few words how a step went.
func stepOutcome(st *result.LimitStep) string {
	fig := fmt.Sprintf("%d/%d connected, %s events/s", st.Connected, st.Requested, result.FormatLoad(float64(int64(st.EventsPerS+0.5))))
	if st.FanoutCount > 0 {
		fig += fmt.Sprintf(", fan-out p99 %.1f ms", float64(st.FanoutP99US)/1000)
	}
	fig += fmt.Sprintf(", errors %.3g%%", st.ErrorRate*100)
	switch {
	case st.Interrupted:
		return "interrupted"
	case st.ClientLimited:
		return "CLIENT LIMIT (" + st.Note + ")"
	case st.Pass:
		return "pass (" + fig + ")"
	}
	return "FAIL: " + st.Note + " (" + fig + ")"
}

// runProbes runs --probe connections and --browser and returns their
// result as a Limits document without steps.
func runProbes(ctx context.Context, cc *capacity.Config, lf *limitsFlags, set map[string]bool, es *embeddedServer, progress io.Writer) (*result.Limits, error) {
	base := cc.Base
	lim := &result.Limits{
		Schema: result.Schema, Kind: result.LimitsKind, Tool: base.Tool, Target: base.URL, Embedded: base.Embedded,
		Protocol: base.Protocol, Started: time.Now(), Steps: []result.LimitStep{}, Verdict: result.VerdictProbeOnly, Warnings: []string{},
	}
	if lf.probe == probeConnections {
		pc := capacity.ProbeConfig{Base: base, Max: int(lf.max), Cooldown: cc.Cooldown}
		if es != nil {
			pc.Settle, pc.Cooldown = es.settle, 0
			if !set["max"] {
				pc.Max = embeddedProbeMax
			}
			if set["cooldown"] {
				pc.Cooldown = cc.Cooldown
			}
		}
		fmt.Fprintf(progress, "limits: probing connections: opening %d streams at once\n", cmp.Or(pc.Max, capacity.DefaultProbeMax))
		p, err := capacity.ProbeConnections(ctx, pc)
		if err != nil {
			return nil, err
		}
		lim.Probe = p
		if p.ClientLimited {
			lim.ClientLimited = true
		}
		if lf.browser && pause(ctx, pc.Cooldown, pc.Settle) != nil {
			return lim, nil
		}
	}
	if lf.browser && ctx.Err() == nil {
		fmt.Fprintf(progress, "limits: emulating %d browser tabs\n", lf.tabs)
		v, err := capacity.Browser(ctx, capacity.BrowserConfig{Base: base, Tabs: lf.tabs, Wait: lf.tabWait})
		if err != nil {
			return nil, err
		}
		lim.Browser = v
	}
	if base.Embedded {
		lim.Warnings = append(lim.Warnings, "the embedded reference server ran in this process: it shared the descriptors and the CPU with the probe; run `ssebench serve` apart to probe the server alone")
	}
	return lim, nil
}
