package stamp

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// A minimal JSON scanner for jsonPath.lookup. It walks the bytes once with
// indexes, never allocates and never recurses (a hostile event nested a
// million deep costs a counter, not a stack). It is lenient: it finds
// values in valid JSON exactly as encoding/json would, and on invalid JSON
// it either finds something plausible or reports not found, never panics.
// Every function takes data and an index into it and returns an index; -1
// or ok == false means malformed or truncated input.

// skipWS returns the index of the first non-whitespace byte at or after i.
func skipWS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString returns the index of the quote that closes the string whose
// opening quote is at i, and whether the string holds escapes.
func scanString(data []byte, i int) (end int, escaped bool) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			escaped = true
			j++ // the escaped byte cannot close the string
		case '"':
			return j, escaped
		}
	}
	return -1, escaped
}

// skipValue returns the index just past the value that starts at i.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		end, _ := scanString(data, i)
		if end < 0 {
			return -1
		}
		return end + 1
	case '{', '[':
		// Brackets are only counted, not matched: valid JSON balances them,
		// and for invalid JSON any answer that does not crash will do.
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, _ := scanString(data, j)
				if end < 0 {
					return -1
				}
				j = end
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	case ',', ':', '}', ']':
		return -1
	}
	// A number or a literal: up to the next delimiter.
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ':', '"', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}

// findKey scans the object whose '{' is at i and returns the bounds of the
// value of the last member named key.
func findKey(data []byte, i int, key string) (start, end int, ok bool) {
	i++
	for {
		i = skipWS(data, i)
		if i >= len(data) {
			return 0, 0, false
		}
		if data[i] == '}' {
			return start, end, ok
		}
		if data[i] != '"' {
			return 0, 0, false
		}
		ke, escaped := scanString(data, i)
		if ke < 0 {
			return 0, 0, false
		}
		name := data[i+1 : ke]
		i = skipWS(data, ke+1)
		if i >= len(data) || data[i] != ':' {
			return 0, 0, false
		}
		vs := skipWS(data, i+1)
		ve := skipValue(data, vs)
		if ve < 0 {
			return 0, 0, false
		}
		if keyEqual(name, escaped, key) {
			start, end, ok = vs, ve, true // keep going: the last one wins
		}
		i = skipWS(data, ve)
		if i >= len(data) {
			return 0, 0, false
		}
		switch data[i] {
		case ',':
			i++
		case '}':
			return start, end, ok
		default:
			return 0, 0, false
		}
	}
}

// findIndex scans the array whose '[' is at i and returns the bounds of its
// element n.
func findIndex(data []byte, i, n int) (start, end int, ok bool) {
	i++
	for k := 0; ; k++ {
		i = skipWS(data, i)
		if i >= len(data) || data[i] == ']' {
			return 0, 0, false
		}
		vs := i
		ve := skipValue(data, vs)
		if ve < 0 {
			return 0, 0, false
		}
		if k == n {
			return vs, ve, true
		}
		i = skipWS(data, ve)
		if i >= len(data) || data[i] != ',' {
			return 0, 0, false
		}
		i++
	}
}

// keyEqual tells whether the raw (still escaped) member name equals key.
func keyEqual(raw []byte, escaped bool, key string) bool {
	if !escaped {
		return string(raw) == key // compiled to a comparison, no allocation
	}
	// Decode escapes on the fly and compare byte by byte, decoding exactly
	// as encoding/json does (a lone surrogate becomes U+FFFD).
	var enc [utf8.UTFMax]byte
	k := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			if k >= len(key) || key[k] != c {
				return false
			}
			i++
			k++
			continue
		}
		if i+1 >= len(raw) {
			return false
		}
		var r rune
		switch raw[i+1] {
		case '"', '\\', '/':
			r = rune(raw[i+1])
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			r = hex4(raw[i+2:])
			if r < 0 {
				return false
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if len(raw) >= i+12 && raw[i+6] == '\\' && raw[i+7] == 'u' {
					r2 = hex4(raw[i+8:])
				}
				if d := utf16.DecodeRune(r, r2); d != unicode.ReplacementChar {
					r = d
					i += 6
				} else {
					r = unicode.ReplacementChar
				}
			}
			i += 4
		default:
			return false
		}
		i += 2
		n := utf8.EncodeRune(enc[:], r)
		if k+n > len(key) || key[k:k+n] != string(enc[:n]) {
			return false
		}
		k += n
	}
	return k == len(key)
}

// hex4 decodes the 4 hex digits at the start of b, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
