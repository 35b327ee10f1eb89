package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports/result"
)

func TestRateFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{in: "500", want: 500},
		{in: "500/s", want: 500},
		{in: " 120 / m ", want: 2},
		{in: "0.5/s", want: 0.5},
		{in: "fast", wantErr: `want a rate`},
		{in: "-3/s", wantErr: `want a rate`},
		{in: "NaN", wantErr: `want a rate`},
		{in: "Inf/s", wantErr: `want a rate`},
		{in: "10/h", wantErr: `unit "h"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var v float64
			r := newRateFlag(&v, true)
			err := r.Set(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Set(%q) = %v, want an error containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || v != tt.want {
				t.Errorf("Set(%q) = %g, %v; want %g", tt.in, v, err, tt.want)
			}
		})
	}
}

func TestRun_shapeUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"bad stage token", []string{"--stages", "30s:10,1x:10"}, `stage 2 "1x:10": duration "1x"`},
		{"bad stage target", []string{"--stages", "30s:ten"}, `target "ten"`},
		{"stages and subscribers", []string{"--stages", "1s:10", "--subscribers", "5"}, "--subscribers 5 cannot be combined with --stages"},
		{"stages and duration", []string{"--stages", "1s:10", "--duration", "5s"}, "--duration cannot be combined with --stages"},
		{"stages and ramp", []string{"--stages", "1s:10", "--ramp", "1s"}, "--stages sets how fast"},
		{"ramp and rate", []string{"--ramp", "1s", "--connect-rate", "5/s"}, "give one"},
		{"bad rate", []string{"--connect-rate", "lots"}, "want a rate"},
		{"negative reconnect delay", []string{"--reconnect-delay", "-1s"}, "--reconnect-delay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			args := append([]string{"run", "--quiet"}, tt.args...)
			args = append(args, "http://127.0.0.1:1/events")
			if code := realMain(args, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestRun_stagesEndToEnd(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	args := []string{"run", "--stages", "200ms:6,600ms:6,200ms:0", "--rate", "50", "--interval", "100ms", "--out", out}
	if code := realMain(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	rep, err := result.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Subscribers.Requested != 6 || rep.Subscribers.Connected != 6 || len(rep.Errors) != 0 {
		t.Errorf("requested %d, connected %d, errors %v; want 6, 6, none", rep.Subscribers.Requested, rep.Subscribers.Connected, rep.Errors)
	}
	if rep.Ramp == nil || rep.Ramp.DurationS < 0.3 || rep.DurationS < 0.4 || rep.DurationS > 0.61 {
		t.Errorf("steady %.3fs, ramp %+v; want the 0.6 s hold apart from 0.4 s of ramps", rep.DurationS, rep.Ramp)
	}
	// stderr is not a terminal: plain progress lines show the stages.
	for _, want := range []string{"stage 1/3 ramp", "stage 2/3 steady", "(target 6)", "reconnects 0"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestPlainLine(t *testing.T) {
	t.Parallel()
	iv := result.Interval{ElapsedS: 12, Connected: 998, Events: 1500, EventsPerS: 1500, BytesPerS: 2e6, FanoutP50US: 1500, FanoutP99US: 9000, Errors: 2, Reconnects: 3}
	idle := iv
	idle.Events, idle.EventsPerS, idle.FanoutP50US, idle.FanoutP99US = 0, 0, 0, 0
	tests := []struct {
		name string
		p    loadgen.Progress
		want string
	}{
		{"ramp", loadgen.Progress{Interval: iv, Requested: 1000, Target: 500, Reconnects: 7, Failed: 2},
			"[  12.0s] ramp                   connected 998/1000 (target 500)  failed 2  1500 ev/s  2.00 MB/s  p50 1.5ms  p99 9ms  errors 9 (+2)  reconnects 7 (+3)"},
		{"no events", loadgen.Progress{Interval: idle, Requested: 1000, Target: 1000},
			"[  12.0s] ramp                   connected 998/1000 (target 1000)  failed 0  0 ev/s  2.00 MB/s  p50 –  p99 –  errors 9 (+2)"},
		{"steady", loadgen.Progress{Interval: iv, Requested: 1000, Target: 1000, Steady: true, SteadyElapsed: 4 * time.Second},
			"[  12.0s] steady 4s              connected 998/1000"},
		{"stage", loadgen.Progress{Interval: iv, Requested: 1000, Target: 1000, Stage: 2, Stages: 3, Steady: true, SteadyElapsed: 1500 * time.Millisecond},
			"[  12.0s] stage 2/3 steady 1.5s  connected"},
		{"stages done", loadgen.Progress{Interval: iv, Requested: 1000, Stage: 4, Stages: 3},
			"[  12.0s] stages done            connected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := plainLine(tt.p, 9); !strings.HasPrefix(got, tt.want) {
				t.Errorf("plainLine() =\n%q\nwant prefix\n%q", got, tt.want)
			}
		})
	}
}

// TestProgress_plainSkipsShortTail checks that plain progress prints no
// line for an interval of a few milliseconds, but still counts its errors.
func TestProgress_plainSkipsShortTail(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	pr := newProgress(&buf, false, &loadgen.Config{Interval: time.Second, Subscribers: 10})
	pr.update(loadgen.Progress{Interval: result.Interval{ElapsedS: 1, Errors: 1}, Requested: 10})
	pr.update(loadgen.Progress{Interval: result.Interval{ElapsedS: 1.004, Errors: 2}, Requested: 10})
	pr.update(loadgen.Progress{Interval: result.Interval{ElapsedS: 2.004, Errors: 0}, Requested: 10})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "errors 3 (+0)") {
		t.Errorf("progress =\n%s\nwant 2 lines, the second with errors 3 (+0)", buf.String())
	}
}

// TestRun_stagesEndingOnARamp checks that a run whose last stage ramps up
// ends with every subscriber connected, the last one included.
func TestRun_stagesEndingOnARamp(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"run", "--stages", "300ms:60", "--quiet", "--out", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	rep, err := result.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Subscribers; s.Requested != 60 || s.Connected != 60 || s.Failed != 0 {
		t.Errorf("requested %d, connected %d, failed %d; want 60, 60, 0", s.Requested, s.Connected, s.Failed)
	}
}
