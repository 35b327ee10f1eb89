package capacity_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/capacity"
	"github.com/ssebench/ssebench/reports/result"
)

// fakeServer is a server model for Search: it serves up to limit
// subscribers (more get 503), with a p99 that grows with the load, and
// makes the client saturate at clientAt subscribers (0: never).
type fakeServer struct {
	limit    int
	clientAt int
	// stallAt makes the first run at this load saturated, as a stall of
	// a shared machine would.
	stallAt int
	runs    []int // loads run, in order
}

func (f *fakeServer) run(_ context.Context, cfg loadgen.Config) (*result.Report, error) {
	n := cfg.Subscribers
	f.runs = append(f.runs, n)
	ok := min(n, f.limit)
	r := &result.Report{
		LatencySource: "reference",
		Subscribers:   result.Subscribers{Requested: n, Connected: ok, Failed: n - ok},
		Events:        result.Events{Received: uint64(ok * 100), RatePerS: float64(ok * 10)},
		DurationS:     cfg.Duration.Seconds(),
		Errors:        map[string]int64{},
		SelfCheck:     result.SelfCheck{Cores: 2, CPUPercent: 10},
	}
	// 1 ms up to 200 subscribers, then 1 ms more per 100.
	p99 := int64(1000 + max(0, n-200)*10)
	r.LatencyUS.Fanout = result.Latency{Count: int64(ok * 100), P50: p99 / 2, P99: p99, P999: p99 * 2}
	if n > ok {
		r.Errors[loadgen.ClassStatus] = int64(n - ok)
	}
	if f.clientAt > 0 && n >= f.clientAt || n == f.stallAt && slices.Index(f.runs, n) == len(f.runs)-1 {
		r.SelfCheck.Saturated, r.SelfCheck.CPUPercent = true, 195
	}
	return r, nil
}

// searchConfig is a search over subscribers with f as the runner.
func searchConfig(f *fakeServer) capacity.Config {
	return capacity.Config{
		Base:         loadgen.Config{URL: "http://127.0.0.1:1/events", Tool: "ssebench/test"},
		Start:        100,
		Max:          1600,
		StepDuration: time.Second,
		Bisect:       10,
		SLO:          mustSLO("errors.rate<0.1%,fanout.p99<1s"),
		Run:          f.run,
	}
}

func mustSLO(s string) []capacity.Objective {
	o, err := capacity.ParseSLO(s)
	if err != nil {
		panic(err)
	}
	return o
}

func TestSearch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		server      fakeServer
		tweak       func(c *capacity.Config)
		wantVerdict string
		wantBest    float64 // 0: no best
		wantBad     float64 // 0: no first bad
		wantRuns    []int   // nil: not checked
		wantSummary string
	}{
		{
			name:        "bisects to the exact limit",
			server:      fakeServer{limit: 537},
			wantVerdict: result.VerdictServerLimit,
			wantBest:    537, wantBad: 538,
			wantRuns:    []int{100, 200, 400, 800, 600, 500, 550, 525, 538, 532, 535, 537},
			wantSummary: "Highest sustainable load: 537 subscribers",
		},
		{
			name:        "bisect count bounds the steps",
			server:      fakeServer{limit: 537},
			tweak:       func(c *capacity.Config) { c.Bisect = 2 },
			wantVerdict: result.VerdictServerLimit,
			wantBest:    500, wantBad: 600,
			wantRuns:    []int{100, 200, 400, 800, 600, 500},
			wantSummary: "more --bisect steps narrow it",
		},
		{
			name:        "additive steps clamp to max",
			server:      fakeServer{limit: 10_000},
			tweak:       func(c *capacity.Config) { c.Step = capacity.Step{Add: 700} },
			wantVerdict: result.VerdictNoLimit,
			wantBest:    1600,
			wantRuns:    []int{100, 800, 1500, 1600},
			wantSummary: "raise --max",
		},
		{
			name:        "client saturates first",
			server:      fakeServer{limit: 10_000, clientAt: 700},
			wantVerdict: result.VerdictClientLimit,
			wantBest:    400, wantBad: 800,
			wantRuns:    []int{100, 200, 400, 800, 800}, // run again to confirm, then no bisection into the client's limit
			wantSummary: "The limit found is the CLIENT's",
		},
		{
			name:        "a stall is run again and passes",
			server:      fakeServer{limit: 10_000, stallAt: 400},
			wantVerdict: result.VerdictNoLimit,
			wantBest:    1600,
			wantRuns:    []int{100, 200, 400, 400, 800, 1600},
			wantSummary: "raise --max",
		},
		{
			name:        "first step breaks",
			server:      fakeServer{limit: 50},
			wantVerdict: result.VerdictBelowStart,
			wantBad:     100,
			wantRuns:    []int{100},
			wantSummary: "lower --start",
		},
		{
			name:        "latency objective breaks before errors",
			server:      fakeServer{limit: 10_000},
			tweak:       func(c *capacity.Config) { c.SLO = mustSLO("fanout.p99<5ms") },
			wantVerdict: result.VerdictServerLimit,
			wantBest:    599, wantBad: 600, // p99 = 1 ms + (n-200)·10 µs: < 5 ms below 600
			wantSummary: "broke fanout.p99<5ms (measured 5ms)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := tt.server
			cfg := searchConfig(&f)
			if tt.tweak != nil {
				tt.tweak(&cfg)
			}
			var seen int
			cfg.OnStep = func(result.LimitStep) { seen++ }
			l, err := capacity.Search(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := l.Verdict, tt.wantVerdict; got != want {
				t.Errorf("Verdict = %q, want %q\nsummary: %s", got, want, l.Summary)
			}
			if got, want := l.ClientLimited, tt.wantVerdict == result.VerdictClientLimit; got != want {
				t.Errorf("ClientLimited = %t, want %t", got, want)
			}
			if got := loadOf(l.Best); got != tt.wantBest {
				t.Errorf("Best = %g, want %g", got, tt.wantBest)
			}
			if got := loadOf(l.FirstBad); got != tt.wantBad {
				t.Errorf("FirstBad = %g, want %g", got, tt.wantBad)
			}
			if tt.wantRuns != nil && fmt.Sprint(f.runs) != fmt.Sprint(tt.wantRuns) {
				t.Errorf("loads run = %v, want %v", f.runs, tt.wantRuns)
			}
			if got, want := seen, len(l.Steps); got != want {
				t.Errorf("OnStep called %d times, want %d (once per step)", got, want)
			}
			if !strings.Contains(l.Summary, tt.wantSummary) {
				t.Errorf("Summary = %q, want it to contain %q", l.Summary, tt.wantSummary)
			}
		})
	}
}

func loadOf(st *result.LimitStep) float64 {
	if st == nil {
		return 0
	}
	return st.Load
}

// TestSearch_clientLimitNeverServer: a step whose connections failed with
// the client-side classes is the client's limit, even though errors.rate
// broke, and the advice is to shard.
func TestSearch_clientLimitNeverServer(t *testing.T) {
	t.Parallel()
	for _, class := range []string{loadgen.ClassFDLimit, loadgen.ClassLocalPorts} {
		t.Run(class, func(t *testing.T) {
			t.Parallel()
			f := &fakeServer{limit: 10_000}
			cfg := searchConfig(f)
			cfg.Run = func(ctx context.Context, c loadgen.Config) (*result.Report, error) {
				r, _ := f.run(ctx, c)
				if c.Subscribers >= 400 {
					r.Errors[class] = 17
					r.Subscribers.Connected -= 17
				}
				return r, nil
			}
			l, err := capacity.Search(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if l.Verdict != result.VerdictClientLimit || !l.FirstBad.ClientLimited {
				t.Fatalf("Verdict = %q, FirstBad = %+v; want the client's limit", l.Verdict, l.FirstBad)
			}
			if !strings.Contains(l.Summary, "shard the load") {
				t.Errorf("Summary lacks the shard advice: %s", l.Summary)
			}
			if got, want := loadOf(l.Best), 200.0; got != want {
				t.Errorf("Best = %g, want %g (the server sustained at least that)", got, want)
			}
		})
	}
}

// TestSearch_tooManyForLimits: a step the process cannot even start is the
// client's limit.
func TestSearch_tooManyForLimits(t *testing.T) {
	t.Parallel()
	f := &fakeServer{limit: 10_000}
	cfg := searchConfig(f)
	cfg.Run = func(ctx context.Context, c loadgen.Config) (*result.Report, error) {
		if c.Subscribers > 300 {
			return nil, fmt.Errorf("%w: 400 subscribers need 400 descriptors, 350 fit", loadgen.ErrTooManyForLimits)
		}
		return f.run(ctx, c)
	}
	l, err := capacity.Search(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if l.Verdict != result.VerdictClientLimit || loadOf(l.FirstBad) != 400 || loadOf(l.Best) != 200 {
		t.Errorf("Verdict %q, best %g, first bad %g; want client_limit, 200, 400", l.Verdict, loadOf(l.Best), loadOf(l.FirstBad))
	}
	if !strings.Contains(l.FirstBad.Note, "cannot hold this load") {
		t.Errorf("FirstBad.Note = %q", l.FirstBad.Note)
	}
}

// TestSearch_interrupted: cancelling stops after the step in progress and
// keeps what was found.
func TestSearch_interrupted(t *testing.T) {
	t.Parallel()
	f := &fakeServer{limit: 10_000}
	cfg := searchConfig(f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg.Run = func(c context.Context, rc loadgen.Config) (*result.Report, error) {
		r, err := f.run(c, rc)
		if rc.Subscribers == 400 {
			cancel()
			r.Interrupted = true
		}
		return r, err
	}
	l, err := capacity.Search(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if l.Verdict != result.VerdictInterrupted || loadOf(l.Best) != 200 || len(f.runs) != 3 {
		t.Errorf("Verdict %q, best %g, runs %v; want interrupted, 200, 3 runs", l.Verdict, loadOf(l.Best), f.runs)
	}
}

// TestSearch_varyRate: each step sets the publish rate; the subscribers stay.
func TestSearch_varyRate(t *testing.T) {
	t.Parallel()
	var rates []float64
	cfg := capacity.Config{
		Base:  loadgen.Config{URL: "http://127.0.0.1:1/events", Subscribers: 50, LatencyOptions: loadgen.LatencyOptions{PublishURL: "http://127.0.0.1:1/publish"}},
		Vary:  result.VaryRate,
		Start: 10, Max: 100, Step: capacity.Step{Factor: 1.5},
		SLO: mustSLO("errors.rate<1%"),
		Run: func(_ context.Context, c loadgen.Config) (*result.Report, error) {
			rates = append(rates, c.PublishRate)
			if c.Subscribers != 50 {
				t.Errorf("Subscribers = %d, want 50", c.Subscribers)
			}
			return &result.Report{Subscribers: result.Subscribers{Requested: 50, Connected: 50}, DurationS: 1}, nil
		},
	}
	l, err := capacity.Search(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(rates), "[10 15 22.5 33.75 50.63 75.95 100]"; got != want {
		t.Errorf("rates = %s, want %s", got, want)
	}
	if l.Unit != "events/s" || l.Fixed != "50 subscribers" {
		t.Errorf("Unit, Fixed = %q, %q", l.Unit, l.Fixed)
	}
}

func TestConfig_Validate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  capacity.Config
		want string // "" means valid
	}{
		{"defaults", capacity.Config{}, ""},
		{"bad vary", capacity.Config{Vary: "speed"}, "--vary must be"},
		{"rate needs publisher", capacity.Config{Vary: result.VaryRate}, "needs publisher mode"},
		{"start above max", capacity.Config{Start: 500, Max: 100}, "above --max"},
		{"bad step", capacity.Config{Step: capacity.Step{Factor: 0.5}}, "above 1"},
		{"negative bisect", capacity.Config{Bisect: -1}, "--bisect"},
		{"knee factor", capacity.Config{KneeFactor: 0.5}, "--knee-factor"},
		{"stages", capacity.Config{Base: loadgen.Config{ShapeOptions: loadgen.ShapeOptions{Stages: loadgen.Stages{{Duration: time.Second, Target: 5}}}}}, "--stages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParseStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    capacity.Step
		wantErr bool
	}{
		{"x2", capacity.Step{Factor: 2}, false},
		{"*1.5", capacity.Step{Factor: 1.5}, false},
		{"×3", capacity.Step{Factor: 3}, false},
		{"+500", capacity.Step{Add: 500}, false},
		{"250", capacity.Step{Add: 250}, false},
		{"x1", capacity.Step{}, true},
		{"+0", capacity.Step{}, true},
		{"-5", capacity.Step{}, true},
		{"twice", capacity.Step{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := capacity.ParseStep(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseStep(%q) = %+v, %v; want %+v, error %t", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err == nil {
				if back, _ := capacity.ParseStep(got.String()); back != got {
					t.Errorf("ParseStep(%q.String() = %q) = %+v", tt.in, got.String(), back)
				}
			}
		})
	}
}
