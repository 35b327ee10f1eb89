package reports

import (
	"encoding/json"
	"io"
	"os"

	"github.com/ssebench/ssebench/reports/result"
)

// JSON writes r as indented JSON, the canonical result format.
func JSON(w io.Writer, r *result.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteFile writes r as JSON to path, replacing it atomically so that an
// interrupted write never leaves half a result behind.
func WriteFile(path string, r *result.Report) error {
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
