package k8s

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRender_golden keeps the rendered YAML in testdata/job.yaml, so that a
// change to it shows in review (go test ./internal/k8s -update rewrites it).
func TestRender_golden(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	o := Options{Image: "ssebench:dev", Shards: 4, Scenario: []byte(testScenario),
		StartAt: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC), RunArgs: []string{"--connections", "4"}}
	if err := Render(&b, o); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "job.yaml")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("rendered YAML differs from %s (run with -update and review the diff):\n%s", path, b.String())
	}
	decodeStrict(t, want)
}
