package bench

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

const fullSuite = `name: full
duration: 3s
warmup: 0s
repeats: 2
connect_timeout: 5s
self_check: {cpu: 95%, lag: 50ms}
matrix:
  subscribers: [10, 20]
  rate: [5, 600/m]
  payload: 32
  protocol: [h1, h2c]
targets:
  - name: a
    start:
      command: [prog, --addr, "{addr}"]
      env: {K: "{port}"}
      workdir: sub
    ready: {url: "http://{addr}/ok", timeout: 3s}
    stop: {signal: INT, timeout: 1s}
    url: http://{addr}/events
    protocols: [h1]
  - name: b
    url: http://127.0.0.1:9/sub
    publish:
      url: http://127.0.0.1:9/pub
      method: PUT
      headers: {X-A: b}
      body: '{"m":"{marker}"}'
  - name: c
    url: http://127.0.0.1:9/events
    latency: json:meta.ts:ms
`

func TestParse_full(t *testing.T) {
	t.Parallel()
	s, err := Parse("full.yaml", []byte(fullSuite))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "full" || s.Duration != 3*time.Second || s.Warmup != 0 || s.Repeats != 2 || s.ConnectTimeout != 5*time.Second {
		t.Errorf("suite = %+v", s)
	}
	if s.SelfCheck.SaturationCPU != 0.95 || s.SelfCheck.SaturationLag != 50*time.Millisecond {
		t.Errorf("self_check = %+v", s.SelfCheck)
	}
	if got, want := s.Matrix.Rate, []float64{5, 10}; !slices.Equal(got, want) {
		t.Errorf("rate = %v, want %v", got, want)
	}
	if got := len(s.Scenarios()); got != 2*2*1*2 {
		t.Errorf("scenarios = %d, want 8", got)
	}
	a, b, c := s.Targets[0], s.Targets[1], s.Targets[2]
	if a.Start == nil || !slices.Equal(a.Start.Args, []string{"prog", "--addr", "{addr}"}) || a.Start.Env["K"] != "{port}" || a.Start.Workdir != "sub" {
		t.Errorf("a.start = %+v", a.Start)
	}
	if a.Ready.URL != "http://{addr}/ok" || a.Ready.Stream || a.Ready.Timeout != 3*time.Second {
		t.Errorf("a.ready = %+v", a.Ready)
	}
	if a.Stop.Signal != syscall.SIGINT || a.Stop.Timeout != time.Second || a.Latency != "reference" || a.Line != 13 {
		t.Errorf("a = %+v", a)
	}
	if b.Latency != "publisher" || b.Publish == nil || b.Publish.Method != "PUT" || b.Publish.Headers["X-A"] != "b" || !b.Ready.Stream {
		t.Errorf("b = %+v, publish %+v", b, b.Publish)
	}
	if c.Latency != "json:meta.ts:ms" || c.Start != nil {
		t.Errorf("c = %+v", c)
	}
}

func TestParse_errors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		want       []string // substrings of the error, each with its position
	}{
		{"unknown top key", "targets: [{name: a, url: http://x/}]\nrepeat: 3\n", []string{`s.yaml:2:1: unknown key "repeat"`, "repeats"}},
		{"unknown target key", "targets:\n  - name: a\n    url: http://x/\n    lantency: none\n", []string{`s.yaml:4:5: unknown key "lantency"`}},
		{"unknown start key", "targets:\n  - name: a\n    url: http://x/\n    start: {cmd: [x]}\n", []string{`s.yaml:4:13: unknown key "cmd"`, `s.yaml:4:12: start: "command" is required`}},
		{"bad duration", "duration: 10\ntargets: [{name: a, url: http://x/}]\n", []string{`s.yaml:1:11: "10" is not a duration`}},
		{"bad repeats", "repeats: 0\ntargets: [{name: a, url: http://x/}]\n", []string{"s.yaml:1:10: 0 must be >= 1"}},
		{"bad rate", "matrix: {rate: [10, fast]}\ntargets: [{name: a, url: http://x/}]\n", []string{`s.yaml:1:21: rate "fast"`}},
		{"bad protocol", "matrix: {protocol: [h3]}\ntargets: [{name: a, url: http://x/}]\n", []string{`s.yaml:1:21: protocol "h3"`}},
		{"bad latency", "targets:\n  - {name: a, url: http://x/, latency: stamp}\n", []string{`s.yaml:2:40: latency "stamp"`}},
		{"bad json latency", "targets:\n  - {name: a, url: http://x/, latency: \"json:\"}\n", []string{`s.yaml:2:40: latency "json:"`}},
		{"publisher without publish", "targets:\n  - {name: a, url: http://x/, latency: publisher}\n", []string{`s.yaml:2:5: target "a": latency publisher needs`}},
		{"missing name and url", "targets:\n  - {latency: none}\n", []string{`s.yaml:2:5: target: "name" is required`, `"url"`}},
		{"duplicate target", "targets:\n  - {name: a, url: http://x/}\n  - {name: a, url: http://x/}\n", []string{`s.yaml:3:5: target "a" is already defined on line 2`}},
		{"duplicate key", "repeats: 2\nrepeats: 3\ntargets: [{name: a, url: http://x/}]\n", []string{`s.yaml:2:1: key "repeats" given twice`}},
		{"no targets", "repeats: 2\n", []string{"no targets"}},
		{"targets not a list", "targets: {name: a}\n", []string{"s.yaml:1:10: want a list of targets, got a mapping"}},
		{"bad signal", "targets:\n  - {name: a, url: http://x/, stop: {signal: TERMINATE}}\n", []string{`s.yaml:2:46: signal "TERMINATE"`}},
		{"bad self_check", "self_check: {cpu: 2}\ntargets: [{name: a, url: http://x/}]\n", []string{`s.yaml:1:19: self_check cpu "2"`}},
		{"not yaml", "targets: [\n", []string{"s.yaml: yaml:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("s.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse = nil error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %q\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

// TestParse_allErrorsAtOnce checks that one pass reports every problem.
func TestParse_allErrorsAtOnce(t *testing.T) {
	t.Parallel()
	_, err := Parse("s.yaml", []byte("repeats: x\nduration: -1s\ntargets:\n  - {name: a, url: http://x/, colour: red}\n"))
	if err == nil {
		t.Fatal("want errors")
	}
	if n := strings.Count(err.Error(), "s.yaml:"); n != 3 {
		t.Errorf("got %d errors, want 3:\n%v", n, err)
	}
}

// TestParse_shipped parses every suite shipped in benchmarks/suites and the
// built-in one.
func TestParse_shipped(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../benchmarks/suites/*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("shipped suites: %v, %v", files, err)
	}
	for _, f := range files {
		s, err := ParseFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(Plan(s)) == 0 {
			t.Errorf("%s: no run planned", f)
		}
	}
	b := Builtin()
	if len(b.Targets) != 2 || b.Targets[0].Start == nil || b.Targets[0].Start.Args[0] != "{ssebench}" {
		t.Errorf("built-in suite = %+v", b)
	}
	flushing, err := os.ReadFile("../../benchmarks/suites/flushing.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(flushing), string(builtinYAML[strings.Index(string(builtinYAML), "duration:"):])) {
		t.Error("benchmarks/suites/flushing.yaml no longer holds the built-in suite's load and targets")
	}
}

func TestVars_Expand(t *testing.T) {
	t.Parallel()
	v := Vars{Host: "127.0.0.1", Port: 8080, Scenario: Scenario{Subscribers: 5, Rate: 2.5, Payload: 64, Protocol: "h1"}, Self: "/bin/ssebench", SuiteDir: "/s", Tmp: "/t"}
	got := v.Expand("{ssebench} --addr {addr} -p {port} -h {host} {rate} {payload} {subscribers} {protocol} {suite_dir} {tmp} {marker}")
	want := "/bin/ssebench --addr 127.0.0.1:8080 -p 8080 -h 127.0.0.1 2.5 64 5 h1 /s /t {marker}"
	if got != want {
		t.Errorf("Expand = %q\nwant     %q", got, want)
	}
}

func TestPlan_interleaved(t *testing.T) {
	t.Parallel()
	s, err := Parse("s.yaml", []byte(`repeats: 2
matrix: {subscribers: [1, 2], protocol: [h1, h2c]}
targets:
  - {name: A, url: http://x/}
  - {name: B, url: http://x/, protocols: [h1]}
  - {name: C, url: http://x/}
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range Plan(s) {
		got = append(got, j.Scenario.Name()+" "+j.Target.Name+string(rune('0'+j.Repeat)))
	}
	want := []string{
		"1 subs × 10/s × 64 B h1 A1", "1 subs × 10/s × 64 B h1 B1", "1 subs × 10/s × 64 B h1 C1",
		"1 subs × 10/s × 64 B h1 A2", "1 subs × 10/s × 64 B h1 B2", "1 subs × 10/s × 64 B h1 C2",
		"1 subs × 10/s × 64 B h2c A1", "1 subs × 10/s × 64 B h2c C1", "1 subs × 10/s × 64 B h2c A2", "1 subs × 10/s × 64 B h2c C2",
		"2 subs × 10/s × 64 B h1 A1", "2 subs × 10/s × 64 B h1 B1", "2 subs × 10/s × 64 B h1 C1",
		"2 subs × 10/s × 64 B h1 A2", "2 subs × 10/s × 64 B h1 B2", "2 subs × 10/s × 64 B h1 C2",
		"2 subs × 10/s × 64 B h2c A1", "2 subs × 10/s × 64 B h2c C1", "2 subs × 10/s × 64 B h2c A2", "2 subs × 10/s × 64 B h2c C2",
	}
	if !slices.Equal(got, want) {
		t.Errorf("plan =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseCPUs(t *testing.T) {
	t.Parallel()
	got, err := ParseCPUs("0")
	if err != nil || !slices.Equal(got, []int{0}) {
		t.Errorf("ParseCPUs(0) = %v, %v", got, err)
	}
	for _, bad := range []string{"x", "1-0", "-1", "0,,1", "4096"} {
		if _, err := ParseCPUs(bad); err == nil {
			t.Errorf("ParseCPUs(%q) = nil error", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(fullSuite))
	f.Add([]byte("targets: [{name: a, url: http://x/}]"))
	f.Add([]byte("matrix: {rate: [1/m]}\ntargets: []"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse("f.yaml", b)
		if err == nil && (len(s.Targets) == 0 || s.Repeats < 1 || s.Duration <= 0) {
			t.Fatalf("accepted a suite it should refuse: %+v", s)
		}
	})
}
