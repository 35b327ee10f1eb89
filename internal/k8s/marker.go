package k8s

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// The lines that frame a result printed to a log (`ssebench run
// --log-result`), so that `kubectl logs` carries it among the summary and
// any other output, and Extract finds it.
const (
	BeginMarker = "----- BEGIN SSEBENCH RESULT -----"
	EndMarker   = "----- END SSEBENCH RESULT -----"
)

// ErrNoResult is returned by Extract for a log without a complete result.
var ErrNoResult = errors.New("k8s: no ssebench result in the log (was the shard run with --log-result, and did it finish?)")

// WriteMarked writes rep as JSON between BeginMarker and EndMarker lines.
func WriteMarked(w io.Writer, rep *result.Report) error {
	var b bytes.Buffer
	b.WriteString(BeginMarker + "\n")
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("k8s: encode result: %w", err)
	}
	b.WriteString(EndMarker + "\n")
	_, err := w.Write(b.Bytes())
	return err
}

// Extract reads every marked result in a log. A log line may carry a prefix
// before the marker: `kubectl logs --prefix` puts the same text before
// every line of a pod, and --timestamps an RFC 3339 time, different on
// every line; the lines of the block lose the same kind of prefix. A block
// that begins and never ends (a pod killed mid-write) is an error, as is a
// log without any.
func Extract(r io.Reader) ([]*result.Report, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	var (
		out    []*result.Report
		block  *bytes.Buffer
		prefix linePrefix
		line   int
		begin  int
	)
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if block == nil {
			if i := strings.Index(text, BeginMarker); i >= 0 {
				block, prefix, begin = &bytes.Buffer{}, parsePrefix(text[:i]), line
			}
			continue
		}
		body := prefix.strip(text)
		if strings.TrimSpace(body) == EndMarker {
			rep, err := result.Read(block)
			if err != nil {
				return nil, fmt.Errorf("result at line %d: %w", begin, err)
			}
			out = append(out, rep)
			block = nil
			continue
		}
		block.WriteString(body)
		block.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if block != nil {
		return nil, fmt.Errorf("the result that begins at line %d never ends: the log is cut short (pod killed, or logs rotated)", begin)
	}
	if len(out) == 0 {
		return nil, ErrNoResult
	}
	return out, nil
}

// linePrefix is what a log viewer put before each line of a block: fixed
// text (kubectl's --prefix), then, when stamped, a timestamp and a space
// (kubectl's --timestamps).
type linePrefix struct {
	fixed   string
	stamped bool
}

// parsePrefix reads the prefix found before the begin marker.
func parsePrefix(p string) linePrefix {
	trimmed := strings.TrimSuffix(p, " ")
	if i := strings.LastIndexByte(trimmed, ' ') + 1; len(trimmed) < len(p) && isTimestamp(trimmed[i:]) {
		return linePrefix{fixed: p[:i], stamped: true}
	}
	return linePrefix{fixed: p}
}

// strip removes the prefix from a line of the block.
func (lp linePrefix) strip(line string) string {
	line = strings.TrimPrefix(line, lp.fixed)
	if lp.stamped {
		if ts, rest, ok := strings.Cut(line, " "); ok && isTimestamp(ts) {
			return rest
		}
	}
	return line
}

// isTimestamp tells whether s is an RFC 3339 time, as kubectl writes them.
func isTimestamp(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}
