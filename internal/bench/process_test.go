package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startHelper starts the test binary in a helper mode and stops it at the
// end of the test.
func startHelper(t *testing.T, stop Stop, cpus []int, mode string, args ...string) *Process {
	t.Helper()
	p, err := StartProcess(&Command{Args: helperArgs(mode, args...)}, stop, Vars{}, ".", cpus)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p
}

// waitOutput waits until the process has written want.
func waitOutput(t *testing.T, p *Process, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.Output(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output within 20s: %q", want, p.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSampleTree_cpu checks the CPU time of a tree against ground truth:
// a grandchild that burns exactly 400 ms of CPU (by its own getrusage).
func TestSampleTree_cpu(t *testing.T) {
	t.Parallel()
	p := startHelper(t, Stop{}, nil, "tree", "400ms")
	waitOutput(t, p, "burnt")
	s, err := sampleTree(p.Pid())
	if err != nil {
		t.Fatal(err)
	}
	if s.procs != 2 {
		t.Errorf("procs = %d, want 2 (the helper and its child)", s.procs)
	}
	// 400 ms burnt, plus both processes' start-up; ticks are 10 ms.
	if got := time.Duration(s.cpuUS()) * time.Microsecond; got < 390*time.Millisecond || got > 800*time.Millisecond {
		t.Errorf("tree CPU = %s, want about 400ms", got)
	}
}

// TestSampleTree_memory checks memory against ground truth: a process that
// touches 64 MiB holds about 64 MiB more than one that touches none.
func TestSampleTree_memory(t *testing.T) {
	t.Parallel()
	small := startHelper(t, Stop{}, nil, "mem", "0")
	big := startHelper(t, Stop{}, nil, "mem", "64")
	waitOutput(t, small, "holding")
	waitOutput(t, big, "holding")
	a, err := sampleTree(small.Pid())
	if err != nil {
		t.Fatal(err)
	}
	b, err := sampleTree(big.Pid())
	if err != nil {
		t.Fatal(err)
	}
	if d := b.memKiB - a.memKiB; d < 62<<10 || d > 70<<10 {
		t.Errorf("memory difference = %d KiB, want about %d (64 MiB); pss %v", d, 64<<10, a.pss && b.pss)
	}
}

// TestProcess_Stop_killsWhatIgnoresTheSignal stops a target that ignores
// SIGTERM: after the stop timeout the whole group is killed, child too.
func TestProcess_Stop_killsWhatIgnoresTheSignal(t *testing.T) {
	t.Parallel()
	p := startHelper(t, Stop{Signal: syscall.SIGTERM, Timeout: 300 * time.Millisecond}, nil, "ignore-term")
	waitOutput(t, p, "ignoring")
	start := time.Now()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("Stop took %s, want the 300ms timeout then a kill", d)
	}
	select {
	case <-p.Exited():
	default:
		t.Error("the process is still running")
	}
}

func TestProcess_Stop_wholeTree(t *testing.T) {
	t.Parallel()
	p := startHelper(t, Stop{}, nil, "tree", "1ms")
	waitOutput(t, p, "burnt")
	_, pidText, _ := strings.Cut(strings.SplitN(p.Output(), "\n", 2)[0], "child ")
	child, err := strconv.Atoi(strings.TrimSpace(pidText))
	if err != nil {
		t.Fatalf("child pid in %q: %v", p.Output(), err)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	// Killed, the child may linger as a zombie until init reaps it.
	for syscall.Kill(child, 0) == nil {
		if state, err := readState(child); err != nil || state == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child outlived the stop")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestProcess_WaitReady(t *testing.T) {
	t.Parallel()
	sse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/events" {
			w.Header().Set("Content-Type", "text/event-stream")
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(sse.Close)
	p := startHelper(t, Stop{}, nil, "mem", "0")
	ctx := context.Background()
	if err := p.WaitReady(ctx, Ready{Stream: true, Timeout: 5 * time.Second}, "", sse.URL+"/events"); err != nil {
		t.Errorf("stream ready: %v", err)
	}
	if err := p.WaitReady(ctx, Ready{Timeout: 5 * time.Second}, sse.URL+"/healthz", ""); err != nil {
		t.Errorf("url ready: %v", err)
	}
	err := p.WaitReady(ctx, Ready{Stream: true, Timeout: 300 * time.Millisecond}, "", sse.URL+"/not-a-stream")
	if err == nil || !strings.Contains(err.Error(), "not ready within 300ms") || !strings.Contains(err.Error(), `Content-Type ""`) {
		t.Errorf("not a stream: err = %v", err)
	}
}

func TestProcess_WaitReady_exited(t *testing.T) {
	t.Parallel()
	p := startHelper(t, Stop{}, nil, "exit")
	err := p.WaitReady(context.Background(), Ready{Timeout: 10 * time.Second}, "http://127.0.0.1:1/", "")
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "boom: no config") {
		t.Errorf("err = %v, want the exit status and the output", err)
	}
}

// TestStartPinned checks that a target started with cpus runs on them.
func TestStartPinned(t *testing.T) {
	t.Parallel()
	p := startHelper(t, Stop{}, []int{0}, "mem", "0")
	got, err := affinityOf(p.Pid())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []int{0}) {
		t.Errorf("affinity = %v, want [0]", got)
	}
	self, err := affinityOf(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(self) < 1 || (len(self) == 1 && self[0] != 0) {
		t.Errorf("this process's affinity changed to %v", self)
	}
}
