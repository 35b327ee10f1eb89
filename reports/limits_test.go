package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// sampleLimits is a search that found a server limit at 500 subscribers,
// with a knee, a connection probe and a browser view: every part the
// formats render.
func sampleLimits() *result.Limits {
	ratio := 1.0
	step := func(load float64, phase string, pass bool, p99us int64, errRate float64, note string) result.LimitStep {
		st := result.LimitStep{Load: load, Phase: phase, Pass: pass, DurationS: 10, Requested: int(load), Connected: int(min(load, 500)),
			EventsPerS: min(load, 500) * 10, BytesPerS: min(load, 500) * 1000, FanoutP50US: p99us / 2, FanoutP99US: p99us,
			FanoutP999US: p99us * 2, FanoutCount: int64(load) * 100, ConnectP99US: 900, ErrorRate: errRate, DeliveryRatio: &ratio,
			CPUPercent: load / 20, Note: note, Checks: []result.SLOCheck{{Objective: "errors.rate<0.1%", Measured: pct(errRate), Value: errRate, Unit: "ratio", Pass: errRate < 0.001}}}
		if load > 500 {
			st.Errors = map[string]int64{"status": int64(load - 500)}
		}
		return st
	}
	steps := []result.LimitStep{
		step(100, result.PhaseStep, true, 2100, 0, ""),
		step(200, result.PhaseStep, true, 2300, 0, ""),
		step(400, result.PhaseStep, true, 5200, 0, ""),
		step(800, result.PhaseStep, false, 9800, 0.375, "broke errors.rate<0.1% (measured 37.5%)"),
		step(600, result.PhaseBisect, false, 7400, 0.1667, "broke errors.rate<0.1% (measured 16.67%)"),
		step(500, result.PhaseBisect, true, 6100, 0, ""),
	}
	best, bad := steps[5], steps[4]
	enforced := true
	return &result.Limits{
		Schema: result.Schema, Kind: result.LimitsKind, Tool: "ssebench/test", Target: "http://127.0.0.1:8080/events", Protocol: "h1",
		Started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Vary: result.VarySubscribers, Unit: "subscribers",
		SLO: []string{"errors.rate<0.1%"}, StepDurationS: 10, Steps: steps, Best: &best, FirstBad: &bad,
		Knee:    &result.Knee{Load: 400, Before: 200, FanoutP99US: 5200, BaselineLoad: 100, BaselineP99US: 2100, Factor: 2, FloorUS: 1000},
		Verdict: result.VerdictServerLimit,
		Summary: "Highest sustainable load: 500 subscribers (fan-out p99 6.1ms, errors 0%, 5,000 events/s received). At 600 subscribers the server broke errors.rate<0.1% (measured 16.67%).",
		Probe: &result.ConnProbe{Protocol: "h1", Tried: 600, Accepted: 500,
			Beyond:     []result.Refusal{{Class: "status", Count: 100, Sample: "HTTP 503 Service Unavailable", Meaning: "answered with an error status instead of a stream"}},
			Behaviour:  "beyond 500 concurrent streams the server answers 503 Service Unavailable with Retry-After: 5",
			RetryAfter: "5", ConnectBurst: 500, ConnectRatePerS: 4321.4, ConnectP50US: 1200, ConnectP99US: 8400,
			H2: &result.H2Probe{Protocol: "h2c", Supported: true, Advertised: true, MaxConcurrentStreams: 50, Opened: 51, Answered: 50, Refused: 1, ResetCode: "PROTOCOL_ERROR", Enforced: &enforced}},
		Browser: &result.BrowserView{Tabs: 10, WaitS: 2,
			H1:   result.BrowserProtocol{Protocol: "h1", Connections: 6, Served: 6, Waiting: 4},
			H2:   result.BrowserProtocol{Protocol: "h2c", Connections: 1, Error: "the server does not speak HTTP/2 (h2c): connection reset"},
			Note: "Browsers open at most 6 HTTP/1.1 connections per origin."},
		Warnings: []string{"the step at 800 subscribers looked client-limited and was run again"},
	}
}

func TestLimitsText(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := LimitsText(&b, sampleLimits()); err != nil {
		t.Fatal(err)
	}
	golden(t, "limits.txt.golden", b.Bytes())
}

func TestLimitsMarkdown(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := LimitsMarkdown(&b, sampleLimits()); err != nil {
		t.Fatal(err)
	}
	golden(t, "limits.md.golden", b.Bytes())
}

// TestLimitsText_clientLimit: a client-limited search says so where a
// reader looks first.
func TestLimitsText_clientLimit(t *testing.T) {
	t.Parallel()
	l := sampleLimits()
	l.Verdict, l.ClientLimited = result.VerdictClientLimit, true
	l.FirstBad.ClientLimited = true
	l.Steps[4].ClientLimited = true
	var b bytes.Buffer
	if err := LimitsText(&b, l); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"verdict    CLIENT limit: ssebench was the bottleneck, not the server", "CLIENT  "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}

// TestLimitsHTML checks the page's structure: the three charts against
// load with their data, the steps table in load order, the probe and the
// browser view, and nothing fetched.
func TestLimitsHTML(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := LimitsHTML(&b, sampleLimits()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`id="chart-latency-vs-load" data-points="12"`, // p99 and p50 at six steps
		`id="chart-throughput-vs-load" data-points="6"`,
		`id="chart-errors-vs-load" data-points="6"`,
		`<table id="steps">`, `<table id="probe">`, `<table id="browser">`,
		"Highest sustainable load", "500 subscribers", "200–400",
		"503 Service Unavailable with Retry-After: 5", "PROTOCOL_ERROR",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Steps in load order: 100 … 800, the bisection steps between.
	order := []string{">100<", ">200<", ">400<", ">500<", ">600<", ">800<"}
	at := 0
	for _, o := range order {
		i := strings.Index(page[at:], o)
		if i < 0 {
			t.Fatalf("step %s missing or out of load order", o)
		}
		at += i
	}
	for _, bad := range []string{"<script", "http-equiv", "src=\"http", "href=\"http"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: it must be self-contained", bad)
		}
	}
}

func TestLimitsJSON_roundTrip(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := LimitsJSON(&b, sampleLimits()); err != nil {
		t.Fatal(err)
	}
	got, err := result.ReadLimits(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Best.Load != 500 || len(got.Steps) != 6 || got.Probe.H2.MaxConcurrentStreams != 50 || !*got.Probe.H2.Enforced {
		t.Errorf("round trip lost data: best %v, %d steps, probe %+v", got.Best, len(got.Steps), got.Probe.H2)
	}
	// Keys are snake_case with units, as in a Report.
	var raw map[string]any
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"kind", "step_duration_s", "first_bad", "client_limited", "probe", "browser"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks key %q", k)
		}
	}
	// A run's report is not a limits document.
	if _, err := result.ReadLimits(strings.NewReader(`{"schema":1,"tool":"x"}`)); err == nil {
		t.Error("ReadLimits accepted a run report")
	}
}

func TestLookupLimits(t *testing.T) {
	t.Parallel()
	for _, name := range LimitsFormats() {
		if _, err := LookupLimits(name); err != nil {
			t.Errorf("LookupLimits(%q) = %v", name, err)
		}
	}
	if _, err := LookupLimits("png"); err == nil {
		t.Error("LookupLimits(png) = nil error, want one")
	}
}

func TestFormatLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{{500, "500"}, {12500, "12,500"}, {22.5, "22.50"}, {0, "0"}}
	for _, tt := range tests {
		if got := result.FormatLoad(tt.in); got != tt.want {
			t.Errorf("FormatLoad(%g) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
