package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// setting is one flattened key of a run's configuration echo.
type setting struct {
	key, value string
}

// flattenConfig turns a Report's Config echo into dotted keys in document
// order ("target.header.Authorization"), with values as people read them.
// The echo is loadgen.Config as JSON, which this package does not import:
// it is walked generically so that keys added there show up here.
func flattenConfig(raw json.RawMessage) ([]setting, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out []setting
	var walk func(prefix string) error
	walk = func(prefix string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					key := fmt.Sprint(k)
					if prefix != "" {
						key = prefix + "." + key
					}
					if err := walk(key); err != nil {
						return err
					}
				}
				_, err = dec.Token() // '}'
				return err
			case '[':
				var items []string
				for dec.More() {
					var v json.RawMessage
					if err := dec.Decode(&v); err != nil {
						return err
					}
					items = append(items, string(v))
				}
				out = append(out, setting{prefix, "[" + strings.Join(items, ", ") + "]"})
				_, err = dec.Token() // ']'
				return err
			}
		case json.Number:
			out = append(out, setting{prefix, showNumber(prefix, t)})
		case string:
			out = append(out, setting{prefix, t})
		case nil:
			out = append(out, setting{prefix, "null"})
		default:
			out = append(out, setting{prefix, fmt.Sprint(t)})
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, fmt.Errorf("reports: config echo: %w", err)
	}
	return out, nil
}

// durationWords mark config keys whose integer values are time.Duration
// nanoseconds, as Go's encoding/json writes them.
var durationWords = []string{"duration", "timeout", "interval", "ramp", "delay", "backoff", "grace", "period"}

// showNumber writes durations as "5s" instead of 5000000000. This is for
// display only: the JSON keeps the number.
func showNumber(key string, n json.Number) string {
	last := key[strings.LastIndex(key, ".")+1:]
	for _, w := range durationWords {
		if strings.Contains(strings.ToLower(last), w) {
			// A count that merely has such a word in its name is small; a
			// duration below 1µs is not something a run is configured with.
			if ns, err := strconv.ParseInt(string(n), 10, 64); err == nil && (ns == 0 || ns >= 1000) {
				return time.Duration(ns).String()
			}
		}
	}
	return string(n)
}
