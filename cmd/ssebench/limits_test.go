package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	refserver "github.com/ssebench/ssebench/reference-server"
	"github.com/ssebench/ssebench/reports/result"
)

// TestLimits_embeddedSearch runs the search against the embedded server
// with an objective that breaks at a known load (50 subscribers), so the
// steps, the bisection and the result files can be checked exactly.
func TestLimits_embeddedSearch(t *testing.T) {
	out := filepath.Join(t.TempDir(), "limits.json")
	args := []string{"limits", "--start", "20", "--max", "80", "--step", "x2", "--step-duration", "400ms", "--bisect", "2",
		"--slo", "subscribers.connected<50,errors.rate<0.1%", "--rate", "10", "--out", out, "--format", "md"}
	var stdout, stderr bytes.Buffer
	if code := realMain(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := result.ReadLimits(f)
	if err != nil {
		t.Fatal(err)
	}
	var loads []string
	for _, st := range l.Steps {
		loads = append(loads, result.FormatLoad(st.Load))
	}
	// 20, 40 pass; 80 breaks; bisection: 60 breaks, 50 breaks.
	if got, want := strings.Join(loads, " "), "20 40 80 60 50"; got != want {
		t.Errorf("steps = %s, want %s", got, want)
	}
	if l.Verdict != result.VerdictServerLimit || l.Best == nil || l.Best.Load != 40 || l.FirstBad == nil || l.FirstBad.Load != 50 {
		t.Fatalf("verdict %q, best %v, first bad %v; want server_limit, 40, 50\n%s", l.Verdict, l.Best, l.FirstBad, l.Summary)
	}
	if !l.Embedded || l.Best.Connected != 40 || l.Best.FanoutCount == 0 {
		t.Errorf("embedded %t, best connected %d with %d latency samples; want true, 40, > 0", l.Embedded, l.Best.Connected, l.Best.FanoutCount)
	}
	if !strings.Contains(stdout.String(), "| 5 | bisect | 50 | **FAIL** |") {
		t.Errorf("Markdown on stdout lacks the step table:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "limits: step 3 (step) 80 subscribers: FAIL") {
		t.Errorf("progress on stderr lacks the steps:\n%s", stderr.String())
	}

	// `ssebench report` re-renders the saved limits result.
	want := stdout.String()
	stdout.Reset()
	if code := realMain([]string{"report", "--format", "md", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("report exit %d: %s", code, stderr.String())
	}
	if stdout.String() != want {
		t.Errorf("report --format md of the limits result differs from the run's output:\n--- report\n%s\n--- limits\n%s", stdout.String(), want)
	}
}

// TestLimits_probeAndBrowser probes a reference server on its own port
// that holds 30 subscribers and speaks HTTP/1.1 only.
func TestLimits_probeAndBrowser(t *testing.T) {
	srv, err := refserver.New(refserver.Config{Addr: "127.0.0.1:0", Rate: 10, MaxSubscribers: 30, Protocols: []string{refserver.ProtoH1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := srv.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = srv.Close() })
	url := "http://" + addr + "/events"

	args := []string{"limits", url, "--probe", "connections", "--max", "40", "--browser", "--tabs", "8", "--tab-wait", "500ms",
		"--cooldown", "1500ms", "--format", "json", "--quiet"}
	var stdout, stderr bytes.Buffer
	if code := realMain(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	l, err := result.ReadLimits(&stdout)
	if err != nil {
		t.Fatal(err)
	}
	if l.Verdict != result.VerdictProbeOnly || len(l.Steps) != 0 {
		t.Errorf("verdict %q with %d steps, want probe_only and no steps", l.Verdict, len(l.Steps))
	}
	p := l.Probe
	if p == nil || p.Accepted != 30 || p.RetryAfter != "5" || len(p.Beyond) == 0 || p.Beyond[0].Class != "status" {
		t.Fatalf("probe = %+v, want 30 accepted, then 503 with Retry-After 5", p)
	}
	if p.H2 == nil || p.H2.Supported {
		t.Errorf("H2 = %+v, want not spoken (--protocols h1)", p.H2)
	}
	b := l.Browser
	if b == nil || b.H1.Served != 6 || b.H1.Waiting != 2 || b.H2.Served != 0 || b.H2.Error == "" {
		t.Errorf("browser = %+v, want 6 of 8 tabs served over HTTP/1.1, none over HTTP/2", b)
	}
}

func TestLimits_usage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"vary", []string{"--vary", "speed"}, "--vary must be"},
		{"step", []string{"--step", "x0.5"}, "--step"},
		{"slo", []string{"--slo", "fanout.p99<100"}, "--slo"},
		{"stages", []string{"--stages", "1s:10"}, "--stages cannot be used"},
		{"rate with URL", []string{"http://127.0.0.1:1/events", "--rate", "5"}, "--rate and --payload"},
		{"two URLs", []string{"http://a/", "http://b/"}, "at most one URL"},
		{"probe", []string{"--probe", "memory"}, "the only probe"},
		{"rate needs publisher", []string{"http://127.0.0.1:1/events", "--vary", "rate"}, "needs publisher mode"},
		{"format", []string{"--format", "png"}, "unknown limits format"},
		{"start above max", []string{"--start", "500", "--max", "100"}, "above --max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := realMain(append([]string{"limits"}, tt.args...), &stdout, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), exitUsage, tt.want)
			}
		})
	}
}
