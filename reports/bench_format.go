package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// BenchEncoder writes a bench document in one format.
type BenchEncoder func(w io.Writer, b *result.Bench) error

// benchFormats are the formats a bench document renders in.
var benchFormats = map[string]BenchEncoder{
	"text": BenchText,
	"json": BenchJSON,
	"md":   BenchMarkdown,
	"html": BenchHTML,
}

// BenchFormatNames lists the formats of a bench document, sorted.
func BenchFormatNames() []string {
	var names []string
	for k := range benchFormats {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// LookupBench returns the encoder of a bench document in a format.
func LookupBench(name string) (BenchEncoder, error) {
	if e, ok := benchFormats[name]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("reports: a bench result renders as %s, not %q", strings.Join(BenchFormatNames(), ", "), name)
}

// BenchJSON writes the bench document as indented JSON, every run's full
// result included.
func BenchJSON(w io.Writer, b *result.Bench) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}
