package sse

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// reference interprets a whole stream the plain way: strings, split into
// lines first, each rule written as the spec words it. It shares no code
// with Reader, so the two agreeing is evidence that both follow the spec.
// max plays the part of Options.MaxEventBytes: a line longer than max minus
// the data so far, ended or not, stops it with ErrEventTooLarge.
func reference(in []byte, max int) result {
	var res result
	s := strings.TrimPrefix(string(in), "\uFEFF") // once only
	var data, typ, id string
	for {
		end := strings.IndexAny(s, "\r\n")
		if end < 0 {
			// The rest is an unfinished line, which the spec discards.
			if len(data)+len(s) > max {
				res.err = ErrEventTooLarge
			}
			break
		}
		line := s[:end]
		if strings.HasPrefix(s[end:], "\r\n") {
			s = s[end+2:]
		} else {
			s = s[end+1:]
		}
		if len(data)+len(line) > max {
			res.err = ErrEventTooLarge
			break
		}
		if line == "" {
			res.lastID = id
			if data != "" {
				ev := want{Type: "message", Data: strings.TrimSuffix(data, "\n"), ID: id}
				if typ != "" {
					ev.Type = typ
				}
				res.events = append(res.events, ev)
			}
			data, typ = "", ""
			continue
		}
		if strings.HasPrefix(line, ":") {
			res.comments++
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "data":
			data += value + "\n"
		case "event":
			typ = value
		case "id":
			if !strings.Contains(value, "\x00") {
				id = value
			}
		case "retry":
			if value != "" && strings.Trim(value, "0123456789") == "" {
				ms, err := strconv.ParseInt(value, 10, 64)
				if err != nil || ms > maxRetryMillis {
					ms = maxRetryMillis // only digits, so err means too large
				}
				res.retry, res.retrySet = time.Duration(ms)*time.Millisecond, true
			}
		}
	}
	return res
}

// TestReference_fixtures checks the reference against the hand-written
// fixtures, so that it can be trusted as an oracle for fuzz inputs.
func TestReference_fixtures(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures {
		max := f.max
		if max == 0 {
			max = DefaultMaxEventBytes
		}
		checkResult(t, f.name, reference([]byte(f.in), max), f.result())
	}
}

// fuzzMaxEventBytes is small so that fuzz inputs reach the bound.
const fuzzMaxEventBytes = 64

// FuzzReader checks, for any stream, that Reader does not panic, stops with
// nil or ErrEventTooLarge, agrees with reference, and gives the same result
// whole, byte by byte, and in chunks whose sizes come from splits.
func FuzzReader(f *testing.F) {
	for i, fx := range fixtures {
		f.Add([]byte(fx.in), []byte{byte(i), 1, 7, 0, 3})
	}
	f.Fuzz(func(t *testing.T, stream, splits []byte) {
		want := reference(stream, fuzzMaxEventBytes)
		opts := Options{MaxEventBytes: fuzzMaxEventBytes}
		whole := collect(t, bytes.NewReader(stream), opts)
		if err := whole.err; err != nil && !errors.Is(err, ErrEventTooLarge) {
			t.Fatalf("Err() = %v, want nil or ErrEventTooLarge", err)
		}
		checkResult(t, "whole vs reference", whole, want)
		// A Comment callback sees every comment the count does and changes
		// nothing else.
		var calls uint64
		withCB := opts
		withCB.Comment = func([]byte) { calls++ }
		checkResult(t, "with a Comment callback", collect(t, bytes.NewReader(stream), withCB), whole)
		// collect runs the pull and the push form, and each calls it.
		if calls != 2*whole.comments {
			t.Fatalf("Comment called %d times by the two forms, Comments() = %d", calls, whole.comments)
		}

		// Chunk sizes up to 31, where 0 is an empty Read but never twice in a row; the buffer size
		// comes from the same bytes, so growth and compaction vary too.
		src := &chunkReader{data: stream, eofWithData: len(splits)%2 == 1}
		for i, s := range splits {
			size := int(s % 32)
			if size == 0 && (i == 0 || src.sizes[i-1] == 0) {
				size = 1 // empty reads in a row would end in io.ErrNoProgress
			}
			src.sizes = append(src.sizes, size)
		}
		if len(splits) > 0 {
			opts.BufferBytes = 1 + int(splits[0])%100
		}
		checkResult(t, "chunked", collect(t, src, opts), whole)
		opts.BufferBytes = 1
		checkResult(t, "one byte", collect(t, iotest.OneByteReader(bytes.NewReader(stream)), opts), whole)
	})
}
