package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/merge"
	"github.com/ssebench/ssebench/reports/result"
)

const mergeAbout = `Merges the results of the shards of one run (ssebench run --shard I/N, or --shards N in a
Kubernetes Indexed Job) into one result, exactly: histograms are merged, so the merged
p99 is the p99 of every sample of every shard; counters and rates are summed; the time
series is aligned by wall-clock time. Each shard's self-check is kept under "shards", and
a saturated shard is a warning on the merged result.

FILE may be a directory: its *.json files are read. Shards that disagree on the load
(URL, protocol, latency source, shard count, the whole run's subscribers or rates, any
other setting) or repeat an index are refused (exit 2), as are missing shards unless
--partial. --threshold judges the merged result (exit 3 when one fails), and the merged
result is an ordinary result: ssebench report and compare read it.`

// mergeFlags are the output flags merge and `k8s collect` share.
type mergeFlags struct {
	out, format string
	partial     bool
	th          *thresholdFlags
}

// addMergeFlags registers the flags of merge's output.
func addMergeFlags(fs *flag.FlagSet) *mergeFlags {
	mf := &mergeFlags{}
	fs.StringVar(&mf.out, "out", "", "write the merged JSON result to `file`")
	fs.StringVar(&mf.format, "format", "text", "summary `format` on stdout: "+strings.Join(reports.Names(), ", "))
	fs.BoolVar(&mf.partial, "partial", false, "merge even when shards are missing (a failed pod); the result says which")
	mf.th = addThresholdFlags(fs) // --threshold, --junit (run_threshold.go)
	return mf
}

func cmdMerge(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", "ssebench merge [flags] FILE... --out merged.json", mergeAbout, stderr)
	mf := addMergeFlags(fs)
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErrorf("merge needs the shards' result files")
	}
	if files, err = expandDirs(files); err != nil {
		return err
	}
	in := make([]merge.Input, len(files))
	for i, path := range files {
		rep, err := result.ReadFile(path)
		if err != nil {
			return err
		}
		in[i] = merge.Input{File: path, Report: rep}
	}
	return mf.write(in, stdout, stderr)
}

// expandDirs replaces each directory among paths by its *.json files, in
// name order.
func expandDirs(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		found, err := filepath.Glob(filepath.Join(p, "*.json"))
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, usageErrorf("%s: no *.json result files in the directory", p)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// write merges in and writes the merged result: --out, the summary on
// stdout, --junit; the exit code follows the thresholds.
func (mf *mergeFlags) write(in []merge.Input, stdout, stderr io.Writer) error {
	warnings, err := mf.th.parse()
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "ssebench: warning: %s\n", w)
	}
	encode, err := lookupStdout(mf.format, stdout)
	if err != nil {
		return err
	}
	rep, err := merge.Merge(in, merge.Options{Partial: mf.partial})
	if errors.Is(err, merge.ErrMismatch) {
		return &codeError{code: exitUsage, err: err}
	}
	if err != nil {
		return err
	}
	mf.th.evaluate(rep)
	if mf.out != "" {
		if err := reports.WriteFile(mf.out, rep); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	if err := encode(stdout, rep); err != nil {
		return err
	}
	if err := mf.th.writeJUnit(mf.th.junit, rep); err != nil {
		return err
	}
	return mf.th.verdict(rep, nil)
}
