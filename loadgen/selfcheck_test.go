package loadgen

import (
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

func TestSaturation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        result.SelfCheck
		opts      SelfCheckOptions
		embedded  bool
		saturated bool
		signal    string
		cause     string
		want      []string // substrings of the warning
	}{
		{name: "idle", in: result.SelfCheck{CPUPercent: 20, Cores: 2, ReaderLagUS: 300}},
		{name: "just under cpu", in: result.SelfCheck{CPUPercent: 180, Cores: 2}},
		{name: "cpu", in: result.SelfCheck{CPUPercent: 185, Cores: 2}, saturated: true,
			want: []string{"the load generator was saturated", "185% CPU of the 200%", "threshold 180%", "describe the client, not the server", "shard the load"}},
		{name: "lag", in: result.SelfCheck{CPUPercent: 50, Cores: 4, ReaderLagUS: 45_000}, saturated: true,
			want: []string{"woke up 45ms late at p99 (threshold 20ms)"}},
		{name: "custom thresholds", in: result.SelfCheck{CPUPercent: 60, Cores: 1, ReaderLagUS: 1500},
			opts: SelfCheckOptions{SaturationCPU: 0.5, SaturationLag: time.Millisecond}, saturated: true,
			want: []string{"threshold 50%", "threshold 1ms"}},
		{name: "embedded", in: result.SelfCheck{CPUPercent: 100, Cores: 1}, embedded: true, saturated: true,
			want: []string{"this process was saturated", "embedded reference server and the load generator", "not a server", "ssebench serve"}},
		// The pinned-core overload: one core, all of it used, readers
		// waiting seconds for it. CPU decides.
		{name: "overload", in: result.SelfCheck{CPUPercent: 99, Cores: 1, SchedLatencyP99US: 9_000_000, ProcessingLagP99US: 400_000, TickLateP99US: 150_000},
			saturated: true, signal: "cpu", cause: "load_generator",
			want: []string{"99% CPU of the 100%", "waited 9s for a CPU at p99", "recorded 400ms after they were read", "clock ticked 150ms late", "shard the load"}},
		{name: "scheduler latency", in: result.SelfCheck{CPUPercent: 120, Cores: 2, SchedLatencyP99US: 30_000, ReaderLagUS: 25_000},
			saturated: true, signal: "sched_latency", cause: "load_generator",
			want: []string{"waited 30ms for a CPU at p99 (threshold 20ms)", "woke up 25ms late"}},
		{name: "processing lag", in: result.SelfCheck{CPUPercent: 50, Cores: 2, ProcessingLagP99US: 50_000, LateEvents: 7},
			saturated: true, signal: "processing_lag", cause: "load_generator",
			want: []string{"recorded 50ms after they were read at p99", "7 events were recorded after their interval was closed"}},
		{name: "tick lateness", in: result.SelfCheck{CPUPercent: 50, Cores: 2, TickLateP99US: 21_000},
			saturated: true, signal: "tick_lateness", cause: "load_generator", want: []string{"clock ticked 21ms late"}},
		// Other processes took the core: ssebench got 20% of it and waited.
		{name: "host busy", in: result.SelfCheck{CPUPercent: 20, Cores: 1, SchedLatencyP99US: 400_000, HostBusyPercent: 78, StealPercent: 1},
			saturated: true, signal: "sched_latency", cause: "host",
			want: []string{"the host was too busy for the load generator", "other processes used 78%", "took 1% (steal)", "quieter machine"}},
		{name: "steal", in: result.SelfCheck{CPUPercent: 60, Cores: 2, SchedLatencyP99US: 40_000, StealPercent: 70},
			saturated: true, signal: "sched_latency", cause: "host", want: []string{"took 70% (steal)"}},
		{name: "busy host but no delay", in: result.SelfCheck{CPUPercent: 20, Cores: 2, SchedLatencyP99US: 2_000, HostBusyPercent: 150}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.in
			msg := saturation(&r, tt.opts, tt.embedded)
			if r.Saturated != tt.saturated || (msg != "") != tt.saturated {
				t.Fatalf("Saturated = %v, warning %q; want saturated %v", r.Saturated, msg, tt.saturated)
			}
			if tt.signal != "" && (r.Signal != tt.signal || r.Cause != tt.cause) {
				t.Errorf("signal, cause = %q, %q; want %q, %q", r.Signal, r.Cause, tt.signal, tt.cause)
			}
			if r.Saturated && (r.Signal == "" || r.Reason == "" || !strings.Contains(msg, r.Reason)) {
				t.Errorf("signal %q, reason %q: want both, and the warning %q to give the reason", r.Signal, r.Reason, msg)
			}
			if !r.Saturated && (r.Signal != "" || r.Cause != "" || r.Reason != "") {
				t.Errorf("not saturated but signal %q, cause %q, reason %q", r.Signal, r.Cause, r.Reason)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("warning %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestRun_selfCheck(t *testing.T) {
	tests := []struct {
		name      string
		opts      SelfCheckOptions
		embedded  bool
		saturated bool
		want      string
	}{
		// Thresholds no run reaches, so a busy test box cannot flip it.
		{name: "filled", opts: SelfCheckOptions{SaturationCPU: 1, SaturationLag: time.Hour}},
		// Forced: thresholds no real run stays under (any CPU, any lag).
		{name: "forced", opts: SelfCheckOptions{SaturationCPU: 1e-9, SaturationLag: time.Nanosecond}, saturated: true,
			want: "the load generator was saturated"},
		{name: "forced embedded", opts: SelfCheckOptions{SaturationCPU: 1e-9, SaturationLag: time.Nanosecond}, embedded: true, saturated: true,
			want: "this process was saturated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := startServer(t, tickingServer(10*time.Millisecond))
			rep, err := run(t, t.Context(), Config{URL: url, Subscribers: 3, Duration: 500 * time.Millisecond, SelfCheckOptions: tt.opts, Embedded: tt.embedded})
			if err != nil {
				t.Fatal(err)
			}
			sc := rep.SelfCheck
			if sc.Cores != runtime.GOMAXPROCS(0) || sc.CPUPercent < 0 || sc.ReaderLagUS < 0 {
				t.Errorf("self_check = %+v, want cores %d and figures >= 0", sc, runtime.GOMAXPROCS(0))
			}
			if sc.Saturated != tt.saturated {
				t.Errorf("saturated = %v, want %v (self_check %+v)", sc.Saturated, tt.saturated, sc)
			}
			if tt.want != "" && !hasWarning(rep.Warnings, tt.want) {
				t.Errorf("warnings = %q, want one containing %q", rep.Warnings, tt.want)
			}
			if !tt.saturated && hasWarning(rep.Warnings, "saturated") {
				t.Errorf("warnings = %q, want no saturation warning", rep.Warnings)
			}
		})
	}
}

func TestSchedQuantile(t *testing.T) {
	t.Parallel()
	buckets := []float64{0, 1e-6, 1e-3, 1, math.Inf(1)}
	tests := []struct {
		name   string
		counts []uint64
		q      float64
		want   time.Duration
	}{
		{"empty", []uint64{0, 0, 0, 0}, 0.99, 0},
		{"all fast", []uint64{10, 0, 0, 0}, 0.99, time.Microsecond},
		{"p99 in the ms bucket", []uint64{90, 9, 1, 0}, 0.99, time.Millisecond},
		{"p99 just reaches the slow bucket", []uint64{90, 8, 2, 0}, 0.99, time.Second},
		{"unbounded bucket gives its lower bound", []uint64{0, 0, 0, 5}, 0.5, time.Second},
		{"mismatched", []uint64{1}, 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := schedQuantile(tt.counts, buckets, tt.q); got != tt.want {
				t.Errorf("schedQuantile = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestHostStat_shares(t *testing.T) {
	t.Parallel()
	h := hostStat{busy: 1800 * time.Millisecond, steal: 100 * time.Millisecond}
	other, steal := h.shares(300*time.Millisecond, time.Second)
	if math.Abs(other-150) > 1e-9 || math.Abs(steal-10) > 1e-9 {
		t.Errorf("shares = %v%%, %v%%; want 150%%, 10%%", other, steal)
	}
	if other, _ := h.shares(5*time.Second, time.Second); other != 0 {
		t.Errorf("other = %v%% when this process used more than the cores' busy time, want 0", other)
	}
}

// TestSelfCheck_seesSchedulerLatency saturates the process with spinning
// goroutines (four per P) while a self-check window is open: the Go
// scheduler's latency histogram must show it.
func TestSelfCheck_seesSchedulerLatency(t *testing.T) {
	// Not parallel: it takes every P for 300 ms.
	sc := newSelfCheck(time.Now())
	sc.window(true, time.Now())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for i := 0; i < 1e5; i++ {
					_ = i * i
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	r, _ := sc.close(time.Now(), runtime.GOMAXPROCS(0), SelfCheckOptions{}, false, runSignals{})
	if r.SchedLatencyP99US < 1000 {
		t.Errorf("sched_latency_p99_us = %d with %d goroutines spinning on %d Ps, want >= 1 ms", r.SchedLatencyP99US, 4*runtime.GOMAXPROCS(0), runtime.GOMAXPROCS(0))
	}
	if r.CPUPercent < 50*float64(runtime.GOMAXPROCS(0)) && r.HostBusyPercent == 0 {
		t.Errorf("cpu_percent = %.0f with every P spinning, want most of %d%%", r.CPUPercent, 100*runtime.GOMAXPROCS(0))
	}
}
