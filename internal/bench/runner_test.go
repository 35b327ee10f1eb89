package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

// groundTruthSuite is two reference servers (the test binary in helper
// mode), one of which holds every event 300 ms: its fan-out latency must be
// 300 ms higher, and it must rank second, significantly (4 runs each: the
// U test's smallest p is then 0.029).
const groundTruthSuite = `name: ground truth
duration: 1s
warmup: 200ms
repeats: 4
self_check: {lag: 1s, cpu: 100%}
matrix: {subscribers: [40], rate: [50], payload: [64]}
targets:
  - name: slow
    start: {command: ["{ssebench}", helper, refserve, "{addr}", "{rate}", "{payload}", 300ms]}
    ready: {url: "http://{addr}/healthz"}
    url: http://{addr}/events
  - name: fast
    start: {command: ["{ssebench}", helper, refserve, "{addr}", "{rate}", "{payload}", 0s]}
    url: http://{addr}/events
`

func TestRun_groundTruth(t *testing.T) {
	t.Parallel()
	s, err := Parse("gt.yaml", []byte(groundTruthSuite))
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	b, err := Run(ctx, s, Options{Tool: "ssebench/test", Self: os.Args[0], OnEvent: func(e Event) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != result.BenchKind || b.Interrupted || len(b.Runs) != 8 {
		t.Fatalf("kind %q, interrupted %v, %d runs; want bench, false, 8", b.Kind, b.Interrupted, len(b.Runs))
	}
	// Interleaved: slow fast slow fast slow fast.
	for i, r := range b.Runs {
		want := []string{"slow", "fast"}[i%2]
		if r.Target != want || r.Repeat != i/2+1 {
			t.Errorf("run %d = %s #%d, want %s #%d", i, r.Target, r.Repeat, want, i/2+1)
		}
		if !r.Valid {
			t.Fatalf("run %d invalid: %s (%s)", i, r.Invalid, r.Error)
		}
		rep := r.Result
		if rep.Label != r.Target || rep.Subscribers.Connected != 40 || rep.LatencySource != "reference" {
			t.Errorf("run %d: label %q, connected %d, source %q", i, rep.Label, rep.Subscribers.Connected, rep.LatencySource)
		}
		c := r.Cost
		if c == nil {
			t.Fatalf("run %d: no server cost", i)
		}
		if c.CPUPercent <= 0 || c.CPUUSPerEvent <= 0 || c.MemMeanKiB <= 0 || c.MemIdleKiB <= 0 || c.Samples == 0 || c.Processes != 1 {
			t.Errorf("run %d: cost %+v", i, c)
		}
		if r.DeliveryRatio == nil || *r.DeliveryRatio < 0.95 {
			t.Errorf("run %d: delivery %v", i, r.DeliveryRatio)
		}
		p50 := time.Duration(rep.LatencyUS.Fanout.P50) * time.Microsecond
		t.Logf("run %d %s: p50 %s p99 %dus target %s", i, r.Target, p50, rep.LatencyUS.Fanout.P99, rep.Target)
		if r.Target == "slow" && (p50 < 300*time.Millisecond || p50 > 500*time.Millisecond) {
			t.Errorf("run %d: slow p50 = %s, want 300ms and a little", i, p50)
		}
		if r.Target == "fast" && p50 > 150*time.Millisecond {
			t.Errorf("run %d: fast p50 = %s, want well under 300ms", i, p50)
		}
	}
	rk := reports.RankBench(b)
	if len(rk) != 1 || len(rk[0].Rows) != 2 {
		t.Fatalf("ranking = %+v", rk)
	}
	first, second := rk[0].Rows[0], rk[0].Rows[1]
	if first.Target != "fast" || first.Rank != 1 || second.Target != "slow" || second.Rank != 2 || second.SameAs != 0 {
		t.Errorf("ranking: %s #%d, %s #%d (same as %d); want fast #1, slow #2 apart", first.Target, first.Rank, second.Target, second.Rank, second.SameAs)
	}
	if !strings.Contains(second.Versus, "p=") {
		t.Errorf("with 4 runs each the rank should come from the U test, got %q", second.Versus)
	}
	var phases, done int
	for _, e := range events {
		switch e.Kind {
		case EventPhase:
			phases++
		case EventDone:
			done++
			if e.Total != 8 {
				t.Errorf("event total = %d, want 8", e.Total)
			}
		}
	}
	if done != 8 || phases < 8*4 {
		t.Errorf("events: %d done, %d phases; want 8 and 32+", done, phases)
	}
}

// TestRun_interrupted cancels the benchmark during its second run: the
// document keeps the finished run, marks the cut one invalid, and says it
// was interrupted.
func TestRun_interrupted(t *testing.T) {
	t.Parallel()
	s, err := Parse("gt.yaml", []byte(strings.Replace(groundTruthSuite, "duration: 1s", "duration: 3s", 1)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	b, err := Run(ctx, s, Options{Self: os.Args[0], OnEvent: func(e Event) {
		if e.Kind == EventProgress && e.Index == 1 && e.Progress.Steady {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !b.Interrupted || len(b.Runs) != 2 {
		t.Fatalf("interrupted %v, %d runs; want true, 2", b.Interrupted, len(b.Runs))
	}
	if !b.Runs[0].Valid || b.Runs[1].Valid || b.Runs[1].Invalid != "interrupted" {
		t.Errorf("runs: %+v / %+v", b.Runs[0].Invalid, b.Runs[1].Invalid)
	}
}

// TestRun_targetFails: a target that cannot start gives an invalid run
// with its output and install hint, and the benchmark goes on.
func TestRun_targetFails(t *testing.T) {
	t.Parallel()
	s, err := Parse("f.yaml", []byte(`duration: 500ms
warmup: 0s
repeats: 1
matrix: {subscribers: [5]}
targets:
  - name: broken
    install: apt-get install broken
    start: {command: ["{ssebench}", helper, exit]}
    url: http://{addr}/events
  - name: missing
    start: {command: [/nonexistent/server]}
    url: http://{addr}/events
`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(t.Context(), s, Options{Self: os.Args[0]})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Runs) != 2 {
		t.Fatalf("%d runs, want 2", len(b.Runs))
	}
	if r := b.Runs[0]; r.Valid || !strings.Contains(r.Error, "boom: no config") || !strings.Contains(r.Error, "apt-get install broken") {
		t.Errorf("broken: valid %v, error %q", r.Valid, r.Error)
	}
	if r := b.Runs[1]; r.Valid || !strings.Contains(r.Error, "/nonexistent/server") {
		t.Errorf("missing: valid %v, error %q", r.Valid, r.Error)
	}
}
