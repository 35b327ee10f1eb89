// Package urltmpl expands per-subscriber URL templates: a target URL in
// which {sub} stands for the subscriber's index (from 0, counted over the
// whole run) and {sub%N} for that index modulo N, so that subscribers can be
// spread over many channels, e.g.
//
//	http://127.0.0.1:8080/events?topic=t{sub%100}
//
// gives subscribers 0, 100, 200, … topic t0, subscribers 1, 101, … topic t1,
// and so on. A URL cannot hold a raw brace (RFC 3986 has it percent-encoded
// as %7B and %7D), so every brace is template syntax. Placeholders may stand
// in the path, query and fragment only: every subscriber dials the same
// scheme, host and port.
package urltmpl

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ErrTemplate is wrapped by every error of Parse.
var ErrTemplate = errors.New("bad URL template")

// maxDistinct bounds Distinct: a set of moduli whose least common multiple
// is larger is treated as one URL per subscriber.
const maxDistinct = 1 << 20

// Template is a parsed URL template. Its zero value is not usable; build
// one with Parse.
type Template struct {
	raw   string
	parts []part
	// static is true without a placeholder.
	static bool
	// distinct is how many URLs the template gives: 1 without a
	// placeholder, the least common multiple of the moduli with only
	// {sub%N}, 0 with a bare {sub} (one per subscriber).
	distinct int
}

// part is a literal run of the template or one placeholder.
type part struct {
	lit string
	sub bool // a placeholder
	mod int  // its N; 0 for a bare {sub}
}

// Parse reads raw as a template. It fails, wrapping ErrTemplate and naming
// raw, on an unknown placeholder, {sub%N} with N not a positive integer,
// an unbalanced brace, a placeholder in the scheme, host or port, or a
// template with placeholders whose URL for subscriber 0 does not parse. A
// raw without braces is returned as is, a static template: checking it as
// a URL is the caller's part.
func Parse(raw string) (*Template, error) {
	t := &Template{raw: raw, distinct: 1}
	fail := func(format string, a ...any) (*Template, error) {
		return nil, fmt.Errorf("%w %q: %s", ErrTemplate, raw, fmt.Sprintf(format, a...))
	}
	rest := raw
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			t.parts = append(t.parts, part{lit: rest})
			break
		}
		if rest[open] == '}' {
			return fail("unbalanced %q at byte %d: a placeholder is {sub} or {sub%%N}", "}", len(raw)-len(rest)+open)
		}
		if open > 0 {
			t.parts = append(t.parts, part{lit: rest[:open]})
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 || rest[open+1+end] == '{' {
			return fail("unbalanced %q at byte %d: a placeholder is {sub} or {sub%%N}", "{", len(raw)-len(rest)+open)
		}
		name := rest[open+1 : open+1+end]
		p, err := placeholder(name)
		if err != nil {
			return fail("%v", err)
		}
		t.parts = append(t.parts, p)
		rest = rest[open+1+end+1:]
	}
	if err := t.checkAuthority(); err != nil {
		return fail("%v", err)
	}
	t.distinct = distinct(t.parts)
	t.static = !slices.ContainsFunc(t.parts, func(p part) bool { return p.sub })
	if t.static {
		return t, nil // no placeholder: a URL, which the caller checks as it would any
	}
	if _, err := url.Parse(t.Expand(0)); err != nil {
		return fail("the URL of subscriber 0 is not valid: %v", err)
	}
	return t, nil
}

// placeholder reads the inside of one {…}.
func placeholder(name string) (part, error) {
	if name == "sub" {
		return part{sub: true}, nil
	}
	n, ok := strings.CutPrefix(name, "sub%")
	if !ok {
		return part{}, fmt.Errorf("unknown placeholder {%s}: want {sub} (the subscriber's index, from 0) or {sub%%N} (the index modulo N)", name)
	}
	mod, err := strconv.Atoi(n)
	if err != nil || mod <= 0 {
		return part{}, fmt.Errorf("{%s}: N in {sub%%N} must be a positive integer, got %q", name, n)
	}
	return part{sub: true, mod: mod}, nil
}

// checkAuthority refuses a placeholder before the path: in the scheme,
// user information, host or port.
func (t *Template) checkAuthority() error {
	pos := 0
	for _, p := range t.parts {
		if !p.sub {
			pos += len(p.lit)
			continue
		}
		// The authority runs from "//" to the first '/', '?' or '#'.
		head := t.raw[:pos]
		i := strings.Index(head, "://")
		if i < 0 || !strings.ContainsAny(head[i+3:], "/?#") {
			return errors.New("a placeholder may stand in the path, query or fragment only, not in the scheme, host or port: every subscriber dials the same address")
		}
		return nil // the first placeholder is past the authority; so are the others
	}
	return nil
}

// distinct returns how many different URLs parts give (Template.distinct).
func distinct(parts []part) int {
	d := 1
	for _, p := range parts {
		switch {
		case !p.sub:
		case p.mod == 0:
			return 0
		default:
			d = d / gcd(d, p.mod) * p.mod
			if d > maxDistinct {
				return 0
			}
		}
	}
	return d
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// String returns the template as given.
func (t *Template) String() string { return t.raw }

// Static tells whether the template has no placeholder: every subscriber
// gets the same URL.
func (t *Template) Static() bool { return t.static }

// Distinct returns how many different URLs the template gives: 1 without a
// placeholder (or with only {sub%1}); with only {sub%N} placeholders, the least common multiple
// of their N (subscriber i gets the URL of i mod Distinct()); 0 when the
// template has a bare {sub} (or moduli whose multiple is over a million),
// one URL per subscriber.
func (t *Template) Distinct() int { return t.distinct }

// Expand returns the URL of subscriber i (i ≥ 0).
func (t *Template) Expand(i int) string {
	if t.static {
		return t.raw
	}
	var b strings.Builder
	b.Grow(len(t.raw) + 8)
	var num [20]byte
	for _, p := range t.parts {
		switch {
		case !p.sub:
			b.WriteString(p.lit)
		case p.mod == 0:
			b.Write(strconv.AppendInt(num[:0], int64(i), 10))
		default:
			b.Write(strconv.AppendInt(num[:0], int64(i%p.mod), 10))
		}
	}
	return b.String()
}
