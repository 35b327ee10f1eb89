package main

import (
	"encoding/json"
	"io"
	"os"

	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

// isBenchFile tells whether path holds a `ssebench bench` result (its
// "kind" is "bench").
func isBenchFile(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var doc struct {
		Kind string `json:"kind"`
	}
	return json.Unmarshal(b, &doc) == nil && doc.Kind == result.BenchKind
}

// reportBench renders a saved `ssebench bench` result in one of its
// formats (text, json, md, html).
func reportBench(path, format, out string, stdout io.Writer) error {
	enc, err := reports.LookupBench(format)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	b, err := result.ReadBenchFile(path)
	if err != nil {
		return err
	}
	if out == "" {
		return enc(stdout, b)
	}
	return writeFileAtomic(out, func(w io.Writer) error { return enc(w, b) })
}
