package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// TestRun_signalExitCodes runs `ssebench run` as a process of its own (this
// test binary, re-executed), stops it with SIGINT or SIGTERM during the
// steady state, and checks the documented contract: exit status 5, and
// every output written and marked interrupted, the JUnit file with an
// error, for a single run and a --repeat series alike.
func TestRun_signalExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sig    syscall.Signal
		repeat bool
	}{
		{"SIGINT", syscall.SIGINT, false},
		{"SIGTERM", syscall.SIGTERM, false},
		{"SIGTERM during --repeat", syscall.SIGTERM, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := []string{"run", "--subscribers", "20", "--duration", "60s", "--rate", "20", "--interval", "200ms",
				"--out", filepath.Join(dir, "out", "r.json"), "--junit", filepath.Join(dir, "j.xml"),
				"--report-dir", filepath.Join(dir, "rep"), "--threshold", "subscribers.failed == 0"}
			out, junit := filepath.Join(dir, "out", "r.json"), filepath.Join(dir, "j.xml")
			if tt.repeat {
				args = append(args, "--repeat", "3")
				out, junit = filepath.Join(dir, "out", "r-1.json"), filepath.Join(dir, "j-1.xml")
			}
			enc, _ := json.Marshal(args)
			cmd := exec.Command(os.Args[0], "-test.run=^TestRun_signalHelperProcess$")
			cmd.Env = append(os.Environ(), "SSEBENCH_RUN_HELPER="+string(enc))
			var stderr syncBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			// Wait for the steady state (plain progress lines on a pipe).
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(stderr.String(), "steady") {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					<-exited
					t.Fatalf("no steady state within 20 s; stderr:\n%s", stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-exited
				t.Fatalf("still running 20 s after %s; stderr:\n%s", tt.name, stderr.String())
			}
			if got := cmd.ProcessState.ExitCode(); got != exitInterrupted {
				t.Errorf("exit status %d, want %d; stderr:\n%s", got, exitInterrupted, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "ssebench: interrupted") {
				t.Errorf("last stderr line = %q, want it to say the run was interrupted", last)
			}
			rep, err := result.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Interrupted || rep.Subscribers.Connected != 20 {
				t.Errorf("result: interrupted = %v, connected = %d; want true, 20", rep.Interrupted, rep.Subscribers.Connected)
			}
			b, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Errors int `xml:"errors,attr"`
			}
			if err := xml.Unmarshal(b, &doc); err != nil || doc.Errors != 1 {
				t.Errorf("JUnit errors = %d (%v), want 1:\n%s", doc.Errors, err, b)
			}
			repDir := filepath.Join(dir, "rep")
			if tt.repeat {
				repDir = filepath.Join(repDir, "run-1")
				if _, err := os.Stat(filepath.Join(dir, "out", "r-2.json")); err == nil {
					t.Errorf("run 2 of the series ran after the signal")
				}
			}
			if _, err := os.Stat(filepath.Join(repDir, "report.html")); err != nil {
				t.Errorf("--report-dir not written: %v", err)
			}
		})
	}
}

// TestRun_signalHelperProcess is `ssebench run` for TestRun_signalExitCodes.
func TestRun_signalHelperProcess(t *testing.T) {
	spec := os.Getenv("SSEBENCH_RUN_HELPER")
	if spec == "" {
		t.Skip("run by TestRun_signalExitCodes")
	}
	var args []string
	if err := json.Unmarshal([]byte(spec), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(realMain(args, os.Stdout, os.Stderr))
}
