package result

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// ErrNotARun is wrapped by Read when the document is not the result of a
// run: not JSON, not ssebench's, or another kind of ssebench document (a
// limits search). Commands treat it as a usage error.
var ErrNotARun = errors.New("not a ssebench run result")

// RunKinds are the "kind" values of documents Read accepts as a run's
// Report: a run's result has no kind key.
var RunKinds = []string{"", "run"}

// Read decodes a Report from JSON. It refuses a document that is not a
// run's result (ErrNotARun) or has a newer schema than this code
// understands.
func Read(rd io.Reader) (*Report, error) {
	var raw json.RawMessage
	if err := json.NewDecoder(rd).Decode(&raw); err != nil {
		return nil, fmt.Errorf("reports: %w: %w", ErrNotARun, err)
	}
	var head struct {
		Kind *string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("reports: %w: %w", ErrNotARun, err)
	}
	if head.Kind != nil && !slices.Contains(RunKinds, *head.Kind) {
		what := fmt.Sprintf("a ssebench %q document", *head.Kind)
		if *head.Kind == LimitsKind {
			what = "a ssebench limits result (ssebench limits --out)"
		}
		return nil, fmt.Errorf("reports: %w: it is %s; this reads the results of ssebench run --out", ErrNotARun, what)
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("reports: %w: %w", ErrNotARun, err)
	}
	if r.Schema == 0 {
		return nil, fmt.Errorf("reports: %w: no \"schema\" key", ErrNotARun)
	}
	if r.Schema > Schema {
		return nil, fmt.Errorf("reports: result has schema %d, this ssebench reads up to %d; upgrade ssebench", r.Schema, Schema)
	}
	return &r, nil
}

// ReadFile reads a Report from a file.
func ReadFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// ReadLimits decodes a Limits document. It refuses a run's Report and a
// document with a newer schema than this code understands.
func ReadLimits(rd io.Reader) (*Limits, error) {
	var l Limits
	if err := json.NewDecoder(rd).Decode(&l); err != nil {
		return nil, fmt.Errorf("reports: not a ssebench limits result: %w", err)
	}
	if l.Kind != LimitsKind {
		return nil, fmt.Errorf("reports: not a ssebench limits result: kind %q, want %q", l.Kind, LimitsKind)
	}
	if l.Schema > Schema {
		return nil, fmt.Errorf("reports: limits result has schema %d, this ssebench reads up to %d; upgrade ssebench", l.Schema, Schema)
	}
	return &l, nil
}
