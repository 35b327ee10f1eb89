package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

// writeResult saves a small result with real histograms and a time series.
func writeResult(t *testing.T, path string, scale int64) {
	t.Helper()
	r := &result.Report{Schema: result.Schema, Tool: "ssebench/test", Target: "http://127.0.0.1:1/events",
		Protocol: "h1", Started: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC), DurationS: 3,
		Subscribers: result.Subscribers{Requested: 10, Connected: 10}, Warnings: []string{}}
	total := result.NewLatencyHistogram()
	for k := 1; k <= 3; k++ {
		h := result.NewLatencyHistogram()
		for v := int64(1); v <= 100; v++ {
			_ = h.RecordValue(scale * v * int64(k))
		}
		total.Merge(h)
		r.Intervals = append(r.Intervals, result.Interval{ElapsedS: float64(k), Connected: 10, Events: 100,
			EventsPerS: 100, FanoutP50US: h.ValueAtQuantile(50), FanoutP99US: h.ValueAtQuantile(99), FanoutHDR: result.EncodeHDR(h)})
	}
	var err error
	if r.LatencyUS.Fanout, err = result.Summarize(total); err != nil {
		t.Fatal(err)
	}
	if r.LatencyUS.Connect, err = result.Summarize(total); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
}

func TestReport_formats(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "nginx.json"), filepath.Join(dir, "caddy", "report.json")
	writeResult(t, a, 10)
	writeResult(t, b, 12)
	tests := []struct {
		name  string
		args  []string
		code  int
		want  string // in stdout, or in stderr when code != 0
		empty bool   // stdout must be empty (output went to --out)
	}{
		{"text", []string{"--format", "text", a}, exitOK, "fan-out", false},
		{"md comparison", []string{"--format", "md", a, b}, exitOK, "### ssebench: nginx vs caddy", false},
		{"csv with run column", []string{"--format", "csv", a, b}, exitOK, "caddy,1.000,10,100", false},
		{"hgrm", []string{"--format", "hgrm", a}, exitOK, "1/(1-Percentile)", false},
		{"hlog", []string{"--format", "hlog", a}, exitOK, "#[Histogram log format version 1.3]", false},
		{"html overlay", []string{"--format", "html", a, b}, exitOK, "ssebench: nginx vs caddy", false},
		{"svg", []string{"--format", "svg", a}, exitOK, "<svg", false},
		{"json keeps the document", []string{"--format", "json", a}, exitOK, `"schema": 1`, false},
		{"hgrm holds one run", []string{"--format", "hgrm", a, b}, exitUsage, "one result per file", false},
		{"unknown format", []string{"--format", "pdf", a}, exitUsage, "unknown format", false},
		{"png to a file", []string{"--format", "png", "--out", filepath.Join(dir, "c.png"), a, b}, exitOK, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := realMain(append([]string{"report"}, tt.args...), &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			got := stdout.String()
			if code != exitOK {
				got = stderr.String()
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output lacks %q:\n%.600s", tt.want, got)
			}
			if tt.empty && stdout.Len() > 0 {
				t.Errorf("stdout has %d bytes, want none with --out", stdout.Len())
			}
		})
	}
	f, err := os.Open(filepath.Join(dir, "c.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("--out c.png: %v", err)
	}
	if json := mustRun(t, "report", "--format", "json", a); strings.Contains(json, `"label"`) {
		t.Error("report --format json added a label the file did not have")
	}
}

// TestReport_binaryRefusedOnTerminal writes png to a character device, as a
// terminal is: it is refused with a hint, and nothing is written.
func TestReport_binaryRefusedOnTerminal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	writeResult(t, path, 10)
	tty, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer tty.Close()
	for _, args := range [][]string{
		{"report", "--format", "png", path},
		{"run", "--format", "png", "--quiet", "--subscribers", "1", "--duration", "1ms"},
	} {
		var stderr bytes.Buffer
		if code := realMain(args, tty, &stderr); code != exitUsage {
			t.Errorf("%s: exit %d, want %d", strings.Join(args[:3], " "), code, exitUsage)
		}
		if !strings.Contains(stderr.String(), "binary") || !strings.Contains(stderr.String(), "redirect") {
			t.Errorf("%s: stderr = %q, want a hint to redirect", strings.Join(args[:3], " "), stderr.String())
		}
	}
}

func TestLabelRuns(t *testing.T) {
	tests := []struct {
		name   string
		paths  []string
		labels []string // existing labels
		want   []string
	}{
		{"file names", []string{"a/nginx.json", "b/caddy.json"}, nil, []string{"nginx", "caddy"}},
		{"report-dir names", []string{"runs/nginx/report.json", "runs/caddy/report.json"}, nil, []string{"nginx", "caddy"}},
		{"same name, parent kept", []string{"v1/r.json", "v2/r.json"}, nil, []string{"v1/r", "v2/r"}},
		{"same everything, whole path", []string{"x/v1/r.json", "y/v1/r.json"}, nil, []string{"x/v1/r.json", "y/v1/r.json"}},
		{"labels win", []string{"a.json", "b.json"}, []string{"before", ""}, []string{"before", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := make([]*result.Report, len(tt.paths))
			for i := range rs {
				rs[i] = &result.Report{}
				if tt.labels != nil {
					rs[i].Label = tt.labels[i]
				}
			}
			labelRuns(tt.paths, rs)
			for i, r := range rs {
				if r.Label != tt.want[i] {
					t.Errorf("label %d = %q, want %q", i, r.Label, tt.want[i])
				}
			}
		})
	}
}
