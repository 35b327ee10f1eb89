package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

// TestRun_reportDirAndLiveHLog runs against the embedded reference server
// with --report-dir and --hlog: the interval log has intervals while the
// run is still going, and at the end the directory holds every format and
// the log reads back, with hdrhistogram-go's reader, as the result's
// intervals.
func TestRun_reportDirAndLiveHLog(t *testing.T) {
	dir := t.TempDir()
	rdir, hlog := filepath.Join(dir, "out"), filepath.Join(dir, "live.hlog")
	args := []string{"run", "--subscribers", "20", "--duration", "2s", "--rate", "20", "--interval", "200ms",
		"--quiet", "--report-dir", rdir, "--hlog", hlog}
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() { done <- realMain(args, &bytes.Buffer{}, &stderr) }()

	// Live: an interval line appears before the run ends.
	sawLive := false
	for !sawLive {
		select {
		case code := <-done:
			t.Fatalf("run ended (exit %d) before the hlog had an interval; stderr:\n%s", code, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		b, _ := os.ReadFile(hlog)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, ",HISTF") {
				sawLive = true
			}
		}
	}
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}

	want := []string{"connect.hgrm", "first-event.hgrm"}
	for _, f := range reports.Formats() {
		want = append(want, f.File)
	}
	for _, name := range want {
		if fi, err := os.Stat(filepath.Join(rdir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("--report-dir lacks %s (%v)", name, err)
		}
	}
	rep, err := result.ReadFile(filepath.Join(rdir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(rdir, "charts.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("charts.png: %v", err)
	}
	rows := readCSV(t, filepath.Join(rdir, "intervals.csv"))
	if got, want := len(rows), len(rep.Intervals)+1; got != want {
		t.Errorf("intervals.csv has %d rows, want %d (header + one per interval)", got, want)
	}

	// The final log is the result's intervals, one histogram each.
	for _, path := range []string{hlog, filepath.Join(rdir, "fanout.hlog")} {
		lf, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rd := hdrhistogram.NewHistogramLogReader(bufio.NewReader(lf))
		merged, fromReport := result.NewLatencyHistogram(), result.NewLatencyHistogram()
		n := 0
		for {
			h, err := rd.NextIntervalHistogram()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if h == nil {
				break
			}
			merged.Merge(h)
			n++
		}
		lf.Close()
		for _, iv := range rep.Intervals {
			h, err := iv.FanoutHistogram()
			if err != nil {
				t.Fatalf("interval at %.2fs: %v", iv.ElapsedS, err)
			}
			fromReport.Merge(h)
		}
		if n != len(rep.Intervals) {
			t.Errorf("%s: %d intervals, want %d", path, n, len(rep.Intervals))
		}
		if merged.TotalCount() == 0 || merged.TotalCount() < rep.LatencyUS.Fanout.Count {
			t.Errorf("%s: %d values, want at least the steady state's %d", path, merged.TotalCount(), rep.LatencyUS.Fanout.Count)
		}
		for _, q := range []float64{50, 99, 100} {
			if got, want := merged.ValueAtQuantile(q), fromReport.ValueAtQuantile(q); got != want {
				t.Errorf("%s: p%v = %d µs, want the result's %d", path, q, got, want)
			}
		}
	}
}

func TestRun_reportOutputsFailEarly(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"report dir is a file", []string{"--report-dir", file}, "--report-dir"},
		{"hlog in a missing dir", []string{"--hlog", filepath.Join(file, "x.hlog")}, "--hlog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			start := time.Now()
			args := append([]string{"run", "--subscribers", "2", "--duration", "10s", "--quiet"}, tt.args...)
			if code := realMain(args, &bytes.Buffer{}, &stderr); code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr = %q, want it to name %s", stderr.String(), tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("failed after %v: the check must come before the run", d)
			}
		})
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}
