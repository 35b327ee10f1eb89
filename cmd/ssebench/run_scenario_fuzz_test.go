package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzScenario feeds any bytes to the scenario parser and applies the
// result to a flag set with every kind of flag run has (numbers,
// durations, booleans, strings, repeatable and custom values). It must
// never panic, and every error must start with the file name, so the user
// knows where to look. The seed corpus (the example scenarios, f.Add and
// testdata/fuzz/FuzzScenario) runs as a normal test.
func FuzzScenario(f *testing.F) {
	examples, _ := filepath.Glob(filepath.Join("..", "..", "benchmarks", "scenarios", "*"))
	for _, e := range examples {
		if b, err := os.ReadFile(e); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"", "{}", "[]", "null", "subscribers: 1\n", "subscribers: &a 1\nduration: *a\n", "a: &x [*x]\n",
		"header: {A: b}\n", "threshold: [\"fanout.p99 < 1ms\", x]\n", "? [a]\n: b\n", "!!binary aGk=: 1\n",
		"subscribers: 1\n...\n---\n", "\xef\xbb\xbfsubscribers: 1\n", "url: [a, b]\n", "connect-rate: 5/m\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Int("subscribers", 1, "")
		fs.Duration("duration", 0, "")
		fs.Bool("insecure", false, "")
		fs.String("protocol", "h1", "")
		var rate float64
		fs.Var(newRateFlag(&rate, true), "connect-rate", "")
		fs.Func("header", "repeatable", func(s string) error { _, _, err := parseHeader(s); return err })
		tf := addThresholdFlags(fs)
		sc := addScenarioFlags(fs)
		sc.path = "f.yaml"
		pos, err := sc.applyData(data, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error %q does not start with the file name", err)
			}
			return
		}
		if len(pos) > 1 {
			t.Fatalf("scenario gave %d URLs", len(pos))
		}
		_, _ = tf.parse() // bad thresholds are errors, never panics
	})
}
