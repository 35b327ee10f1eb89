package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/stamp"
	refserver "github.com/ssebench/ssebench/reference-server"
	"github.com/ssebench/ssebench/reports/result"
)

// Options configure Run.
type Options struct {
	// Tool names the program and version for the result.
	Tool string
	// Self is the ssebench program, the value of {ssebench}.
	Self string
	// ServerCPUs pins every started target to these CPUs; nil = no pinning.
	ServerCPUs []int
	// ClientCPUs is recorded in the result; the caller pins itself (PinSelf).
	ClientCPUs []int
	// OnEvent, when set, is told what happens. Calls never overlap; it must
	// not block.
	OnEvent func(Event)
}

// EventKind says what an Event reports.
type EventKind int

// Kinds of Event.
const (
	// EventPhase: a run entered Event.Phase.
	EventPhase EventKind = iota
	// EventProgress: the measured load reported an interval (Event.Progress).
	EventProgress
	// EventDone: a run finished (Event.Run).
	EventDone
)

// Phases of a run, the values of Event.Phase.
const (
	PhaseStarting  = "starting"
	PhaseWarmup    = "warm-up"
	PhaseMeasuring = "measuring"
	PhaseStopping  = "stopping"
)

// Event tells Options.OnEvent how the benchmark goes.
type Event struct {
	// Kind says which fields are set.
	Kind EventKind
	// Index is the run's place in the plan (from 0), Total the plan's size.
	Index, Total int
	// Job is the run.
	Job Job
	// Phase is the phase entered (EventPhase).
	Phase string
	// Progress is loadgen's report (EventProgress).
	Progress loadgen.Progress
	// Run is the finished run (EventDone).
	Run *result.BenchRun
}

// Run runs the suite's plan and returns every run in one document. It
// stops early when ctx is cancelled: the run in progress is kept (marked
// interrupted) and the document says so. The error is non-nil only when
// nothing could run at all.
func Run(ctx context.Context, s *Suite, opts Options) (*result.Bench, error) {
	start := time.Now()
	b := &result.Bench{
		Schema: result.Schema, Kind: result.BenchKind, Tool: opts.Tool,
		Suite: s.Name, SuiteFile: s.File, Started: start, Cores: runtime.NumCPU(),
		ServerCPUs: cpuList(opts.ServerCPUs), ClientCPUs: cpuList(opts.ClientCPUs),
		Warnings: []string{},
	}
	for _, t := range s.Targets {
		b.Targets = append(b.Targets, result.BenchTarget{Name: t.Name, Description: t.Description, Latency: t.Latency, Started: t.Start != nil})
	}
	for _, sc := range s.Scenarios() {
		b.Scenarios = append(b.Scenarios, result.BenchScenario{
			Name: sc.Name(), Subscribers: sc.Subscribers, RatePerS: sc.Rate, PayloadBytes: sc.Payload, Protocol: sc.Protocol,
			DurationS: s.Duration.Seconds(), WarmupS: s.Warmup.Seconds(), Repeats: s.Repeats,
		})
	}
	dir, err := filepath.Abs(s.Dir)
	if err != nil {
		return nil, err
	}
	jobs := Plan(s)
	emit := func(e Event) {
		if opts.OnEvent != nil {
			e.Total = len(jobs)
			opts.OnEvent(e)
		}
	}
	for i, job := range jobs {
		if ctx.Err() != nil {
			break
		}
		r := runJob(ctx, s, job, dir, opts, func(e Event) { e.Index, e.Job = i, job; emit(e) })
		b.Runs = append(b.Runs, *r)
		emit(Event{Kind: EventDone, Index: i, Job: job, Run: r})
	}
	b.Interrupted = len(b.Runs) < len(jobs) || ctx.Err() != nil
	b.ElapsedS = time.Since(start).Seconds()
	b.Warnings = append(b.Warnings, warnings(s, b)...)
	return b, nil
}

// runJob runs one target once: start it fresh, wait until ready, read its
// idle cost, warm it up, measure, stop it.
func runJob(ctx context.Context, s *Suite, job Job, dir string, opts Options, emit func(Event)) *result.BenchRun {
	t := job.Target
	run := &result.BenchRun{Scenario: job.Scenario.Name(), Target: t.Name, Repeat: job.Repeat}
	fail := func(err error) *result.BenchRun {
		run.Error = err.Error()
		run.Valid, run.Invalid = false, "error: "+firstLine(run.Error)
		if ctx.Err() != nil {
			run.Invalid = "interrupted"
		}
		return run
	}
	v := Vars{Host: "127.0.0.1", Scenario: job.Scenario, Self: opts.Self, SuiteDir: dir}
	var proc *Process
	if t.Start != nil {
		emit(Event{Kind: EventPhase, Phase: PhaseStarting})
		port, err := FreePort()
		if err != nil {
			return fail(err)
		}
		v.Port = port
		tmp, err := os.MkdirTemp("", "ssebench-bench-*")
		if err != nil {
			return fail(err)
		}
		defer os.RemoveAll(tmp)
		v.Tmp = tmp
		if proc, err = StartProcess(t.Start, t.Stop, v, dir, opts.ServerCPUs); err != nil {
			return fail(withInstall(t, err))
		}
		defer func() {
			emit(Event{Kind: EventPhase, Phase: PhaseStopping})
			if err := proc.Stop(); err != nil && run.Error == "" {
				fail(fmt.Errorf("%s: %w", t.Name, err))
			}
		}()
		if err := proc.WaitReady(ctx, t.Ready, v.Expand(t.Ready.URL), v.Expand(t.URL)); err != nil {
			return fail(withInstall(t, fmt.Errorf("%s: %w", t.Name, err)))
		}
	}
	cfg, err := loadConfig(s, t, job.Scenario, v, opts.Tool)
	if err != nil {
		return fail(err)
	}
	var idle treeSample
	if proc != nil {
		if idle, err = sampleTree(proc.Pid()); err != nil {
			return fail(fmt.Errorf("%s: read its cost from /proc: %w", t.Name, err))
		}
	}
	if s.Warmup > 0 {
		emit(Event{Kind: EventPhase, Phase: PhaseWarmup})
		w := cfg
		w.Duration = s.Warmup
		if rep, err := loadgen.Run(ctx, w); rep == nil {
			return fail(fmt.Errorf("%s: warm-up: %w", t.Name, err))
		}
		if ctx.Err() != nil {
			run.Invalid = "interrupted during the warm-up"
			return run
		}
	}
	emit(Event{Kind: EventPhase, Phase: PhaseMeasuring})
	var meter *costMeter
	if proc != nil {
		meter = newCostMeter(proc.Pid(), idle)
	}
	cfg.Progress = func(p loadgen.Progress) {
		if meter != nil {
			meter.observe(p)
		}
		emit(Event{Kind: EventProgress, Progress: p})
	}
	rep, runErr := loadgen.Run(ctx, cfg)
	if meter != nil {
		run.Cost = meter.finish(rep)
	}
	if rep == nil {
		return fail(fmt.Errorf("%s: %w", t.Name, runErr))
	}
	rep.Label = t.Name
	run.Result = rep
	run.DeliveryRatio, run.DeliveryEstimated = deliveryRatio(rep, job.Scenario)
	if runErr != nil && !errors.Is(runErr, loadgen.ErrNothingMeasured) {
		run.Error = runErr.Error()
	}
	run.Valid, run.Invalid = judgeRun(rep, run.Error)
	return run
}

// judgeRun says whether a run may be ranked, and if not why.
func judgeRun(rep *result.Report, runErr string) (bool, string) {
	switch {
	case runErr != "":
		return false, "error: " + firstLine(runErr)
	case rep.Interrupted:
		return false, "interrupted"
	case rep.Subscribers.Connected == 0:
		return false, "no subscriber connected"
	case rep.SelfCheck.Saturated:
		return false, fmt.Sprintf("the load generator was saturated (CPU %.0f%% of one core, lag p99 %.1f ms): the figures describe the client, not the server",
			rep.SelfCheck.CPUPercent, float64(rep.SelfCheck.ReaderLagUS)/1000)
	}
	return true, ""
}

// deliveryRatio is the share of the expected events that arrived: the
// publisher's exact ratio, else 1 − the share missing by sequence id when
// the ids are a sequence (the server's own account of what it sent), else
// an estimate from the nominal rate (estimated true).
func deliveryRatio(rep *result.Report, sc Scenario) (ratio *float64, estimated bool) {
	if rep.DeliveryRatio != nil {
		v := *rep.DeliveryRatio
		return &v, false
	}
	if e := rep.Events; (e.IDScheme == "consecutive" || e.IDScheme == "composite") && e.Received+e.Gaps > 0 {
		v := 1 - float64(e.Gaps)/float64(e.Received+e.Gaps)
		return &v, false
	}
	want := sc.Rate * rep.DurationS * float64(rep.Subscribers.Requested)
	if want <= 0 {
		return nil, false
	}
	// Not capped at 1: the steady state's edges can let in a few events
	// more than rate × duration, and a target that fell behind its own
	// schedule sends its backlog late, above the rate; both are worth
	// seeing.
	v := float64(rep.Events.Received) / want
	return &v, true
}

// loadConfig is the loadgen configuration of one run: the same for every
// target of a scenario but for the URL and the latency source.
func loadConfig(s *Suite, t *Target, sc Scenario, v Vars, tool string) (loadgen.Config, error) {
	cfg := loadgen.Config{
		URL:            v.Expand(t.URL),
		Subscribers:    sc.Subscribers,
		Duration:       s.Duration,
		Protocol:       sc.Protocol,
		ConnectTimeout: s.ConnectTimeout,
		Interval:       min(time.Second, max(100*time.Millisecond, s.Duration/10)),
		Tool:           tool,

		SelfCheckOptions: s.SelfCheck,
	}
	switch l := t.Latency; {
	case l == "reference":
		cfg.Latency = stamp.WallClock{Source: "reference", Parse: refserver.ParsePublishTime}
	case l == "none":
	case l == "publisher":
		p := t.Publish
		cfg.PublishURL = v.Expand(p.URL)
		cfg.PublishMethod = p.Method
		cfg.PublishBody = p.Body
		cfg.PublishRate = sc.Rate
		if len(p.Headers) > 0 {
			cfg.PublishHeader = loadgen.RequestHeader{}
			for k, val := range p.Headers {
				cfg.PublishHeader.Add(k, v.Expand(val))
			}
		}
	case strings.HasPrefix(l, "json:"):
		src, err := stamp.NewJSON(strings.TrimPrefix(l, "json:"))
		if err != nil {
			return cfg, err
		}
		cfg.Latency = src
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%s: %w", t.Name, err)
	}
	return cfg, nil
}

// withInstall adds the target's install command to an error.
func withInstall(t *Target, err error) error {
	if t.Install == "" {
		return err
	}
	return fmt.Errorf("%w\n(install what it needs with: %s)", err, t.Install)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// cpuList shows cpus as a list: "0,1".
func cpuList(cpus []int) string {
	parts := make([]string, len(cpus))
	for i, c := range cpus {
		parts[i] = fmt.Sprint(c)
	}
	return strings.Join(parts, ",")
}

// warnings says what makes the comparison less trustworthy.
func warnings(s *Suite, b *result.Bench) []string {
	var ws []string
	if b.ServerCPUs == "" || b.ClientCPUs == "" {
		ws = append(ws, "server and client were not pinned to separate CPUs (--server-cpus, --client-cpus): they shared the cores, so each target's figures include the load generator's competition for CPU")
	}
	switch {
	case s.Repeats < 3:
		ws = append(ws, fmt.Sprintf("%d repeat(s) per target: no significance test is possible (it needs 3 or more); targets are told apart only by compare's tolerances", s.Repeats))
	case s.Repeats == 3:
		ws = append(ws, "3 repeats per target: the Mann-Whitney U test's smallest p-value with 3 runs a side is 0.1, so no two targets can differ significantly at α = 0.05; use 5 or more repeats")
	}
	invalid := 0
	for _, r := range b.Runs {
		if !r.Valid {
			invalid++
		}
	}
	if invalid > 0 {
		ws = append(ws, fmt.Sprintf("%d of %d runs are invalid and not ranked (see each run's \"invalid\")", invalid, len(b.Runs)))
	}
	if b.Interrupted {
		ws = append(ws, "the benchmark was interrupted: some runs did not happen")
	}
	for _, t := range s.Targets {
		if t.Start == nil {
			ws = append(ws, fmt.Sprintf("%s was already running: ssebench did not start it fresh and could not measure its CPU and memory", t.Name))
		}
	}
	return ws
}
