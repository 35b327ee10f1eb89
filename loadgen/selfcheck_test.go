package loadgen

import (
	"runtime"
	"strings"
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.in
			msg := saturation(&r, tt.opts, tt.embedded)
			if r.Saturated != tt.saturated || (msg != "") != tt.saturated {
				t.Fatalf("Saturated = %v, warning %q; want saturated %v", r.Saturated, msg, tt.saturated)
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
