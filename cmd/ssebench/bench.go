package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/bench"
	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

const benchAbout = `Benchmarks several SSE implementations side by side, fairly, from a suite file
(YAML): the targets, how to start each one and when it is ready, and the load matrix
(subscribers × rate × payload × protocol, with duration, warm-up and repeats).

Every target starts fresh for every run (on a free loopback port), is warmed up, then
measured by the same engine as ssebench run while the CPU time and memory of its process
tree are read from /proc. Repeats are interleaved (A B C A B C …) so drift on a shared
machine hits every target alike. A run in which ssebench's self-check says the client was
the bottleneck is kept but never ranked. --server-cpus and --client-cpus keep server and
client on separate cores.

The report ranks the targets of each scenario by fan-out p99, marking those compare cannot
tell apart, with server CPU per delivered event and memory per subscriber. With no suite
file a built-in suite runs: the reference server with per-event against coalesced flushing.
Example suites are in benchmarks/suites/. ssebench report re-renders a saved --out file.
Exit status: 0 ok, 1 no run could be ranked, 2 bad usage or suite.`

// benchFlags are the flags of `ssebench bench`.
type benchFlags struct {
	out, reportDir, format string
	serverCPUs, clientCPUs string
	repeats                int
	duration, warmup       time.Duration
	only                   string
	quiet, dryRun          bool
}

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "ssebench bench [flags] [SUITE.yaml]", benchAbout, stderr)
	var f benchFlags
	fs.StringVar(&f.out, "out", "", "write the JSON result (kind \"bench\", every run's full result) to `file`")
	fs.StringVar(&f.reportDir, "report-dir", "", "at the end, write bench.json, bench.txt, bench.md and bench.html to `directory`")
	fs.StringVar(&f.format, "format", "text", "summary `format` on stdout: "+strings.Join(reports.BenchFormatNames(), ", "))
	fs.StringVar(&f.serverCPUs, "server-cpus", "", "pin every target to these `CPUs` (e.g. 1 or 2-3), so it does not compete with ssebench")
	fs.StringVar(&f.clientCPUs, "client-cpus", "", "pin ssebench itself to these `CPUs` (e.g. 0)")
	fs.IntVar(&f.repeats, "repeats", 0, "measure each target this many `times` per scenario (overrides the suite; with 5 or more the ranking can tell targets apart significantly)")
	fs.DurationVar(&f.duration, "duration", 0, "steady state of each measured run (overrides the suite)")
	fs.DurationVar(&f.warmup, "warmup", 0, "load before each measured run, not measured (overrides the suite; 0 = none)")
	fs.StringVar(&f.only, "targets", "", "run only these `targets` (comma-separated names)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress display on stderr")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the plan (every run, in order) and exit")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErrorf("bench takes at most one suite file, got %d arguments: %q", len(pos), pos)
	}
	encode, err := reports.LookupBench(f.format)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	s, err := loadSuite(pos, &f, setFlags(fs))
	if err != nil {
		return err
	}
	serverCPUs, err := bench.ParseCPUs(f.serverCPUs)
	if err != nil {
		return usageErrorf("--server-cpus: %v", err)
	}
	clientCPUs, err := bench.ParseCPUs(f.clientCPUs)
	if err != nil {
		return usageErrorf("--client-cpus: %v", err)
	}
	jobs := bench.Plan(s)
	if f.dryRun {
		return printBenchPlan(stdout, s, jobs)
	}
	if len(jobs) == 0 {
		return usageErrorf("the suite has no run: no target speaks the matrix's protocols")
	}
	if err := checkBenchOutputs(&f); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the ssebench program for {ssebench}: %w", err)
	}
	if err := bench.PinSelf(clientCPUs); err != nil {
		return err
	}

	prog := newBenchProgress(stderr, f.quiet, s, jobs)
	doc, err := bench.Run(ctx, s, bench.Options{
		Tool: "ssebench/" + version, Self: self,
		ServerCPUs: serverCPUs, ClientCPUs: clientCPUs,
		OnEvent: prog.event,
	})
	prog.done()
	if err != nil {
		return err
	}
	if err := writeBenchOutputs(doc, &f, stderr); err != nil {
		return err
	}
	if err := encode(stdout, doc); err != nil {
		return err
	}
	for _, r := range doc.Runs {
		if r.Valid {
			return nil
		}
	}
	return &codeError{code: exitError, err: errors.New("no valid run: nothing could be ranked (see each run's error above)")}
}

// loadSuite reads the suite file, or the built-in suite, and applies the
// flags that override it.
func loadSuite(pos []string, f *benchFlags, set map[string]bool) (*bench.Suite, error) {
	var s *bench.Suite
	if len(pos) == 0 {
		s = bench.Builtin()
	} else {
		var err error
		if s, err = bench.ParseFile(pos[0]); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, usageErrorf("suite: %v", err)
			}
			return nil, usageErrorf("suite %s:\n%v", pos[0], err)
		}
	}
	if set["repeats"] {
		if f.repeats < 1 {
			return nil, usageErrorf("--repeats must be >= 1, got %d", f.repeats)
		}
		s.Repeats = f.repeats
	}
	if set["duration"] {
		if f.duration <= 0 {
			return nil, usageErrorf("--duration must be > 0, got %s", f.duration)
		}
		s.Duration = f.duration
	}
	if set["warmup"] {
		if f.warmup < 0 {
			return nil, usageErrorf("--warmup must be >= 0, got %s", f.warmup)
		}
		s.Warmup = f.warmup
	}
	if f.only != "" {
		var keep []bench.Target
		for _, name := range strings.Split(f.only, ",") {
			name = strings.TrimSpace(name)
			found := false
			for _, t := range s.Targets {
				if t.Name == name {
					keep, found = append(keep, t), true
				}
			}
			if !found {
				var names []string
				for _, t := range s.Targets {
					names = append(names, t.Name)
				}
				return nil, usageErrorf("--targets: no target %q in the suite (have %s)", name, strings.Join(names, ", "))
			}
		}
		s.Targets = keep
	}
	return s, nil
}

// printBenchPlan lists every run in order.
func printBenchPlan(w io.Writer, s *bench.Suite, jobs []bench.Job) error {
	fmt.Fprintf(w, "suite %s: %d targets, %d scenarios, %d repeats of %s after %s of warm-up: %d runs\n",
		s.Name, len(s.Targets), len(s.Scenarios()), s.Repeats, s.Duration, s.Warmup, len(jobs))
	for i, j := range jobs {
		fmt.Fprintf(w, "%4d  %-40s  repeat %d  %s\n", i+1, j.Scenario.Name(), j.Repeat, j.Target.Name)
	}
	return nil
}

// checkBenchOutputs fails before the benchmark when an output cannot be
// written, not after it.
func checkBenchOutputs(f *benchFlags) error {
	if f.out != "" {
		fh, err := os.OpenFile(f.out, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		fh.Close()
	}
	if f.reportDir != "" {
		if err := os.MkdirAll(f.reportDir, 0o755); err != nil {
			return fmt.Errorf("--report-dir: %w", err)
		}
	}
	return nil
}

// benchDirFiles are the files --report-dir writes, by format.
var benchDirFiles = []struct{ file, format string }{
	{"bench.json", "json"}, {"bench.txt", "text"}, {"bench.md", "md"}, {"bench.html", "html"},
}

// writeBenchOutputs writes --out and --report-dir.
func writeBenchOutputs(doc *result.Bench, f *benchFlags, stderr io.Writer) error {
	var errs []error
	if f.out != "" {
		if err := writeFileAtomic(f.out, func(w io.Writer) error { return reports.BenchJSON(w, doc) }); err != nil {
			errs = append(errs, fmt.Errorf("--out: %w", err))
		}
	}
	if f.reportDir != "" {
		var wrote []string
		for _, x := range benchDirFiles {
			enc, _ := reports.LookupBench(x.format)
			if err := writeFileAtomic(filepath.Join(f.reportDir, x.file), func(w io.Writer) error { return enc(w, doc) }); err != nil {
				errs = append(errs, fmt.Errorf("--report-dir: %s: %w", x.file, err))
				continue
			}
			wrote = append(wrote, x.file)
		}
		if !f.quiet && len(wrote) > 0 {
			fmt.Fprintf(stderr, "reports in %s: %s\n", f.reportDir, strings.Join(wrote, " "))
		}
	}
	return errors.Join(errs...)
}
