package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// JSON writes r as indented JSON, the canonical result format.
func JSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

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

// WriteFile writes r as JSON to path, replacing it atomically so that an
// interrupted write never leaves half a result behind.
func WriteFile(path string, r *Report) error {
	tmp, err := os.CreateTemp(dirOf(path), ".ssebench-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := JSON(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}
