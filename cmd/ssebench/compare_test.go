package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

// writeCompareResult writes a minimal result with the given fan-out p50 and p99
// (ms) to dir/name and returns its path.
func writeCompareResult(t *testing.T, dir, name string, p50ms, p99ms float64) string {
	t.Helper()
	us := func(ms float64) int64 { return int64(ms * 1000) }
	r := &result.Report{
		Schema: result.Schema, Tool: "ssebench/test", Target: "http://127.0.0.1:8080/events", Protocol: "h1",
		LatencySource: "reference",
		Subscribers:   result.Subscribers{Requested: 50, Connected: 50},
		Events:        result.Events{Received: 5000, RatePerS: 2500},
		LatencyUS: result.Latencies{
			Fanout:  result.Latency{Count: 5000, Min: 100, P50: us(p50ms), P90: us(p99ms), P99: us(p99ms), P999: us(p99ms), Max: us(p99ms)},
			Connect: result.Latency{Count: 50, Min: 100, P50: 300, P90: 400, P99: 500, P999: 500, Max: 500},
		},
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCompare_exitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := writeCompareResult(t, dir, "base.json", 1, 2)
	noisy := writeCompareResult(t, dir, "noisy.json", 1.3, 4.5) // p99 more than doubles, inside the 5 ms floor
	slow := writeCompareResult(t, dir, "slow.json", 31, 34)
	for i, p99 := range []float64{2.0, 2.1, 2.2, 2.3, 2.4} {
		writeCompareResult(t, dir, fmt.Sprintf("b-%d.json", i+1), 1, p99)
		writeCompareResult(t, dir, fmt.Sprintf("n-%d.json", i+1), 1, p99+40)
		writeCompareResult(t, dir, fmt.Sprintf("rep/run-%d/report.json", i+1), 1, p99+0.05)
	}
	glob := func(p string) string { return filepath.Join(dir, p) }

	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout, or in stderr for errors
	}{
		{"noise inside the floor", []string{base, noisy}, exitOK, "result: no regression"},
		{"regression", []string{base, slow}, exitRegressed, "REGRESSION in fanout.p50, fanout.p99, fanout.p999"},
		{"tolerance widens the floor", []string{"--tolerance", "fanout.p50=50ms,fanout.p99=50ms", "--tolerance", "fanout.p999=50ms", base, slow}, exitOK, "no regression"},
		{"tolerance narrows", []string{"--tolerance", "fanout.p99=0ms:10%", base, noisy}, exitRegressed, "REGRESSION in fanout.p99"},
		{"markdown", []string{"--format", "md", base, slow}, exitRegressed, "❌ **regression**"},
		{"globs, significant", []string{glob("b-*.json"), glob("n-*.json")}, exitRegressed, "p=0.008 n=5+5"},
		{"directory of --repeat --report-dir", []string{glob("rep"), glob("b-*.json")}, exitOK, "(5 runs)"},
		{"comma list", []string{base + "," + noisy, slow + "," + slow}, exitRegressed, "2 runs"},
		{"same runs", []string{glob("b-*.json"), glob("b-*.json")}, exitOK, "no regression"},
		{"metrics", []string{"--metrics", "fanout.p95,events.rate", base, slow}, exitOK, "events.rate"},
		{"one argument", []string{base}, exitUsage, "compare takes BASE and NEW"},
		{"three arguments", []string{base, base, base}, exitUsage, "quote globs"},
		{"bad tolerance", []string{"--tolerance", "fanout.p99=5", base, base}, exitUsage, "is a time"},
		{"bad metric", []string{"--metrics", "fanot.p99", base, base}, exitUsage, "did you mean fanout.p99"},
		{"bad format", []string{"--format", "html", base, base}, exitUsage, "want text or md"},
		{"bad alpha", []string{"--alpha", "2", base, base}, exitUsage, "--alpha"},
		{"missing file", []string{base, filepath.Join(dir, "nope.json")}, exitError, "no such file"},
		{"glob matches nothing", []string{base, glob("zz-*.json")}, exitError, "no file matches"},
		{"not a result", []string{base, writeText(t, dir, "x.json", "{}")}, exitUsage, "not a ssebench run result"},
		{"a limits result", []string{base, writeText(t, dir, "l.json", `{"schema":1,"kind":"limits","target":"embedded","steps":[]}`)}, exitUsage,
			"not a ssebench run result: it is a ssebench limits result (ssebench limits --out); this reads the results of ssebench run --out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := realMain(append([]string{"compare"}, tt.args...), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
		})
	}
}

func writeText(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNumbered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		i    int
		want string
	}{
		{"r.json", 1, "r-1.json"},
		{"out/base.json", 12, "out/base-12.json"},
		{"junit.xml", 3, "junit-3.xml"},
		{"dump", 2, "dump-2"},
		{"dir.v2/result", 2, "dir.v2/result-2"},
	}
	for _, tt := range tests {
		if got := numbered(tt.path, tt.i); got != tt.want {
			t.Errorf("numbered(%q, %d) = %q, want %q", tt.path, tt.i, got, tt.want)
		}
	}
}
