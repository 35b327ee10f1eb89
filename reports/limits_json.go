package reports

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/ssebench/ssebench/internal/atomicfile"
	"github.com/ssebench/ssebench/reports/result"
)

// LimitsEncoder writes a Limits document in one format.
type LimitsEncoder func(w io.Writer, l *result.Limits) error

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
func LimitsJSON(w io.Writer, l *result.Limits) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(l)
}

// WriteLimitsFile writes l as JSON to path, replacing it atomically, like
// WriteFile.
func WriteLimitsFile(path string, l *result.Limits) error {
	return atomicfile.Write(path, func(w io.Writer) error { return LimitsJSON(w, l) })
}
