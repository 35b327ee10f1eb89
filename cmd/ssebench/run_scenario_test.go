package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// knownForTest accepts the keys the parser tests use.
func knownForTest(key string) bool {
	return slices.Contains([]string{"url", "subscribers", "duration", "header", "publish-header", "threshold", "insecure", "protocol"}, key)
}

func TestParseScenario(t *testing.T) {
	t.Parallel()
	type kv struct {
		key    string
		values []string
	}
	tests := []struct {
		name string
		in   string
		want []kv
	}{
		{"scalars", "subscribers: 100\nduration: 30s\ninsecure: true\n",
			[]kv{{"subscribers", []string{"100"}}, {"duration", []string{"30s"}}, {"insecure", []string{"true"}}}},
		{"list for a repeatable flag", "threshold:\n  - fanout.p99 < 50ms\n  - 'errors.rate < 0.1%'\n",
			[]kv{{"threshold", []string{"fanout.p99 < 50ms", "errors.rate < 0.1%"}}}},
		{"flow list", `header: ["A: b", "C: d"]`,
			[]kv{{"header", []string{"A: b", "C: d"}}}},
		{"header mapping", "header:\n  Authorization: Bearer x\n  X-Id: 7\n",
			[]kv{{"header", []string{"Authorization: Bearer x", "X-Id: 7"}}}},
		{"single threshold as a scalar", "threshold: fanout.p99 < 50ms\n",
			[]kv{{"threshold", []string{"fanout.p99 < 50ms"}}}},
		{"json", "{\n\t\"url\": \"http://127.0.0.1:8080/events\",\n\t\"subscribers\": 5,\n\t\"threshold\": [\"events.gaps == 0\"]\n}\n",
			[]kv{{"url", []string{"http://127.0.0.1:8080/events"}}, {"subscribers", []string{"5"}}, {"threshold", []string{"events.gaps == 0"}}}},
		{"alias", "protocol: &p h2c\nduration: 1s\nurl: *p\n",
			[]kv{{"protocol", []string{"h2c"}}, {"duration", []string{"1s"}}, {"url", []string{"h2c"}}}},
		{"comments and document start", "---\n# a comment\nsubscribers: 1 # trailing\n",
			[]kv{{"subscribers", []string{"1"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries, err := parseScenario("s.yaml", []byte(tt.in), knownForTest)
			if err != nil {
				t.Fatalf("parseScenario: %v", err)
			}
			var got []kv
			for _, e := range entries {
				got = append(got, kv{e.key, e.values})
				if len(e.lines) != len(e.values) || e.line < 1 {
					t.Errorf("%s: line %d, lines %v for %d values", e.key, e.line, e.lines, len(e.values))
				}
			}
			if g, w := strings.ReplaceAll(jsonOf(t, got), " ", ""), strings.ReplaceAll(jsonOf(t, tt.want), " ", ""); g != w {
				t.Errorf("entries = %s, want %s", g, w)
			}
		})
	}
}

func jsonOf(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestParseScenario_errorsNameTheKeyAndLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"unknown key", "subscribers: 1\nnope: 2\n", `s.yaml:2: unknown key "nope"`},
		{"snake case", "subscribers: 1\npublish_header: x\n", `s.yaml:2: unknown key "publish_header" (did you mean publish-header?)`},
		{"plural", "thresholds: []\n", "(did you mean threshold?)"},
		{"camel case", "publishHeader: x\n", "(did you mean publish-header?)"},
		{"dashes", "--subscribers: 1\n", "(did you mean subscribers?)"},
		{"list for a single flag", "subscribers: 1\nduration:\n  - 1s\n", "s.yaml:3: duration: takes one value, not a list"},
		{"mapping for a single flag", "protocol: {a: b}\n", "s.yaml:1: protocol: takes one value, not a mapping"},
		{"null", "subscribers:\n", "s.yaml:1: subscribers: no value"},
		{"nested list item", "threshold:\n  - [a]\n", "s.yaml:2: threshold: want a single value"},
		{"bad header mapping", "header:\n  A: [b]\n", "s.yaml:2: header: want 'Name: value' pairs"},
		{"duplicate", "subscribers: 1\nduration: 1s\nsubscribers: 2\n", "s.yaml:3: subscribers: given twice, at line 1 and line 3"},
		{"not a mapping", "- subscribers\n", "s.yaml:1: a scenario is a mapping"},
		{"scalar document", "hello\n", "s.yaml:1: a scenario is a mapping"},
		{"empty", "", "s.yaml: empty scenario"},
		{"only a comment", "# nothing\n", "s.yaml: empty scenario"},
		{"two documents", "subscribers: 1\n---\nduration: 1s\n", "s.yaml:2: a scenario is one document"},
		{"syntax", "subscribers: [1\n", "s.yaml:1: did not find expected"},
		{"tab indentation", "header:\n\t- a\n", "s.yaml:2:"},
		{"key not a scalar", "[a]: 1\n", "s.yaml:1: a key must be a flag name"},
		{"bad json", "{\"subscribers\": 1\n", "s.yaml:1: did not find expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseScenario("s.yaml", []byte(tt.in), knownForTest)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseScenario(%q) = %v, want an error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

// dryRun runs `ssebench run --dry-run ARGS` and decodes what it printed.
func dryRun(t *testing.T, args ...string) (cfg map[string]any, thresholds []string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := realMain(append([]string{"run", "--dry-run"}, args...), &stdout, &stderr); code != exitOK {
		t.Fatalf("run --dry-run %q: exit %d, stderr:\n%s", args, code, stderr.String())
	}
	if err := yaml.Unmarshal(stdout.Bytes(), &cfg); err != nil {
		t.Fatalf("dry run printed %q: %v", stdout.String(), err)
	}
	if list, ok := cfg["threshold"].([]any); ok {
		for _, th := range list {
			thresholds = append(thresholds, th.(string))
		}
	}
	// The output is itself a scenario: run as one, it gives the same.
	path := filepath.Join(t.TempDir(), "dry.yaml")
	if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if code := realMain([]string{"run", "--dry-run", "--scenario", path}, &again, &stderr); code != exitOK {
		t.Fatalf("the dry run's output is not a valid scenario: exit %d, stderr:\n%s", code, stderr.String())
	}
	if again.String() != stdout.String() {
		t.Errorf("dry run of its own output =\n%s\nwant\n%s", again.String(), stdout.String())
	}
	return cfg, thresholds
}

// writeScenario writes a scenario file into a temporary directory.
func writeScenario(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestScenario_commandLineOverridesTheFile(t *testing.T) {
	t.Parallel()
	path := writeScenario(t, "s.yaml", `url: http://127.0.0.1:9/events
subscribers: 50
duration: 2s
protocol: h2c
connections: 3
header:
  X-From: scenario
threshold:
  - fanout.p99 < 50ms
  - events.gaps == 0
`)
	cfg, th := dryRun(t, "--scenario", path)
	if cfg["url"] != "http://127.0.0.1:9/events" || cfg["subscribers"] != 50 || cfg["protocol"] != "h2c" ||
		cfg["connections"] != 3 || cfg["duration"] != "2s" {
		t.Errorf("scenario not applied: %v", cfg)
	}
	if got := jsonOf(t, cfg["header"]); got != `["X-From: scenario"]` {
		t.Errorf("header = %s", got)
	}
	if got, want := strings.Join(th, "; "), "fanout.p99 < 50ms; events.gaps == 0"; got != want {
		t.Errorf("thresholds = %q, want %q", got, want)
	}

	// A flag on the command line replaces the key, a list included; the
	// URL argument replaces url.
	cfg, th = dryRun(t, "--scenario", path, "--subscribers", "7", "--threshold", "events.gaps == 1", "http://127.0.0.1:10/x")
	if cfg["subscribers"] != 7 || cfg["url"] != "http://127.0.0.1:10/x" || cfg["protocol"] != "h2c" {
		t.Errorf("command line did not override: %v", cfg)
	}
	if got, want := strings.Join(th, "; "), "events.gaps == 1"; got != want {
		t.Errorf("thresholds = %q, want %q", got, want)
	}
}

func TestScenario_badInputIsAUsageError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, text string
		want             []string // in stderr
	}{
		{"bad value", "s.yaml", "subscribers: 10\nduration: 3x\n", []string{"s.yaml:2: duration: invalid value \"3x\": want a duration"}},
		{"bad int", "s.yaml", "subscribers: many\n", []string{"s.yaml:1: subscribers: invalid value \"many\": want a whole number"}},
		{"bad enum found by validation", "s.yaml", "protocol: h3\n", []string{"--protocol", "(protocol set by", "s.yaml:1)"}},
		{"bad url", "s.yaml", "subscribers: 1\nurl: ftp://x/\n", []string{"(url set by", "s.yaml:2)"}},
		{"bad threshold", "s.yaml", "threshold:\n  - fanout.p99 < 50ms\n  - fanout.p99 < 50\n", []string{"s.yaml:3: threshold: fanout.p99 is a time", "    fanout.p99 < 50\n                 ^^"}},
		{"unknown key", "s.json", "{\n  \"subscribers\": 1,\n  \"max_dials\": 3\n}\n", []string{"s.json:3: unknown key \"max_dials\" (did you mean max-dials?)"}},
		{"scenario in a scenario", "s.yaml", "scenario: other.yaml\n", []string{"unknown key \"scenario\""}},
		{"rate with a url", "s.yaml", "url: http://127.0.0.1:9/\nrate: 5\n", []string{"cannot be used with a URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeScenario(t, tt.file, tt.text)
			var stdout, stderr bytes.Buffer
			if code := realMain([]string{"run", "--dry-run", "--scenario", path}, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr =\n%s\nwant it to contain %q", stderr.String(), w)
				}
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"run", "--scenario", "/nonexistent/s.yaml"}, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "no such file") {
		t.Errorf("missing scenario: exit %d, stderr %q", code, stderr.String())
	}
}

// TestScenario_examples checks that every example scenario parses and
// validates, so the files users copy keep working as flags change.
func TestScenario_examples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "benchmarks", "scenarios", "*"))
	if err != nil || len(files) < 4 {
		t.Fatalf("found %d example scenarios (%v), want at least 4", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			_, th := dryRun(t, "--scenario", f)
			if len(th) == 0 {
				t.Errorf("%s has no thresholds; every example shows some", f)
			}
		})
	}
}

// TestScenario_repeatableFlags keeps repeatableFlags in step with the run
// flags whose help says they are repeatable.
func TestScenario_repeatableFlags(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	realMain([]string{"run", "-h"}, &stdout, &stderr)
	var got []string
	flagLine := regexp.MustCompile(`^  --([a-z0-9-]+)`)
	name := ""
	for line := range strings.SplitSeq(stdout.String(), "\n") {
		if m := flagLine.FindStringSubmatch(line); m != nil {
			name = m[1]
		}
		if name != "" && strings.Contains(line, "repeatable") && !slices.Contains(got, name) {
			got = append(got, name)
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(repeatableFlags))
	if !slices.Equal(got, want) {
		t.Errorf("flags whose help says repeatable: %v; repeatableFlags: %v", got, want)
	}
}
