package capacity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/capacity"
	"github.com/ssebench/ssebench/loadgen/stamp"
	refserver "github.com/ssebench/ssebench/reference-server"
	"github.com/ssebench/ssebench/reports/result"
)

// These tests run against the reference server in this process, on a free
// loopback port, and check what the probes and the search find against the
// limits it was configured with: the ground truth.

// startRef starts the reference server and returns it with its event URL.
func startRef(tb testing.TB, cfg refserver.Config) (*refserver.Server, string) {
	tb.Helper()
	cfg.Addr = "127.0.0.1:0"
	srv, err := refserver.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := srv.Start(ctx)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cancel()
		_ = srv.Close()
	})
	return srv, "http://" + addr + "/events"
}

// settled returns a Settle hook that waits until srv holds no subscriber,
// so that one step's streams never count against the next.
func settled(srv *refserver.Server) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		deadline := time.Now().Add(15 * time.Second)
		for srv.Stats().Subscribers > 0 && time.Now().Before(deadline) {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
		return nil
	}
}

// testBase is a run configuration for url with a self-check that does not
// trip on a busy test machine: these tests check the server's limits, not
// the client's (TestSearch covers those with a fake).
func testBase(url, protocol string) loadgen.Config {
	return loadgen.Config{
		URL:              url,
		Protocol:         protocol,
		Tool:             "ssebench/test",
		LatencyOptions:   loadgen.LatencyOptions{Latency: stamp.WallClock{Source: "reference", Parse: refserver.ParsePublishTime}},
		SelfCheckOptions: loadgen.SelfCheckOptions{SaturationCPU: 1, SaturationLag: time.Hour},
	}
}

// TestSearch_refserverMaxSubscribers is the search's ground truth: a
// server that serves at most 500 subscribers breaks errors.rate<0.1% at
// 501 and not before, so the search must land on 500.
func TestSearch_refserverMaxSubscribers(t *testing.T) {
	t.Parallel()
	const limit = 500
	srv, url := startRef(t, refserver.Config{Rate: 20, PayloadBytes: 16, MaxSubscribers: limit})
	cfg := capacity.Config{
		Base:         testBase(url, loadgen.ProtocolH1),
		Start:        100,
		Step:         capacity.Step{Factor: 2},
		Max:          1600,
		StepDuration: 500 * time.Millisecond,
		Bisect:       9, // 100·2^k steps reach 400 and 800; nine halvings of 400 reach 1
		Resolution:   1,
		SLO:          mustSLO("errors.rate<0.1%"),
		Settle:       settled(srv),
	}
	var steps []string
	cfg.OnStep = func(st result.LimitStep) { steps = append(steps, result.FormatLoad(st.Load)) }
	l, err := capacity.Search(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if l.Verdict != result.VerdictServerLimit || l.ClientLimited {
		t.Fatalf("Verdict = %q (client limited %t), want %q; steps %v\n%s", l.Verdict, l.ClientLimited, result.VerdictServerLimit, steps, l.Summary)
	}
	if got, want := l.Best.Load, float64(limit); got != want {
		t.Errorf("Best = %g, want %g (steps %v)", got, want, steps)
	}
	if got, want := l.FirstBad.Load, float64(limit+1); got != want {
		t.Errorf("FirstBad = %g, want %g (steps %v)", got, want, steps)
	}
	if l.Best.Connected != limit || l.Best.FanoutCount == 0 {
		t.Errorf("Best figures: connected %d, fan-out samples %d; want %d, > 0", l.Best.Connected, l.Best.FanoutCount, limit)
	}
	if l.FirstBad.Errors[loadgen.ClassStatus] != 1 {
		t.Errorf("FirstBad errors = %v, want one status (503)", l.FirstBad.Errors)
	}
}

// TestProbeConnections_maxSubscribers: the probe finds the 500 streams the
// server accepts and the 503 with Retry-After beyond.
func TestProbeConnections_maxSubscribers(t *testing.T) {
	t.Parallel()
	srv, url := startRef(t, refserver.Config{Rate: 5, MaxSubscribers: 500, MaxStreams: 50})
	p, err := capacity.ProbeConnections(context.Background(), capacity.ProbeConfig{
		Base:   testBase(url, loadgen.ProtocolH1),
		Max:    600,
		Hold:   1500 * time.Millisecond,
		Settle: settled(srv),
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Accepted != 500 || p.AllAccepted || p.ClientLimited {
		t.Errorf("Accepted = %d (all %t, client %t), want 500", p.Accepted, p.AllAccepted, p.ClientLimited)
	}
	if len(p.Beyond) != 1 || p.Beyond[0].Class != loadgen.ClassStatus || p.Beyond[0].Count != 100 || !strings.Contains(p.Beyond[0].Sample, "503") {
		t.Errorf("Beyond = %+v, want 100 × status 503", p.Beyond)
	}
	if p.RetryAfter != "5" || !strings.Contains(p.Behaviour, "503 Service Unavailable with Retry-After: 5") {
		t.Errorf("RetryAfter = %q, Behaviour = %q; want 5 and the 503 named", p.RetryAfter, p.Behaviour)
	}
	if p.ConnectBurst != 500 || p.ConnectRatePerS <= 0 || p.ConnectP99US <= 0 {
		t.Errorf("connect burst %d at %.0f/s (p99 %d µs), want 500 at > 0/s", p.ConnectBurst, p.ConnectRatePerS, p.ConnectP99US)
	}
	// Over h1 the HTTP/2 probe speaks h2c beside it: the same server
	// advertises its 50 streams per connection.
	if h := p.H2; h == nil || !h.Supported || h.MaxConcurrentStreams != 50 {
		t.Errorf("H2 = %+v, want h2c with 50 streams", h)
	}
}

// TestProbeConnections_maxStreams: the raw HTTP/2 probe reads the limit the
// server advertises and sees the stream beyond it refused.
func TestProbeConnections_maxStreams(t *testing.T) {
	t.Parallel()
	srv, url := startRef(t, refserver.Config{Rate: 5, MaxStreams: 50})
	p, err := capacity.ProbeConnections(context.Background(), capacity.ProbeConfig{
		Base:   testBase(url, loadgen.ProtocolH2C),
		Max:    120,
		Hold:   500 * time.Millisecond,
		Settle: settled(srv),
	})
	if err != nil {
		t.Fatal(err)
	}
	h := p.H2
	if h == nil {
		t.Fatal("no HTTP/2 probe")
	}
	if !h.Supported || !h.Advertised || h.MaxConcurrentStreams != 50 || h.Protocol != loadgen.ProtocolH2C {
		t.Fatalf("H2 = %+v, want h2c advertising 50 streams", h)
	}
	if h.Opened != 51 || h.Answered != 50 || h.Refused != 1 || h.Enforced == nil || !*h.Enforced {
		t.Errorf("opened %d, answered %d, refused %d (%s), enforced %v; want 51, 50, 1, true", h.Opened, h.Answered, h.Refused, h.ResetCode, h.Enforced)
	}
	// loadgen opens a second connection when one is full, so all 120
	// streams are accepted over 3 connections.
	if p.Accepted != 120 || !p.AllAccepted {
		t.Errorf("Accepted = %d (all %t), want 120", p.Accepted, p.AllAccepted)
	}
}

// TestProbeConnections_h2NotSpoken: against an HTTP/1.1-only server the
// HTTP/2 probe says so.
func TestProbeConnections_h2NotSpoken(t *testing.T) {
	t.Parallel()
	_, url := startRef(t, refserver.Config{Rate: 5, Protocols: []string{refserver.ProtoH1}})
	p, err := capacity.ProbeConnections(context.Background(), capacity.ProbeConfig{
		Base: testBase(url, loadgen.ProtocolH1),
		Max:  20,
		Hold: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !p.AllAccepted || p.Accepted != 20 {
		t.Errorf("Accepted = %d (all %t), want all 20", p.Accepted, p.AllAccepted)
	}
	if h := p.H2; h == nil || h.Supported || h.Error == "" {
		t.Errorf("H2 = %+v, want not supported, with a reason", h)
	}
}

// TestBrowser: the tabs a browser would get a stream for, per protocol.
func TestBrowser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		cfg          refserver.Config
		h1, h1Wait   int
		h2, h2Wait   int
		h2NotSpoken  bool
		noteContains string
	}{
		{"h1 only", refserver.Config{Rate: 5, Protocols: []string{refserver.ProtoH1}}, 6, 4, 0, 0, true, "does not speak HTTP/2"},
		{"h1 and h2c, 4 streams", refserver.Config{Rate: 5, MaxStreams: 4}, 6, 4, 4, 6, false, "only over TLS"},
		{"h1 and h2c, many streams", refserver.Config{Rate: 5}, 6, 4, 10, 0, false, "only over TLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, url := startRef(t, tt.cfg)
			v, err := capacity.Browser(context.Background(), capacity.BrowserConfig{Base: testBase(url, loadgen.ProtocolH1), Tabs: 10, Wait: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if v.H1.Served != tt.h1 || v.H1.Waiting != tt.h1Wait || v.H1.Failed != 0 {
				t.Errorf("H1 = %+v, want %d served, %d waiting", v.H1, tt.h1, tt.h1Wait)
			}
			if got := v.H2.Error != ""; got != tt.h2NotSpoken {
				t.Errorf("H2.Error = %q, want an error: %t", v.H2.Error, tt.h2NotSpoken)
			}
			if v.H2.Served != tt.h2 || v.H2.Waiting != tt.h2Wait {
				t.Errorf("H2 = %+v, want %d served, %d waiting", v.H2, tt.h2, tt.h2Wait)
			}
			if !strings.Contains(v.Note, tt.noteContains) {
				t.Errorf("Note = %q, want it to contain %q", v.Note, tt.noteContains)
			}
		})
	}
}
