package publish

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DefaultBody is loadgen's default body template: a small JSON object
// carrying the marker. Requests with it get Content-Type: application/json
// unless the header sets one.
const DefaultBody = `{"ssebench":"{marker}","seq":{seq},"ts_ns":{ts_ns}}`

// CheckBody reports whether tmpl is a valid body template: it contains
// {marker}, not followed by a digit or a placeholder, and no unknown
// placeholder.
func CheckBody(tmpl string) error {
	_, err := parseBodyTemplate(tmpl)
	return err
}

// bodyField is what a placeholder of the publish body template stands for.
type bodyField uint8

const (
	fieldLiteral bodyField = iota
	fieldMarker            // {marker}: ssebench-<run id>-<seq>
	fieldRunID             // {run_id}
	fieldSeq               // {seq}
	fieldTsNS              // {ts_ns}: Unix ns
	fieldTsUS              // {ts_us}: Unix µs
	fieldTsMS              // {ts_ms}: Unix ms
	fieldTsS               // {ts_s}: Unix s with 9 decimals
)

// bodyFields maps placeholder names to fields.
var bodyFields = map[string]bodyField{
	"marker": fieldMarker,
	"run_id": fieldRunID,
	"seq":    fieldSeq,
	"ts_ns":  fieldTsNS,
	"ts_us":  fieldTsUS,
	"ts_ms":  fieldTsMS,
	"ts_s":   fieldTsS,
}

// bodyPart is a literal or a placeholder of the template.
type bodyPart struct {
	field bodyField
	lit   string // fieldLiteral only
}

// bodyTemplate is a compiled PublishBody. Rendering is a few appends into
// the caller's buffer, with none of text/template's reflection per request.
type bodyTemplate []bodyPart

// errNoMarker is returned for a template without {marker}.
var errNoMarker = errors.New("the template must contain {marker}: it is how subscribers recognise ssebench's events")

// parseBodyTemplate compiles a template. A brace is a placeholder only as
// {name} with name of lowercase letters and '_'; an unknown such name is an
// error (a typo would otherwise be sent verbatim), any other brace, as in
// JSON, is literal text.
func parseBodyTemplate(s string) (bodyTemplate, error) {
	var t bodyTemplate
	lit := 0 // start of the pending literal
	hasMarker := false
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == '_' || ('a' <= s[j] && s[j] <= 'z')) {
			j++
		}
		if j == i+1 || j >= len(s) || s[j] != '}' {
			continue // not a placeholder
		}
		name := s[i+1 : j]
		f, ok := bodyFields[name]
		if !ok {
			return nil, fmt.Errorf("unknown placeholder {%s} (have {marker}, {run_id}, {seq}, {ts_ns}, {ts_us}, {ts_ms}, {ts_s})", name)
		}
		if i > lit {
			t = append(t, bodyPart{lit: s[lit:i]})
		}
		t = append(t, bodyPart{field: f})
		if f == fieldMarker {
			hasMarker = true
			// The marker's sequence number ends at the first non-digit.
			if next := s[j+1:]; next != "" && (isDigit(next[0]) || startsWithPlaceholder(next)) {
				return nil, errors.New("{marker} must not be followed by a digit or a placeholder: subscribers read its sequence number up to the first non-digit")
			}
		}
		lit = j + 1
		i = j
	}
	if lit < len(s) {
		t = append(t, bodyPart{lit: s[lit:]})
	}
	if !hasMarker {
		return nil, errNoMarker
	}
	return t, nil
}

// startsWithPlaceholder tells whether s starts with a known placeholder.
func startsWithPlaceholder(s string) bool {
	for name := range bodyFields {
		if strings.HasPrefix(s, "{"+name+"}") {
			return true
		}
	}
	return false
}

// render appends the body of request seq to dst. prefix is the marker
// without its sequence number, "ssebench-<run id>-".
func (t bodyTemplate) render(dst []byte, prefix, runID string, seq uint64, unixNano int64) []byte {
	for _, p := range t {
		switch p.field {
		case fieldLiteral:
			dst = append(dst, p.lit...)
		case fieldMarker:
			dst = append(dst, prefix...)
			dst = strconv.AppendUint(dst, seq, 10)
		case fieldRunID:
			dst = append(dst, runID...)
		case fieldSeq:
			dst = strconv.AppendUint(dst, seq, 10)
		case fieldTsNS:
			dst = strconv.AppendInt(dst, unixNano, 10)
		case fieldTsUS:
			dst = strconv.AppendInt(dst, unixNano/1e3, 10)
		case fieldTsMS:
			dst = strconv.AppendInt(dst, unixNano/1e6, 10)
		case fieldTsS:
			dst = strconv.AppendInt(dst, unixNano/1e9, 10)
			dst = append(dst, '.')
			frac := unixNano % 1e9
			for d := int64(1e8); d > 0; d /= 10 {
				dst = append(dst, byte('0'+frac/d%10))
			}
		}
	}
	return dst
}

// isDigit tells whether c is an ASCII digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
