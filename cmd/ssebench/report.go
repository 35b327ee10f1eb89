package main

import (
	"context"
	"io"

	"github.com/ssebench/ssebench/reports"
)

func cmdReport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "ssebench report [--format F] FILE...", "Re-renders saved JSON results (from `ssebench run --out`).", stderr)
	format := fs.String("format", "text", "output `format`: text or json")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErrorf("report needs at least one result file")
	}
	encode, err := reports.Lookup(*format)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	for i, path := range files {
		rep, err := reports.ReadFile(path)
		if err != nil {
			return err
		}
		if i > 0 {
			io.WriteString(stdout, "\n")
		}
		if err := encode(stdout, rep); err != nil {
			return err
		}
	}
	return nil
}
