package reports

import (
	"encoding/json"
	"io"

	"github.com/ssebench/ssebench/internal/atomicfile"
	"github.com/ssebench/ssebench/reports/result"
)

// JSON writes r as indented JSON, the canonical result format.
func JSON(w io.Writer, r *result.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteFile writes r as JSON to path, replacing it atomically so that an
// interrupted write never leaves half a result behind. Missing folders are
// created; the file is readable by others (0644 less the umask).
func WriteFile(path string, r *result.Report) error {
	return atomicfile.Write(path, func(w io.Writer) error { return JSON(w, r) })
}
