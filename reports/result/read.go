package result

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Read decodes a Report from JSON. It refuses a document without a schema or
// with a newer schema than this code understands.
func Read(rd io.Reader) (*Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("reports: not a ssebench result: %w", err)
	}
	if r.Schema == 0 {
		return nil, fmt.Errorf("reports: not a ssebench result: no \"schema\" key")
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
