package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	refserver "github.com/ssebench/ssebench/reference-server"
	"github.com/ssebench/ssebench/reports/result"
)

// startRefserver starts a reference server on a free loopback port that
// sends 50 events/s, each held delay before it is sent, and returns its
// event stream URL.
func startRefserver(t *testing.T, delay time.Duration) string {
	t.Helper()
	srv, err := refserver.New(refserver.Config{Addr: "127.0.0.1:0", Rate: 50, Delay: delay})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := srv.Start(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		srv.Close()
	})
	return "http://" + addr + "/events"
}

// junitCounts reads the tests and failures of a JUnit file.
func junitCounts(t *testing.T, path string) (tests, failures int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Tests, doc.Failures
}

// TestCI_endToEnd is issue 6's acceptance test, over real loopback
// sockets: the reference server normally and then with a 30 ms delay;
// the thresholds pass and then fail with exit 3; compare flags the
// regression with exit 4; two normal runs compare with exit 0.
//
// The box is a shared 2-core machine running the race detector, where a
// normal run's tail (p99) latency can jump from 2 to 30 ms. So the gate
// is on the median, which a 30 ms delay moves for certain and noise does
// not: fanout.p50 < 25ms, and compare's fan-out p50 floor is raised to
// 15 ms and the tails' floors out of the way. That is the absolute floor
// doing its job; the default floors are tested on fixed data in reports.
func TestCI_endToEnd(t *testing.T) {
	dir := t.TempDir()
	normalURL, delayedURL := startRefserver(t, 0), startRefserver(t, 30*time.Millisecond)
	thresholds := []string{
		"--threshold", "fanout.p50 < 25ms",
		"--threshold", "subscribers.failed == 0",
		"--threshold", "events.gaps == 0",
		"--threshold", "errors.rate < 1%",
	}
	run := func(name, url string, wantCode int) *result.Report {
		t.Helper()
		args := append([]string{"run", "--subscribers", "50", "--duration", "2s", "--quiet",
			"--out", filepath.Join(dir, name+".json"), "--junit", filepath.Join(dir, name+".xml")}, thresholds...)
		var stdout, stderr bytes.Buffer
		code := realMain(append(args, url), &stdout, &stderr)
		if code != wantCode {
			t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", name, code, wantCode, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), "thresholds  ") {
			t.Errorf("%s: the summary has no thresholds section:\n%s", name, stdout.String())
		}
		rep, err := result.ReadFile(filepath.Join(dir, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Thresholds) != 4 {
			t.Fatalf("%s: result has %d thresholds, want 4", name, len(rep.Thresholds))
		}
		return rep
	}

	a := run("normal-a", normalURL, exitOK)
	if n, f := junitCounts(t, filepath.Join(dir, "normal-a.xml")); n != 4 || f != 0 {
		t.Errorf("normal run JUnit: %d tests, %d failures; want 4, 0", n, f)
	}
	run("normal-b", normalURL, exitOK)
	slow := run("delayed", delayedURL, exitThreshold)
	fan := slow.Thresholds[0]
	if fan.Pass || fan.Measured == nil || *fan.Measured < 30000 {
		t.Errorf("delayed run: %+v, want fanout.p50 failed with at least 30 ms measured", fan)
	}
	for _, other := range slow.Thresholds[1:] {
		if !other.Pass {
			t.Errorf("delayed run: %s failed (%s): the delay should only move latency", other.Expression, other.MeasuredText())
		}
	}
	if n, f := junitCounts(t, filepath.Join(dir, "delayed.xml")); n != 4 || f != 1 {
		t.Errorf("delayed run JUnit: %d tests, %d failures; want 4, 1", n, f)
	}
	t.Logf("fan-out p50/p99: normal %d/%d µs, delayed %d/%d µs", a.LatencyUS.Fanout.P50, a.LatencyUS.Fanout.P99, slow.LatencyUS.Fanout.P50, slow.LatencyUS.Fanout.P99)

	tolerances := []string{"--tolerance", "fanout.p50=15ms,fanout.p99=1s,fanout.p999=1s,connect.p99=1s,first_event.p99=1s,events.rate=50%"}
	compare := func(base, new string, wantCode int, want string) {
		t.Helper()
		args := append(append([]string{"compare"}, tolerances...), filepath.Join(dir, base+".json"), filepath.Join(dir, new+".json"))
		var stdout, stderr bytes.Buffer
		if code := realMain(args, &stdout, &stderr); code != wantCode || !strings.Contains(stdout.String(), want) {
			t.Errorf("compare %s %s: exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", base, new, code, wantCode, want, stdout.String(), stderr.String())
		}
	}
	compare("normal-a", "delayed", exitRegressed, "REGRESSION in fanout.p50")
	compare("normal-a", "normal-b", exitOK, "result: no regression")
}

// TestRun_repeat runs three short runs against the embedded server: each
// writes its own numbered result, JUnit file and report directory, a
// threshold that fails in every run does not stop the series, and compare
// reads the series back by glob and by directory.
func TestRun_repeat(t *testing.T) {
	dir := t.TempDir()
	args := []string{"run", "--repeat", "3", "--subscribers", "5", "--duration", "300ms", "--quiet", "--format", "json",
		"--out", filepath.Join(dir, "r.json"), "--junit", filepath.Join(dir, "j.xml"), "--report-dir", filepath.Join(dir, "rd"),
		"--threshold", "events.gaps == 0", "--threshold", "fanout.max < 1us"}
	var stdout, stderr bytes.Buffer
	if code := realMain(args, &stdout, &stderr); code != exitThreshold {
		t.Fatalf("exit %d, want %d (a threshold fails in every run); stderr:\n%s", code, exitThreshold, stderr.String())
	}
	if !strings.Contains(stderr.String(), "thresholds failed in run 1, 2, 3 of 3") {
		t.Errorf("stderr lacks the series verdict:\n%s", stderr.String())
	}
	for _, name := range []string{"r-1.json", "r-2.json", "r-3.json", "j-1.xml", "j-3.xml", "rd/run-1/report.json", "rd/run-3/report.html"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("run --repeat did not write %s: %v", name, err)
		}
	}
	for _, name := range []string{"r.json", "j.xml"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("run --repeat wrote the unnumbered %s", name)
		}
	}
	if n, f := junitCounts(t, filepath.Join(dir, "j-2.xml")); n != 2 || f != 1 {
		t.Errorf("j-2.xml: %d tests, %d failures; want 2, 1", n, f)
	}
	// With a machine format on stdout, the run headers and the summary
	// of the series go to stderr.
	for _, want := range []string{"── run 1 of 3 ──", "── run 3 of 3 ──", "── 3 of 3 runs: median [min – max] ──", "events/s", "thresholds      passed in 0/3 runs"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stdout.String(), "──") {
		t.Errorf("the headers went into the JSON on stdout")
	}

	stdout.Reset()
	stderr.Reset()
	code := realMain([]string{"compare", "--tolerance", "100%", filepath.Join(dir, "r-*.json"), filepath.Join(dir, "rd")}, &stdout, &stderr)
	if code != exitOK || !strings.Contains(stdout.String(), "(3 runs)") || !strings.Contains(stdout.String(), "need >= 4 samples") {
		t.Errorf("compare of the series: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
}
