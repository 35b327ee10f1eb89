package result

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// BenchKind is the value of Bench.Kind: it tells a benchmark document apart
// from a run's Report (no "kind" key) and a Limits document.
const BenchKind = "bench"

// Bench is the result of `ssebench bench`: several SSE implementations
// (targets) measured under the same load matrix (scenarios), each run's full
// Report beside the server's cost measured from outside. Rankings are not
// stored: the renderers compute them from the runs, so a document can be
// re-ranked with other statistics later.
type Bench struct {
	// Schema is the layout version; see the Schema constant.
	Schema int `json:"schema"`
	// Kind is always BenchKind.
	Kind string `json:"kind"`
	// Tool names the program and version that wrote the document.
	Tool string `json:"tool"`
	// Suite names the suite that ran; SuiteFile is its file ("" for the
	// built-in suite).
	Suite string `json:"suite"`
	// SuiteFile is the path of the suite file as given.
	SuiteFile string `json:"suite_file,omitempty"`
	// Started is the wall-clock time the benchmark began.
	Started time.Time `json:"started"`
	// ElapsedS is how long the whole benchmark took, in seconds.
	ElapsedS float64 `json:"elapsed_s"`
	// Interrupted is true when the benchmark was stopped before every run
	// was done (Ctrl-C, SIGTERM); the runs done are kept.
	Interrupted bool `json:"interrupted"`
	// ServerCPUs and ClientCPUs are the CPU lists the targets and ssebench
	// were pinned to (--server-cpus, --client-cpus); empty when not pinned.
	ServerCPUs string `json:"server_cpus,omitempty"`
	// ClientCPUs is the CPU list ssebench itself ran on.
	ClientCPUs string `json:"client_cpus,omitempty"`
	// Cores is the number of CPUs of the machine.
	Cores int `json:"cores"`
	// Targets are the implementations compared, in suite order.
	Targets []BenchTarget `json:"targets"`
	// Scenarios are the loads of the matrix, in the order they ran.
	Scenarios []BenchScenario `json:"scenarios"`
	// Runs are every run, in the order they ran (interleaved: each repeat
	// of a scenario runs every target once before the next repeat).
	Runs []BenchRun `json:"runs"`
	// Warnings are plain sentences about what makes the comparison less
	// trustworthy or incomplete.
	Warnings []string `json:"warnings"`
}

// BenchTarget describes one implementation under test.
type BenchTarget struct {
	// Name is the target's name in the suite; it labels its runs.
	Name string `json:"name"`
	// Description says what the target is, for people.
	Description string `json:"description,omitempty"`
	// Latency is how fan-out latency is measured: "reference",
	// "json:PATH[:UNIT]", "publisher" or "none".
	Latency string `json:"latency"`
	// Started is true when ssebench started (and stopped) the target
	// itself; false for a target that was already running at a URL.
	Started bool `json:"started"`
}

// BenchScenario is one point of the load matrix.
type BenchScenario struct {
	// Name identifies the scenario, e.g. "1000 subs × 10/s × 64 B h1".
	Name string `json:"name"`
	// Subscribers held open.
	Subscribers int `json:"subscribers"`
	// RatePerS is the events per second each subscriber should receive
	// (published by ssebench in publisher mode, else by the target).
	RatePerS float64 `json:"rate_per_s"`
	// PayloadBytes is the event data size asked for.
	PayloadBytes int `json:"payload_bytes"`
	// Protocol is h1, h2c or h2.
	Protocol string `json:"protocol"`
	// DurationS is each measured run's steady state, seconds.
	DurationS float64 `json:"duration_s"`
	// WarmupS is the load each target had before being measured, seconds.
	WarmupS float64 `json:"warmup_s"`
	// Repeats is how many times each target was measured.
	Repeats int `json:"repeats"`
}

// BenchRun is one measured run of one target in one scenario.
type BenchRun struct {
	// Scenario and Target name what ran; Repeat counts from 1.
	Scenario string `json:"scenario"`
	// Target is the target's name.
	Target string `json:"target"`
	// Repeat is the repeat's number, from 1.
	Repeat int `json:"repeat"`
	// Valid is true when the run may be ranked: it completed, and the load
	// generator was not the bottleneck.
	Valid bool `json:"valid"`
	// Invalid says why the run is not ranked; empty when Valid.
	Invalid string `json:"invalid,omitempty"`
	// Error is the error that stopped the run (the target did not start,
	// nothing could be measured); Result may then be nil.
	Error string `json:"error,omitempty"`
	// DeliveryRatio is the events received ÷ the events expected: the
	// result's delivery_ratio in publisher mode, else events received ÷
	// (rate × steady state × subscribers requested); above 1 when a target
	// that fell behind sends its backlog. nil when unknown.
	DeliveryRatio *float64 `json:"delivery_ratio,omitempty"`
	// DeliveryEstimated is true when DeliveryRatio could only be estimated
	// from the nominal rate (no publisher mode, ids that are not a
	// sequence): the steady state's edges move such a figure by about an
	// event per subscriber, so it is shown but never decides a ranking.
	DeliveryEstimated bool `json:"delivery_estimated,omitempty"`
	// Cost is the server's cost, measured from outside; nil when the
	// target was not started by ssebench.
	Cost *ServerCost `json:"server_cost,omitempty"`
	// Result is the run's full result, as `ssebench run --out` writes it.
	Result *Report `json:"result,omitempty"`
}

// ServerCost is what a target's process tree used, read from /proc over
// the steady state.
type ServerCost struct {
	// CPUPercent is the CPU time of the process tree over the steady
	// state, in percent of one core.
	CPUPercent float64 `json:"cpu_percent"`
	// CPUUSPerEvent is CPU µs per event delivered to a subscriber.
	CPUUSPerEvent float64 `json:"cpu_us_per_event"`
	// MemIdleKiB is the tree's memory once ready, before any subscriber.
	MemIdleKiB int64 `json:"mem_idle_kib"`
	// MemMeanKiB and MemPeakKiB are the memory over the steady state.
	MemMeanKiB int64 `json:"mem_mean_kib"`
	// MemPeakKiB is the largest sample.
	MemPeakKiB int64 `json:"mem_peak_kib"`
	// KiBPerSubscriber is (MemMeanKiB − MemIdleKiB) ÷ subscribers connected.
	KiBPerSubscriber float64 `json:"kib_per_subscriber"`
	// MemMeasure is how memory was counted: "pss" (proportional set size,
	// so pages shared between the tree's processes count once) or "rss".
	MemMeasure string `json:"mem_measure"`
	// Processes is the most processes the tree had.
	Processes int `json:"processes"`
	// Samples is the number of memory samples in the steady state.
	Samples int `json:"samples"`
}

// ReadBench decodes a Bench document. It refuses other documents and a
// newer schema than this code understands.
func ReadBench(rd io.Reader) (*Bench, error) {
	var b Bench
	if err := json.NewDecoder(rd).Decode(&b); err != nil {
		return nil, fmt.Errorf("reports: not a ssebench bench result: %w", err)
	}
	if b.Kind != BenchKind {
		return nil, fmt.Errorf("reports: not a ssebench bench result: kind %q, want %q", b.Kind, BenchKind)
	}
	if b.Schema > Schema {
		return nil, fmt.Errorf("reports: bench result has schema %d, this ssebench reads up to %d; upgrade ssebench", b.Schema, Schema)
	}
	return &b, nil
}

// ReadBenchFile reads a Bench document from a file.
func ReadBenchFile(path string) (*Bench, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := ReadBench(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// RunsOf returns the runs of target in scenario, in repeat order.
func (b *Bench) RunsOf(scenario, target string) []BenchRun {
	var out []BenchRun
	for _, r := range b.Runs {
		if r.Scenario == scenario && r.Target == target {
			out = append(out, r)
		}
	}
	return out
}
