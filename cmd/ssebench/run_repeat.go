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
)

// numberedOutputs are the run flags naming one output file; with --repeat
// N, run i writes NAME-i.EXT instead.
var numberedOutputs = []string{"out", "junit", "hlog", "dump"}

// repeatFlags is --repeat: run the same benchmark several times, so that
// compare can tell a change from noise with a significance test.
type repeatFlags struct {
	fs *flag.FlagSet
	n  int
}

// addRepeatFlag registers --repeat.
func addRepeatFlag(fs *flag.FlagSet) *repeatFlags {
	r := &repeatFlags{fs: fs, n: 1}
	fs.IntVar(&r.n, "repeat", 1, "run the benchmark `N` times, one after another (a fresh embedded server each time); run i writes\n"+
		"--out, --junit, --hlog and --dump to NAME-i.EXT (r.json → r-1.json … r-N.json) and --report-dir to DIR/run-i,\n"+
		"so 'ssebench compare \"base-*.json\" \"new-*.json\"' can test the difference for significance (5 or more runs per side)")
	return r
}

// check rejects a bad count before anything runs.
func (r *repeatFlags) check() error {
	if r.n < 1 {
		return usageErrorf("--repeat must be >= 1, got %d", r.n)
	}
	return nil
}

// run runs `ssebench run` r.n times with the original arguments plus the
// numbered outputs of each run, and "--repeat 1". Appended flags override
// the same flags earlier on the command line or in a scenario, so each
// run is exactly the benchmark asked for, written to its own files. A run
// whose thresholds fail does not stop the others (every result is
// wanted for the comparison); any other error does. Stopping with Ctrl-C
// ends the series after the current run.
func (r *repeatFlags) run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	value := func(name string) string { return r.fs.Lookup(name).Value.String() }
	quiet := value("quiet") == "true"
	var failed []string
	for i := 1; i <= r.n; i++ {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "ssebench: interrupted: ran %d of %d runs\n", i-1, r.n)
			break
		}
		extra := []string{"--repeat", "1"}
		for _, name := range numberedOutputs {
			if v := value(name); v != "" {
				extra = append(extra, "--"+name, numbered(v, i))
			}
		}
		if dir := value("report-dir"); dir != "" {
			extra = append(extra, "--report-dir", filepath.Join(dir, fmt.Sprintf("run-%d", i)))
		}
		if !quiet {
			fmt.Fprintf(stderr, "ssebench: run %d of %d\n", i, r.n)
		}
		err := cmdRun(ctx, withFlags(args, extra), stdout, stderr)
		var ce *codeError
		switch {
		case err == nil:
		case errors.As(err, &ce) && ce.code == exitThreshold:
			fmt.Fprintf(stderr, "ssebench: run %d of %d: %v\n", i, r.n, ce.err)
			failed = append(failed, fmt.Sprint(i))
		case errors.As(err, &ce):
			if ce.err == nil {
				return ce
			}
			return &codeError{code: ce.code, err: fmt.Errorf("run %d of %d: %w", i, r.n, ce.err)}
		default:
			return fmt.Errorf("run %d of %d: %w", i, r.n, err)
		}
	}
	if len(failed) > 0 {
		return &codeError{code: exitThreshold, err: fmt.Errorf("thresholds failed in run %s of %d", strings.Join(failed, ", "), r.n)}
	}
	return nil
}

// numbered returns path with "-i" before its extension: r.json → r-2.json,
// out → out-2.
func numbered(path string, i int) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(path, ext), i, ext)
}

// withFlags returns args with extra flags added where flag parsing still
// sees them: before a "--" that ends the flags, else at the end.
func withFlags(args, extra []string) []string {
	if i := slices.Index(args, "--"); i >= 0 {
		return slices.Concat(args[:i], extra, args[i:])
	}
	return slices.Concat(args, extra)
}
