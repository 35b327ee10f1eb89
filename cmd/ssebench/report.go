package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ssebench/ssebench/internal/atomicfile"
	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

// reportAbout is the help text of `ssebench report`; it lists the formats.
func reportAbout() string {
	var b strings.Builder
	b.WriteString(`Renders saved JSON results (from ssebench run --out or --report-dir) in another format.

With several files: text and json print one after another, md is a comparison table,
csv is one table with a "run" column, and html, svg and png overlay the runs in every
chart; hgrm and hlog hold one run per file. A run is named by its "label" key, else by
its file name (the directory's name for a --report-dir report.json).

Formats:
`)
	for _, f := range reports.Formats() {
		fmt.Fprintf(&b, "  %-5s %s\n", f.Name, f.Summary)
	}
	b.WriteString("\npng is binary: give --out or redirect stdout to a file.\n")
	b.WriteString("A limits result (ssebench limits --out) renders as text, json, md or html; so does a\nbench result (ssebench bench --out).")
	return b.String()
}

func cmdReport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "ssebench report [--format F] [--out FILE] FILE...", reportAbout(), stderr)
	format := fs.String("format", "text", "output `format`: "+strings.Join(reports.Names(), ", "))
	out := fs.String("out", "", "write to `file` instead of stdout")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErrorf("report needs at least one result file")
	}
	if len(files) == 1 && isLimitsFile(files[0]) {
		return reportLimits(files[0], *format, *out, stdout)
	}
	if len(files) == 1 && isBenchFile(files[0]) {
		return reportBench(files[0], *format, *out, stdout) // bench_report.go
	}
	f, err := reports.LookupFormat(*format)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	rs := make([]*result.Report, len(files))
	for i, path := range files {
		if rs[i], err = result.ReadFile(path); err != nil {
			if errors.Is(err, result.ErrNotARun) {
				return usageErrorf("%v", err)
			}
			return err
		}
	}
	// The JSON output stays the document that was read; every other
	// format names the runs.
	if f.Name != "json" {
		labelRuns(files, rs)
	}
	if *out == "" {
		if f.Binary && isTerminal(stdout) {
			return usageErrorf("--format %s is binary and stdout is a terminal: give --out FILE or redirect stdout to a file", f.Name)
		}
		err = f.EncodeAll(stdout, rs)
	} else {
		err = writeFileAtomic(*out, func(w io.Writer) error { return f.EncodeAll(w, rs) })
	}
	if errors.Is(err, reports.ErrOneReport) {
		return usageErrorf("--format %s: %v", f.Name, err)
	}
	return err
}

// lookupStdout returns the encoder for a summary written to stdout,
// refusing a binary format when stdout is a terminal.
func lookupStdout(name string, stdout io.Writer) (reports.Encoder, error) {
	f, err := reports.LookupFormat(name)
	if err != nil {
		return nil, usageErrorf("--format: %v", err)
	}
	if f.Binary && isTerminal(stdout) {
		return nil, usageErrorf("--format %s is binary and stdout is a terminal: redirect stdout to a file, or use --report-dir", name)
	}
	return f.Encode, nil
}

// labelRuns names the runs that have no label after their files: the base
// name without extension, or for a --report-dir "report.json" the
// directory's name. Where two names collide the parent directory is kept
// too, then the whole path, so every legend entry is distinct.
func labelRuns(paths []string, rs []*result.Report) {
	names := make([]string, len(paths))
	for i, p := range paths {
		base := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		if base == "report" {
			if dir := filepath.Base(filepath.Dir(p)); dir != "." && dir != string(filepath.Separator) {
				base = dir
			}
		}
		names[i] = base
	}
	for _, long := range []func(string) string{
		func(p string) string {
			return filepath.Join(filepath.Base(filepath.Dir(p)), strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)))
		},
		func(p string) string { return p },
	} {
		seen := map[string]int{}
		for _, n := range names {
			seen[n]++
		}
		for i, p := range paths {
			if seen[names[i]] > 1 {
				names[i] = long(p)
			}
		}
	}
	for i, r := range rs {
		if r.Label == "" {
			r.Label = names[i]
		}
	}
}

// writeFileAtomic writes path through atomicfile: the one way every
// output of ssebench is written (folders created, never half a file,
// readable by others).
func writeFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}

// isLimitsFile tells whether path holds a `ssebench limits` result (its
// "kind" is "limits") rather than a run's.
func isLimitsFile(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var doc struct {
		Kind string `json:"kind"`
	}
	return json.Unmarshal(b, &doc) == nil && doc.Kind == result.LimitsKind
}

// reportLimits renders a saved `ssebench limits` result in one of its
// formats (text, json, md, html).
func reportLimits(path, format, out string, stdout io.Writer) error {
	enc, err := reports.LookupLimits(format)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	l, err := result.ReadLimits(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if out == "" {
		return enc(stdout, l)
	}
	return writeFileAtomic(out, func(w io.Writer) error { return enc(w, l) })
}
