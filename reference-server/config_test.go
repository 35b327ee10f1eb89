package refserver

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestConfig_Validate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error; none means valid
	}{
		{"zero value", Config{}, nil},
		{"typical", Config{Rate: 10, PayloadBytes: 64, Delay: time.Second, MaxBacklogBytes: 1 << 20}, nil},
		{"fractional rate", Config{Rate: 0.25}, nil},
		{"negative rate", Config{Rate: -1}, []string{"--rate must be >= 0, got -1"}},
		{"NaN rate", Config{Rate: math.NaN()}, []string{"--rate must be >= 0, got NaN"}},
		{"huge rate", Config{Rate: 1e9}, []string{"--rate must be <= 1e+07, got 1e+09"}},
		{"negative payload", Config{PayloadBytes: -1}, []string{"--payload must be between 0 and 16777216 bytes, got -1"}},
		{"huge payload", Config{PayloadBytes: 1 << 30}, []string{"--payload"}},
		{"negative delay", Config{Delay: -time.Second}, []string{"--delay must be >= 0, got -1s"}},
		{"negative backlog", Config{MaxBacklogBytes: -5}, []string{"--max-backlog must be >= 0, got -5"}},
		{"negative shutdown timeout", Config{ShutdownTimeout: -1}, []string{"--shutdown-timeout must be >= 0"}},
		{"every problem at once", Config{Rate: -1, PayloadBytes: -1, Delay: -1, MaxBacklogBytes: -1, ShutdownTimeout: -1},
			[]string{"--rate", "--payload", "--delay", "--max-backlog", "--shutdown-timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error mentioning %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
			if _, err := New(tt.cfg); err == nil {
				t.Errorf("New accepted a config Validate rejects")
			}
		})
	}
}

func TestConfig_withDefaults(t *testing.T) {
	t.Parallel()
	got := Config{}.withDefaults()
	want := Config{Addr: DefaultAddr, MaxStreams: DefaultMaxStreams, MaxBacklogBytes: DefaultMaxBacklogBytes, ShutdownTimeout: DefaultShutdownTimeout}
	if got != want {
		t.Errorf("Config{}.withDefaults() = %+v, want %+v", got, want)
	}
	// Rate 0 means no events, not the flag default.
	if got.Rate != 0 || got.PayloadBytes != 0 || got.Delay != 0 {
		t.Errorf("withDefaults changed Rate, PayloadBytes or Delay: %+v", got)
	}
}
