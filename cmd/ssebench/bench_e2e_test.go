package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// TestMain lets the test binary stand in for the ssebench program that
// `ssebench bench` starts as {ssebench}: run as "TESTBIN serve …" it is
// `ssebench serve`, and runs no test.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// needBenchTargets checks that the real servers of the e2e suite are
// installed: it fails under CI=true (.ci/run installs them) and skips
// elsewhere, saying how to install them.
func needBenchTargets(t *testing.T) {
	t.Helper()
	var missing []string
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		nginx = "/usr/sbin/nginx"
	}
	if _, err := os.Stat(nginx); err != nil {
		missing = append(missing, "nginx (apt-get install nginx libnginx-mod-nchan)")
	} else if out, _ := exec.Command(nginx, "-V").CombinedOutput(); !bytes.Contains(out, []byte("nchan")) {
		found := os.Getenv("SSEBENCH_NCHAN_MODULE") != ""
		for _, m := range []string{"/usr/lib/nginx/modules/ngx_nchan_module.so", "/usr/lib64/nginx/modules/ngx_nchan_module.so"} {
			if _, err := os.Stat(m); err == nil {
				found = true
			}
		}
		if !found {
			missing = append(missing, "the nchan module (apt-get install libnginx-mod-nchan)")
		}
	}
	adapter := "../../benchmarks/adapters/gosse/gosse-adapter"
	if _, err := os.Stat(adapter); err != nil {
		missing = append(missing, "the go-sse adapter (cd benchmarks/adapters/gosse && go build -o gosse-adapter .)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "Node.js")
	}
	if _, err := os.Stat("../../benchmarks/adapters/node-better-sse/node_modules/better-sse"); err != nil {
		missing = append(missing, "better-sse (cd benchmarks/adapters/node-better-sse && npm ci)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "bench e2e targets missing: " + strings.Join(missing, "; ")
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " — .ci/run installs them")
	}
	t.Skip("SKIPPED: " + msg)
}

// TestBench_realServers runs a small suite against real servers (the
// reference server, nginx + nchan in publisher mode, go-sse, which holds
// its headers until the first event, and better-sse on Node.js), and checks
// that the report ranks every one with its server CPU and memory, and that
// `ssebench report` renders the saved document the same way. Not parallel:
// its load would disturb the timing of the parallel tests.
func TestBench_realServers(t *testing.T) {
	needBenchTargets(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "bench.json")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	err := cmdBench(ctx, []string{"--out", out, "--format", "md", "testdata/bench-e2e.yaml"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Logf("stderr:\n%s\nstdout:\n%s", stderr.String(), stdout.String())
	b, err := result.ReadBenchFile(out)
	if err != nil {
		t.Fatal(err)
	}
	targets := []string{"reference", "nginx+nchan", "go-sse", "better-sse"}
	if len(b.Runs) != 2*len(targets) {
		t.Fatalf("%d runs, want %d", len(b.Runs), 2*len(targets))
	}
	for _, r := range b.Runs {
		if !r.Valid {
			t.Errorf("%s #%d invalid: %s %s", r.Target, r.Repeat, r.Invalid, r.Error)
			continue
		}
		rep, c := r.Result, r.Cost
		if rep.Subscribers.Connected != 50 || rep.LatencyUS.Fanout.Count == 0 {
			t.Errorf("%s #%d: connected %d, fan-out samples %d", r.Target, r.Repeat, rep.Subscribers.Connected, rep.LatencyUS.Fanout.Count)
		}
		if c == nil || c.CPUPercent <= 0 || c.CPUUSPerEvent <= 0 || c.MemMeanKiB <= 0 || c.MemIdleKiB <= 0 {
			t.Errorf("%s #%d: server cost %+v", r.Target, r.Repeat, c)
		}
		if r.Target == "nginx+nchan" && (c == nil || c.Processes < 2) {
			t.Errorf("nginx+nchan: the tree should hold nginx's master and workers, got %+v", c)
		}
	}
	// Every target ranked, with CPU and memory in its row.
	md := stdout.String()
	for _, name := range targets {
		row := tableRow(md, name)
		if row == nil {
			t.Errorf("no row for %s in:\n%s", name, md)
			continue
		}
		// rank, target, p50, p99, p99.9, max, delivered, events/s, connects/s, errors, CPU, µs/event, KiB/sub, peak, runs
		if len(row) != 15 || row[0] == "–" || row[10] == "–" || row[11] == "–" || row[12] == "–" || !strings.HasSuffix(row[13], "MiB") || row[14] != "2/2" {
			t.Errorf("%s's row lacks a rank, server CPU or memory: %q", name, row)
		}
	}
	// ssebench report renders the saved document as bench did.
	var again bytes.Buffer
	if err := cmdReport(ctx, []string{"--format", "md", out}, &again, &stderr); err != nil {
		t.Fatal(err)
	}
	if again.String() != md {
		t.Errorf("ssebench report --format md differs from bench's own output")
	}
	html := filepath.Join(dir, "bench.html")
	if err := cmdReport(ctx, []string{"--format", "html", "--out", html, out}, &again, &stderr); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(page, []byte(`id="chart-scenario-1-spectrum"`)) || !bytes.Contains(page, []byte(`id="chart-scenario-1-cpu" data-points="4"`)) {
		t.Errorf("html report: %v, %d bytes", err, len(page))
	}
}

// tableRow returns the cells of the Markdown table row of target.
func tableRow(md, target string) []string {
	for _, line := range strings.Split(md, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) > 2 && strings.ReplaceAll(cells[1], `\`, "") == target {
			return cells
		}
	}
	return nil
}

// TestBench_interruptedStillWritesReport cancels the built-in suite during
// a run, as Ctrl-C does: the report is still written, marked interrupted,
// with the runs done so far. Not parallel: its load would disturb the
// timing of the parallel tests.
func TestBench_interruptedStillWritesReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "b.json")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := cmdBench(ctx, []string{"--out", out, "--report-dir", dir, "--duration", "1s", "--warmup", "0s", "--quiet"}, &stdout, &stderr)
	// On a busy machine not even the first run may have finished: then
	// nothing could be ranked (exit 1), and the report is still written.
	if code := exitCode(err, &stderr); code != exitOK && code != exitError {
		t.Fatalf("bench: exit %d: %v\n%s", code, err, stderr.String())
	}
	b, err := result.ReadBenchFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Interrupted || len(b.Runs) == 0 || len(b.Runs) >= 10 {
		t.Errorf("interrupted %v with %d runs; want true and some but not all of 10", b.Interrupted, len(b.Runs))
	}
	if !strings.Contains(stdout.String(), "per-event flush") {
		t.Errorf("summary:\n%s", stdout.String())
	}
	for _, f := range []string{"bench.json", "bench.txt", "bench.md", "bench.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestBench_usage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("targets:\n  - name: a\n    url: http://x/\n    colour: red\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{bad}, "bad.yaml:4:5: unknown key \"colour\""},
		{[]string{filepath.Join(dir, "none.yaml")}, "no such file"},
		{[]string{"--format", "png"}, "a bench result renders as"},
		{[]string{"--server-cpus", "x"}, "--server-cpus"},
		{[]string{"--targets", "nope"}, `no target "nope"`},
		{[]string{"--repeats", "0"}, "--repeats must be >= 1"},
		{[]string{"a.yaml", "b.yaml"}, "at most one suite"},
	} {
		var stdout, stderr bytes.Buffer
		err := cmdBench(t.Context(), tc.args, &stdout, &stderr)
		if code := exitCode(err, &stderr); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("bench %q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), exitUsage, tc.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if err := cmdBench(t.Context(), []string{"--dry-run", "--repeats", "2"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "4 runs") || !strings.Contains(stdout.String(), "repeat 2  coalesced 20ms") {
		t.Errorf("dry run:\n%s", stdout.String())
	}
}

// TestReport_bench re-renders a saved bench document, and refuses a format
// it has not.
func TestReport_bench(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "b.json")
	if err := os.WriteFile(path, []byte(`{"schema":1,"kind":"bench","suite":"saved","tool":"ssebench/x","targets":[],"scenarios":[],"runs":[],"warnings":["w"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := cmdReport(t.Context(), []string{path}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "ssebench bench: saved\n") || !strings.Contains(stdout.String(), "! w") {
		t.Errorf("text:\n%s", stdout.String())
	}
	err := cmdReport(t.Context(), []string{"--format", "png", path}, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "a bench result renders as html, json, md, text") {
		t.Errorf("png: exit %d, %s", code, stderr.String())
	}
}
