package loadgen

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ssebench/ssebench/loadgen/transport"
)

func TestCheckLimits(t *testing.T) {
	t.Parallel()
	h1 := func(n int) *Config { return &Config{Subscribers: n, Protocol: ProtocolH1, Connections: 1} }
	tests := []struct {
		name string
		cfg  *Config
		l    limits
		want []string // substrings of the error; nil = fits
	}{
		{"fits exactly", h1(20000 - 10 - fdReserve), limits{fdSoft: 20000, fdHard: 20000, fdOpen: 10}, nil},
		{"one too many", h1(20000 - 10 - fdReserve + 1), limits{fdSoft: 20000, fdHard: 20000, fdOpen: 10},
			[]string{"19927 subscribers over HTTP/1.1 need 20001 file descriptors", "RLIMIT_NOFILE is 20000 (already raised to the hard limit)", "at most 19926 fit"}},
		{"soft below hard", h1(5000), limits{fdSoft: 1024, fdHard: 4096, fdOpen: 8},
			[]string{"the hard limit of 4096 could not be applied", "at most 952 fit"}},
		{"embedded needs both ends", h1(10000), limits{fdSoft: 20000, fdHard: 20000, fdOpen: 36},
			[]string{"need 20100 file descriptors (two per connection", "at most 9950 fit"}},
		{"embedded fits", h1(9950), limits{fdSoft: 20000, fdHard: 20000, fdOpen: 36}, nil},
		{"unknown limit", h1(1 << 20), limits{}, nil},
		{"h2 counts connections, not streams", &Config{Subscribers: 50000, Protocol: ProtocolH2C, Connections: 8}, limits{fdSoft: 1024, fdHard: 1024, fdOpen: 10, ports: 28232}, nil},
		{"h2 connections too many", &Config{Subscribers: 10, Protocol: ProtocolH2C, Connections: 2000}, limits{fdSoft: 1024, fdHard: 1024, fdOpen: 10},
			[]string{"2000 HTTP/2 connections (--connections)", "at most 950 fit"}},
		{"ports per source", h1(30000), limits{fdSoft: 1 << 20, fdHard: 1 << 20, ports: 28232, sources: 1},
			[]string{"30000 subscribers over HTTP/1.1 need 30000 connections to one server address", "28232 ports per source address and there is 1 source address", "at most 28232 fit", "--source-ips", "127.0.0.2-127.0.0.3"}},
		{"source ips widen ports", h1(50000), limits{fdSoft: 1 << 20, fdHard: 1 << 20, ports: 28232, sources: 2}, nil},
		{"not enough source ips", h1(100000), limits{fdSoft: 1 << 20, fdHard: 1 << 20, ports: 28232, sources: 3},
			[]string{"there are 3 source addresses", "at most 84696 fit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := *tt.cfg
			cfg.Embedded = strings.HasPrefix(tt.name, "embedded")
			err := checkLimits(&cfg, tt.l)
			if tt.want == nil {
				if err != nil {
					t.Errorf("checkLimits() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrTooManyForLimits) {
				t.Fatalf("checkLimits() = %v, want ErrTooManyForLimits", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("checkLimits() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestRun_tooManyForLimitsFailsBeforeStarting(t *testing.T) {
	t.Parallel()
	soft, _ := transport.RaiseFDLimit()
	if soft == 0 {
		t.Skip("no RLIMIT_NOFILE here")
	}
	var dials atomic.Int64
	ts := httptest.NewUnstartedServer(holdStream)
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	rep, err := Run(t.Context(), Config{URL: ts.URL, Subscribers: soft + 1})
	if !errors.Is(err, ErrTooManyForLimits) {
		t.Fatalf("Run() = %v, want ErrTooManyForLimits", err)
	}
	if rep != nil {
		t.Error("Run returned a report for a run that never started")
	}
	if !strings.Contains(err.Error(), "at most") {
		t.Errorf("error %q does not say how many fit", err)
	}
	if n := dials.Load(); n != 0 {
		t.Errorf("server saw %d connections, want none", n)
	}
}
