package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
)

// LimitsEncoder writes a Limits document in one format.
type LimitsEncoder func(w io.Writer, l *Limits) error

// limitsFormats lists the formats of a Limits document.
var limitsFormats = []struct {
	name string
	enc  LimitsEncoder
}{
	{"text", LimitsText},
	{"json", LimitsJSON},
	{"md", LimitsMarkdown},
	{"html", LimitsHTML},
}

// LimitsFormats lists the names of the formats a Limits document has.
func LimitsFormats() []string {
	names := make([]string, len(limitsFormats))
	for i, f := range limitsFormats {
		names[i] = f.name
	}
	return names
}

// LookupLimits returns the encoder of a Limits format.
func LookupLimits(name string) (LimitsEncoder, error) {
	for _, f := range limitsFormats {
		if f.name == name {
			return f.enc, nil
		}
	}
	return nil, fmt.Errorf("reports: unknown limits format %q (have %v)", name, LimitsFormats())
}

// LimitsJSON writes l as indented JSON, its canonical form.
func LimitsJSON(w io.Writer, l *Limits) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(l)
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

// WriteLimitsFile writes l as JSON to path, replacing it atomically.
func WriteLimitsFile(path string, l *Limits) error {
	tmp, err := os.CreateTemp(dirOf(path), ".ssebench-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := LimitsJSON(tmp, l); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// FormatLoad writes a load for people: a whole number with thousands
// separated (1,600), or a rate with two decimals (12.50).
func FormatLoad(load float64) string {
	if load == math.Trunc(load) && math.Abs(load) < 1e15 {
		return group(int64(load))
	}
	return fmt.Sprintf("%.2f", load)
}
