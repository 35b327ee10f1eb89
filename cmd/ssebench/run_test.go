package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/reports/result"
)

// TestRun_embeddedDefault is the main job's acceptance test: the main job against
// the embedded reference server, over real loopback sockets, per protocol.
func TestRun_embeddedDefault(t *testing.T) {
	const subs, rate, secs = 200, 10, 2
	tests := []struct {
		name string
		args []string
	}{
		{"h1", nil},
		{"h2c", []string{"--protocol", "h2c", "--connections", "4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out, dump := filepath.Join(dir, "r.json"), filepath.Join(dir, "dump.jsonl")
			args := append([]string{"run", "--subscribers", "200", "--duration", "2s", "--rate", "10", "--out", out, "--dump", dump, "--quiet"}, tt.args...)
			var stdout, stderr bytes.Buffer
			if code := realMain(args, &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
			}
			rep, err := result.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Subscribers.Connected != subs || rep.Subscribers.Failed != 0 {
				t.Errorf("connected = %d, failed = %d, want %d, 0", rep.Subscribers.Connected, rep.Subscribers.Failed, subs)
			}
			if rep.Events.Gaps != 0 || rep.Events.Duplicates != 0 {
				t.Errorf("gaps = %d, duplicates = %d, want 0", rep.Events.Gaps, rep.Events.Duplicates)
			}
			if min := uint64(0.95 * subs * rate * secs); rep.Events.Received < min {
				t.Errorf("events.received = %d, want >= %d", rep.Events.Received, min)
			}
			f := rep.LatencyUS.Fanout
			if f.Count != int64(rep.Events.Received) || f.P50 <= 0 || f.P99 < f.P50 || f.P99 > 1_000_000 {
				t.Errorf("implausible fan-out latency: %+v (events %d)", f, rep.Events.Received)
			}
			if !strings.Contains(stdout.String(), "fan-out") {
				t.Errorf("stdout lacks the text summary:\n%s", stdout.String())
			}
			// The dump holds the first subscriber's events as JSON Lines.
			b, err := os.ReadFile(dump)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) < rate*secs {
				t.Fatalf("dump has %d lines, want >= %d", len(lines), rate*secs)
			}
			var ev struct{ Type, Data, ID string }
			if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
				t.Fatalf("dump line %q: %v", lines[0], err)
			}
			if ev.Type != "message" || !strings.HasPrefix(ev.Data, `{"pub_ns":`) || ev.ID == "" {
				t.Errorf("dump line = %+v, want a message with a pub_ns stamp and an id", ev)
			}
		})
	}
}

func TestRun_badInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"bad flag value", []string{"run", "--subscribers", "many"}, exitUsage, `ssebench: --subscribers: "many" is not a whole number`},
		{"bad duration", []string{"run", "--duration", "10"}, exitUsage, `ssebench: --duration: "10" is not a duration (want 10s, 500ms, 1m30s)`},
		{"unknown flag", []string{"run", "--nope"}, exitUsage, "unknown flag --nope"},
		{"flag typo", []string{"run", "--subscriber", "5"}, exitUsage, "unknown flag --subscriber (did you mean --subscribers?)"},
		{"no value", []string{"run", "--duration"}, exitUsage, "--duration needs a value"},
		{"zero subscribers", []string{"run", "--subscribers", "0"}, exitUsage, "--subscribers must be > 0, got 0"},
		{"zero duration", []string{"run", "--duration", "0s"}, exitUsage, "--duration must be > 0, got 0s"},
		{"zero interval", []string{"run", "--interval", "0"}, exitUsage, "--interval must be > 0"},
		{"zero connections", []string{"run", "--connections", "0"}, exitUsage, "--connections must be > 0"},
		{"repeat zero", []string{"run", "--repeat", "0"}, exitUsage, "--repeat must be >= 1"},
		{"command typo", []string{"runn"}, exitUsage, `unknown command "runn" (did you mean run?)`},
		{"bad protocol", []string{"run", "--protocol", "h3"}, exitUsage, "--protocol"},
		{"bad url", []string{"run", "ftp://x/"}, exitUsage, "want http://"},
		{"two urls", []string{"run", "http://a/", "http://b/"}, exitUsage, "at most one URL"},
		{"rate with url", []string{"run", "--rate", "5", "http://127.0.0.1:1/"}, exitUsage, "embedded reference server"},
		{"bad format", []string{"run", "--format", "pdf"}, exitUsage, "unknown format"},
		{"unreachable", []string{"run", "--subscribers", "2", "--duration", "1m", "--quiet", "http://127.0.0.1:1/events"}, exitError, "ssebench: no subscriber connected: 2 × dial: connection refused\n"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "unknown command"},
		{"report missing file", []string{"report", "/nonexistent.json"}, exitError, "no such file"},
		{"report no file", []string{"report"}, exitUsage, "at least one result file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := realMain(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestHelp_documentsEveryFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"help"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("help exit %d", code)
	}
	for _, flag := range []string{"--subscribers", "--duration", "--protocol", "--connections", "--out", "--dump", "--quiet", "--max-event-bytes", "--addr", "--rate", "--payload"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("help lacks %s", flag)
		}
	}
	stdout.Reset()
	if code := realMain([]string{"run", "-h"}, &stdout, &stderr); code != exitOK {
		t.Errorf("run -h exit %d, want 0", code)
	}
	if !strings.Contains(stdout.String(), "default 1000") || stderr.Len() != 0 {
		t.Errorf("run -h does not show defaults on stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
}

func TestReport_rerendersSavedResult(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"run", "--subscribers", "5", "--duration", "300ms", "--quiet", "--out", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("run exit %d: %s", code, stderr.String())
	}
	want := stdout.String()
	stdout.Reset()
	if code := realMain([]string{"report", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("report exit %d: %s", code, stderr.String())
	}
	if stdout.String() != want {
		t.Errorf("report differs from the run's summary:\n--- report\n%s\n--- run\n%s", stdout.String(), want)
	}
}
