// Package ids follows the event ids of Server-Sent Events streams as
// servers really send them, and says what they can tell about loss.
//
// An SSE id is an opaque string to the protocol; only some servers make it
// a sequence. A Tracker follows one subscriber's ids across its
// reconnections and counts, per event, the events the ids say are missing
// (gaps), repeated (duplicates), or where the numbering started again
// (resets). It also keeps a Tally of what the ids looked like, and
// SchemeOf turns the tallies of a whole run into its id scheme:
//
//   - Consecutive: decimal integers that step by 1 ("1", "2", "3"); a gap
//     is an event missing.
//   - Composite: the reference server's per-topic ids of a stream of
//     several topics, "a:5,b:7"; each topic's number steps by 1, and gaps
//     are counted per topic.
//   - Increasing: integers that grow by other steps (one counter shared by
//     several topics: 1, 3, 5, …) or timestamps; a jump says nothing about
//     loss.
//   - Opaque: anything else (UUIDs, hashes), or a mix of forms.
//   - None: no event carried an id.
//
// Gaps and duplicates are counted as if the ids were consecutive, because
// the scheme of a run is only known at its end; Measurable tells whether the
// counts mean anything, and a report drops them when they do not.
//
// A lower id on the first event after a reconnection is a reset: the server
// numbers its events from the start again (a restart), and the count goes
// on from the new id rather than calling every event a duplicate until the
// old id is passed. Ids alone cannot tell that from a server that replays
// events from before the Last-Event-ID it was sent; publisher mode, which
// counts each event once per subscriber by its own marker, can.
package ids

// Schemes, the values of the result's events.id_scheme.
const (
	Consecutive = "consecutive"
	Composite   = "composite"
	Increasing  = "increasing"
	Opaque      = "opaque"
	None        = "none"
)

// timeLikeMin is the smallest id read as a timestamp: 10¹² is 2001 in Unix
// milliseconds (and later in µs or ns), and no sequence counter of a run of
// human length gets there.
const timeLikeMin = 1_000_000_000_000

// Tally describes the ids of the events a Tracker saw. Tallies add up, so
// a run's is the sum of its subscribers'.
type Tally struct {
	// Plain, Composite and Opaque count events by the form of their id:
	// a decimal integer, per-topic "name:N" pairs, or anything else.
	// NoID counts events without an id.
	Plain, Composite, Opaque, NoID uint64
	// TimeLike counts plain ids large enough to be timestamps.
	TimeLike uint64
	// Ones and Jumps count steps of a number (per topic for composite
	// ids) on one stream: by exactly 1, or by more. Repeats counts events
	// whose id moved no number forward on the same stream.
	Ones, Jumps, Repeats uint64
}

// Add adds o to t.
func (t *Tally) Add(o Tally) {
	t.Plain += o.Plain
	t.Composite += o.Composite
	t.Opaque += o.Opaque
	t.NoID += o.NoID
	t.TimeLike += o.TimeLike
	t.Ones += o.Ones
	t.Jumps += o.Jumps
	t.Repeats += o.Repeats
}

// SchemeOf returns the id scheme that t shows. The numbers are sequences
// when at least half of their forward steps are by 1 and repeats are no
// more frequent than steps by 1; a stream that really lost half its events
// is then still read as a sequence, and one counter shared by two topics
// (every step by 2), or a millisecond clock (jumps, or repeats when several
// events share a millisecond), is not.
func SchemeOf(t Tally) string {
	ided := t.Plain + t.Composite + t.Opaque
	switch {
	case ided == 0:
		return None
	case t.Opaque > 0 || (t.Plain > 0 && t.Composite > 0):
		return Opaque
	}
	steps := t.Ones + t.Jumps
	sequence := 2*t.Ones >= steps && t.Repeats <= t.Ones
	if t.Plain > 0 && 2*t.TimeLike > t.Plain {
		sequence = false
	}
	switch {
	case !sequence:
		return Increasing
	case t.Composite > 0:
		return Composite
	}
	return Consecutive
}

// Measurable tells whether gaps and duplicates mean anything under scheme:
// only sequences (consecutive or composite ids) say which events are
// missing or repeated. An empty scheme (a result written before schemes
// were detected) counts as measurable, as it was then.
func Measurable(scheme string) bool {
	switch scheme {
	case Consecutive, Composite, "":
		return true
	}
	return false
}

// Why says, for a scheme that is not Measurable, why loss could not be
// measured; it is "" otherwise.
func Why(scheme string) string {
	switch scheme {
	case Increasing:
		return "the event ids increase by steps other than 1 (a counter shared by several streams, or timestamps), so a jump in them says nothing about loss"
	case Opaque:
		return "the event ids are not sequence numbers (UUIDs or other opaque strings, or a mix of forms)"
	case None:
		return "the events carry no id"
	}
	return ""
}
