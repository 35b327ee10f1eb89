package capacity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/capacity"
	"github.com/ssebench/ssebench/reports/result"
)

// TestProbeConnections_beyond: what the probe says a server does beyond its
// limit, from the failure classes of the streams it did not accept.
func TestProbeConnections_beyond(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		errs       map[string]int64
		sample     string
		wantClient bool
		want       string
	}{
		{"503", map[string]int64{loadgen.ClassStatus: 40}, "HTTP 503 Service Unavailable", false, "the server answers 503 Service Unavailable"},
		{"refused", map[string]int64{loadgen.ClassDial: 40}, "connection refused", false, "refuses TCP connections"},
		{"stalled", map[string]int64{loadgen.ClassTimeout: 40}, "no response headers within 10s", false, "connections stall"},
		{"reset", map[string]int64{loadgen.ClassProtocol: 40}, "connection reset by peer", false, "resets or closes connections before answering"},
		{"closed after accept", map[string]int64{loadgen.ClassEOF: 40}, "server closed the stream", false, "accepts streams, then resets or closes them"},
		{"client descriptors", map[string]int64{loadgen.ClassFDLimit: 40}, "too many open files", true, "this is the client's limit, not the server's"},
		{"client ports", map[string]int64{loadgen.ClassLocalPorts: 40}, "cannot assign requested address", true, "this is the client's limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			run := func(_ context.Context, c loadgen.Config) (*result.Report, error) {
				var n int64
				for _, v := range tt.errs {
					n += v
				}
				ok := c.Subscribers - int(n)
				if c.Subscribers < 100 { // the connect burst: within the limit
					ok, n = c.Subscribers, 0
				}
				r := &result.Report{
					Subscribers: result.Subscribers{Requested: c.Subscribers, Connected: ok, Failed: int(n)},
					Intervals:   []result.Interval{{ElapsedS: 0.1, Connected: ok}},
					Ramp:        &result.Phase{DurationS: 0.05},
				}
				if n > 0 {
					r.Errors = tt.errs
					r.ErrorSamples = map[string]string{}
					for k := range tt.errs {
						r.ErrorSamples[k] = tt.sample
					}
				}
				return r, nil
			}
			p, err := capacity.ProbeConnections(context.Background(), capacity.ProbeConfig{
				Base: loadgen.Config{URL: "http://127.0.0.1:1/events", ConnectTimeout: time.Second},
				Max:  100, Run: run,
			})
			if err != nil {
				t.Fatal(err)
			}
			if p.Accepted != 60 || p.ClientLimited != tt.wantClient || !strings.Contains(p.Behaviour, tt.want) {
				t.Errorf("accepted %d, client limited %t, behaviour %q; want 60, %t, %q", p.Accepted, p.ClientLimited, p.Behaviour, tt.wantClient, tt.want)
			}
			if len(p.Beyond) != 1 || p.Beyond[0].Count != 40 || p.Beyond[0].Sample != tt.sample {
				t.Errorf("Beyond = %+v, want 40 with the sample", p.Beyond)
			}
			if p.ConnectBurst != 60 || p.ConnectRatePerS != 1200 {
				t.Errorf("burst %d at %g/s, want 60 at 1200/s (60 in 50 ms)", p.ConnectBurst, p.ConnectRatePerS)
			}
		})
	}
}
