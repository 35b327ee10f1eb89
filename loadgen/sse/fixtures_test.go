package sse

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"
)

// want is an expected event, as strings so fixtures read like the wire.
type want struct {
	Type, Data, ID string
}

// fixture is one hand-written wire sample and everything a Reader should
// report after reading it to the end.
type fixture struct {
	name     string
	in       string
	max      int // Options.MaxEventBytes; 0 for the default
	events   []want
	comments uint64
	retry    time.Duration
	retrySet bool
	lastID   string
	tooLarge bool // Err must be ErrEventTooLarge; otherwise nil
}

// msg is the expected event for data with no type and no ID.
func msg(data string) want { return want{"message", data, ""} }

// fixtures cover every interpretation rule, one rule per name. The split
// tests replay each at every chunking, and the fuzz test seeds from them.
var fixtures = []fixture{
	{name: "empty stream"},
	{name: "LF", in: "data: a\n\ndata: b\n\n", events: []want{msg("a"), msg("b")}},
	{name: "CRLF", in: "data: a\r\n\r\ndata: b\r\n\r\n", events: []want{msg("a"), msg("b")}},
	{name: "lone CR", in: "data: a\r\rdata: b\r\r", events: []want{msg("a"), msg("b")}},
	{name: "mixed line ends", in: "data: a\r\ndata: b\rdata: c\n\r\n", events: []want{msg("a\nb\nc")}},
	{name: "CR CR LF is two lines", in: "data: a\r\r\ndata: b\n\n", events: []want{msg("a"), msg("b")}},
	{name: "LF CR is two lines", in: "data: a\n\rdata: b\n\n", events: []want{msg("a"), msg("b")}},
	{name: "leading blank lines", in: "\n\r\n\rdata: a\n\n", events: []want{msg("a")}},
	{name: "BOM dropped", in: "\xEF\xBB\xBFdata: a\n\n", events: []want{msg("a")}},
	{name: "only BOM", in: "\xEF\xBB\xBF"},
	{name: "second BOM is part of first line", in: "\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n", events: []want{msg("b")}},
	{name: "BOM after start is data", in: "data: a\n\n\xEF\xBB\xBFdata: b\n\ndata: \xEF\xBB\xBF\n\n", events: []want{msg("a"), msg("\xEF\xBB\xBF")}},
	{name: "partial BOM is not dropped", in: "\xEF\xBBdata: a\n\ndata: b\n\n", events: []want{msg("b")}},
	{name: "partial BOM at EOF", in: "\xEF\xBB"},
	{name: "comments counted", in: ": hi\n:\ndata: a\n: mid\n\n:bye\n", events: []want{msg("a")}, comments: 4},
	{name: "comment only stream", in: ":ping\n\n:ping\n\n", comments: 2},
	{name: "field without colon", in: "data\n\n", events: []want{msg("")}},
	{name: "data without space", in: "data:a\n\n", events: []want{msg("a")}},
	{name: "two leading spaces keep one", in: "data:  a\n\n", events: []want{msg(" a")}},
	{name: "trailing space kept", in: "data: a \n\n", events: []want{msg("a ")}},
	{name: "tab is not stripped", in: "data:\ta\n\n", events: []want{msg("\ta")}},
	{name: "colon in value", in: "data: a: b\n\n", events: []want{msg("a: b")}},
	{name: "multiple data lines", in: "data: a\ndata: b\ndata: c\n\n", events: []want{msg("a\nb\nc")}},
	{name: "empty data lines", in: "data\ndata\n\ndata:\ndata: x\ndata:\n\n", events: []want{msg("\n"), msg("\nx\n")}},
	{name: "only one trailing LF removed", in: "data: a\ndata\n\n", events: []want{msg("a\n")}},
	{name: "event type", in: "event: add\ndata: 1\n\ndata: 2\n\n", events: []want{{"add", "1", ""}, msg("2")}},
	{name: "last event type wins", in: "event: a\nevent: b\ndata: 1\n\n", events: []want{{"b", "1", ""}}},
	{name: "empty event type is message", in: "event: a\nevent\ndata: 1\n\n", events: []want{msg("1")}},
	{name: "blank line without data resets type", in: "event: add\n\ndata: a\n\n", events: []want{msg("a")}},
	{name: "data after type", in: "data: 1\nevent: add\n\n", events: []want{{"add", "1", ""}}},
	{
		name:   "id persists across events",
		in:     "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n",
		events: []want{{"message", "a", "1"}, {"message", "b", "1"}, {"message", "c", "2"}},
		lastID: "2",
	},
	{
		name:   "id with NUL ignored",
		in:     "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
		events: []want{{"message", "a", "1"}, {"message", "b", "1"}},
		lastID: "1",
	},
	{
		name:   "empty id resets",
		in:     "id: 1\ndata: a\n\nid\ndata: b\n\nid: 3\ndata: c\n\nid:\ndata: d\n\n",
		events: []want{{"message", "a", "1"}, {"message", "b", ""}, {"message", "c", "3"}, {"message", "d", ""}},
	},
	{name: "id without data is committed", in: "id: 7\n\n", lastID: "7"},
	{
		name:   "id without blank line is not committed",
		in:     "id: 1\ndata: a\n\nid: 2\n",
		events: []want{{"message", "a", "1"}},
		lastID: "1",
	},
	{name: "id keeps spaces and colons", in: "id:  a:b \ndata: x\n\n", events: []want{{"message", "x", " a:b "}}, lastID: " a:b "},
	{name: "retry digits", in: "retry: 1500\n", retry: 1500 * time.Millisecond, retrySet: true},
	{name: "retry zero", in: "retry:0\n", retry: 0, retrySet: true},
	{name: "retry last valid wins", in: "retry: 10\nretry: 20\nretry: x\n", retry: 20 * time.Millisecond, retrySet: true},
	{name: "retry non-digits ignored", in: "retry: 15x\nretry: -1\nretry: 1.5\nretry: +1\nretry:  15\nretry: 1 \n"},
	{name: "retry empty ignored", in: "retry:\nretry\nretry: \n"},
	{name: "retry saturates", in: "retry: 99999999999999999999999\n", retry: time.Duration(maxRetryMillis) * time.Millisecond, retrySet: true},
	{name: "retry does not dispatch", in: "retry: 5\n\ndata: a\n\n", events: []want{msg("a")}, retry: 5 * time.Millisecond, retrySet: true},
	{name: "unknown fields ignored", in: "foo: bar\nData: x\ndata : y\n data: z\nDATA\ndata: a\n\n", events: []want{msg("a")}},
	{name: "unterminated event discarded", in: "data: a\n\ndata: b\n", events: []want{msg("a")}},
	{name: "unterminated line discarded", in: "data: a\n\ndata: b", events: []want{msg("a")}},
	{name: "partial id at EOF ignored", in: "id: 5"},
	{name: "partial retry at EOF ignored", in: "retry: 5"},
	{name: "CR ends final blank line", in: "data: a\n\r", events: []want{msg("a")}},
	{name: "invalid UTF-8 passes through", in: "data: \xff\xfe\n\n", events: []want{msg("\xff\xfe")}},
	{name: "NUL in data kept", in: "data: a\x00b\n\n", events: []want{msg("a\x00b")}},
	{name: "line at the bound", in: "data: a\n\n", max: 7, events: []want{msg("a")}},
	{name: "line past the bound", in: "data: a\n\n", max: 6, tooLarge: true},
	{
		name:     "event too large",
		in:       "data: a\n\ndata: 0123456789\ndata: 0123456789\n\ndata: b\n\n",
		max:      16,
		events:   []want{msg("a")},
		tooLarge: true,
	},
	{
		name:   "bound is per event",
		in:     "data: 0123456789\n\ndata: 0123456789\n\n",
		max:    16,
		events: []want{msg("0123456789"), msg("0123456789")},
	},
	{
		name:     "pending data counts against a comment",
		in:       "data: 0123456789\n:comment\n\n",
		max:      16,
		tooLarge: true,
	},
	{
		name:     "huge line without newline",
		in:       "data: a\n\n:" + string(make([]byte, 100)),
		max:      16,
		events:   []want{msg("a")},
		tooLarge: true,
	},
	{
		name: "BOM does not count against the bound", in: "\xEF\xBB\xBFdata: a\n\n", max: 7,
		events: []want{msg("a")},
	},
}

// result is everything observable after reading a stream to its end.
type result struct {
	events   []want
	comments uint64
	retry    time.Duration
	retrySet bool
	lastID   string
	err      error
}

// collect reads src to the end with a new Reader, in both forms: a pull
// Reader reads src, and a push Reader is pushed exactly the chunks that
// each Read returned (push_test.go). The two must agree; collect returns
// the pull form's result.
func collect(tb testing.TB, src io.Reader, opts Options) result {
	tb.Helper()
	rec := &recordingReader{src: src}
	pull := collectPull(tb, rec, opts)
	push := collectPush(tb, rec.reads, opts)
	checkResult(tb, "push form vs pull form", push, pull)
	return pull
}

// collectPull reads src to the end with a new pull Reader.
func collectPull(tb testing.TB, src io.Reader, opts Options) result {
	tb.Helper()
	r := NewReader(src, opts)
	return drain(tb, r)
}

// drain reads r's events until Next returns false and reports everything
// observable.
func drain(tb testing.TB, r *Reader) result {
	tb.Helper()
	var res result
	var ev Event
	for r.Next(&ev) {
		res.events = append(res.events, want{string(ev.Type), string(ev.Data), string(ev.ID)})
		if len(res.events) > 1<<16 {
			tb.Fatalf("more than %d events; Next does not stop", 1<<16)
		}
	}
	res.comments = r.Comments()
	res.retry, res.retrySet = r.Retry()
	res.lastID = string(r.LastEventID())
	res.err = r.Err()
	return res
}

// fixtureResult is what f says a Reader must report.
func (f fixture) result() result {
	res := result{events: f.events, comments: f.comments, retry: f.retry, retrySet: f.retrySet, lastID: f.lastID}
	if f.tooLarge {
		res.err = ErrEventTooLarge
	}
	return res
}

// errClass reduces an error to what comparisons between runs may rely on:
// the wrapped ErrEventTooLarge, or the error itself.
func errClass(err error) error {
	if errors.Is(err, ErrEventTooLarge) {
		return ErrEventTooLarge
	}
	return err
}

// checkResult reports every difference between got and want.
func checkResult(tb testing.TB, label string, got, want result) {
	tb.Helper()
	if !slices.Equal(got.events, want.events) {
		tb.Errorf("%s: events = %q, want %q", label, got.events, want.events)
	}
	if got.comments != want.comments {
		tb.Errorf("%s: Comments() = %d, want %d", label, got.comments, want.comments)
	}
	if got.retry != want.retry || got.retrySet != want.retrySet {
		tb.Errorf("%s: Retry() = %v, %t, want %v, %t", label, got.retry, got.retrySet, want.retry, want.retrySet)
	}
	if got.lastID != want.lastID {
		tb.Errorf("%s: LastEventID() = %q, want %q", label, got.lastID, want.lastID)
	}
	if g, w := errClass(got.err), errClass(want.err); g != w {
		tb.Errorf("%s: Err() = %v, want %v", label, got.err, want.err)
	}
}
