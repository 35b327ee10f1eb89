package ids

import "bytes"

// Step is what one event's id says, to be added to the run's counters.
type Step struct {
	// Gaps counts events missing between this id and the last one (per
	// topic for composite ids), or the events a lost notice names.
	Gaps uint64
	// Lost is the part of Gaps that fell across a reconnection.
	Lost uint64
	// Dups is 1 when the id moved no number forward on its stream.
	Dups uint64
	// Resets counts numbers (per topic for composite ids) that went down
	// after a reconnection: the server started counting again (a
	// restart), and the Tracker took the new number as its baseline.
	Resets uint64
}

// topicPos is the last number seen of one topic of composite ids.
type topicPos struct {
	name []byte
	last uint64
}

// A Tracker follows the ids of one subscriber session, across its
// reconnections. It is used from one goroutine and does not allocate once
// it knows the stream's topics. The zero Tracker is ready to use.
type Tracker struct {
	seen   bool   // last holds a plain id
	last   uint64 // the last plain id
	topics []topicPos
	// resumed is set by Reconnected and cleared by the next id: that id
	// is the first of a new stream.
	resumed bool
	tally   Tally
}

// Tally returns what the Tracker has seen so far.
func (t *Tracker) Tally() Tally { return t.tally }

// Reconnected tells the Tracker that the next event comes on a new stream
// of the session, which asked to resume after the last id.
func (t *Tracker) Reconnected() { t.resumed = true }

// Seed makes id the baseline, as though a stream had ended on it: the
// Last-Event-ID a session's first request sends (--last-event-id). The
// first event then tells, as after a reconnection, whether the server
// resumed right after it (events it skipped count as lost), or numbers
// its events lower (a reset: it does not know the id). Seed does not count
// in the Tally.
func (t *Tracker) Seed(id []byte) {
	t.resumed = true
	if n, ok := parseUint(id); ok {
		t.seen, t.last = true, n
		return
	}
	t.composite(id, func(p *topicPos, n uint64, _ bool) { p.last = n })
}

// Observe accounts for the next event, whose id (the last event ID in force,
// as in sse.Event.ID) is id.
func (t *Tracker) Observe(id []byte) Step {
	resumed := t.resumed
	t.resumed = false
	var st Step
	if len(id) == 0 {
		t.tally.NoID++
		return st
	}
	if n, ok := parseUint(id); ok {
		t.tally.Plain++
		if n >= timeLikeMin {
			t.tally.TimeLike++
		}
		switch {
		case !t.seen:
			t.seen = true
		case n > t.last:
			t.forward(&st, n-t.last, resumed)
		case n < t.last && resumed:
			st.Resets = 1
		default:
			t.tally.Repeats++
			st.Dups = 1
			return st // the baseline stays where it was
		}
		t.last = n
		return st
	}
	known, moved := false, false
	ok := t.composite(id, func(p *topicPos, n uint64, fresh bool) {
		if fresh {
			return
		}
		known = true
		switch {
		case n > p.last:
			moved = true
			t.forward(&st, n-p.last, resumed)
			p.last = n
		case n < p.last && resumed:
			moved = true
			st.Resets++
			p.last = n
		}
	})
	if !ok {
		t.tally.Opaque++
		return Step{}
	}
	t.tally.Composite++
	if known && !moved {
		t.tally.Repeats++
		st.Dups = 1
	}
	return st
}

// forward accounts for a number that moved forward by d. A step across a
// reconnection counts as lost events but not in the Tally, which describes
// how ids step within a stream.
func (t *Tracker) forward(st *Step, d uint64, resumed bool) {
	st.Gaps += d - 1
	if resumed {
		st.Lost += d - 1
		return
	}
	if d == 1 {
		t.tally.Ones++
	} else {
		t.tally.Jumps++
	}
}

// Notice accounts for a lost notice n whose id is id: exactly the events it
// names are missing, and its id is the new baseline. The notice itself is
// not an event and does not count in the Tally.
func (t *Tracker) Notice(id []byte, n Notice) Step {
	resumed := t.resumed
	t.resumed = false
	st := Step{Gaps: n.Lost, Lost: n.Lost}
	if v, ok := parseUint(id); ok {
		if t.seen && v < t.last && resumed {
			st.Resets++ // a restarted server's numbering
		}
		t.seen, t.last = true, v
		return st
	}
	t.composite(id, func(p *topicPos, v uint64, fresh bool) {
		if !fresh && v < p.last && resumed {
			st.Resets++
		}
		p.last = v
	})
	return st
}

// composite parses id as "name:N,name:N…" and calls fn for each pair with
// its topic's position; fresh is true for a topic seen for the first time,
// whose position fn should set. It returns false, having called nothing,
// when id is not of that form.
func (t *Tracker) composite(id []byte, fn func(p *topicPos, n uint64, fresh bool)) bool {
	if !validComposite(id) {
		return false
	}
	for rest := id; len(rest) > 0; {
		part := rest
		if i := bytes.IndexByte(rest, ','); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		i := bytes.IndexByte(part, ':')
		name := part[:i]
		n, _ := parseUint(part[i+1:])
		p, fresh := t.topic(name)
		if fresh {
			p.last = n
		}
		fn(p, n, fresh)
	}
	return true
}

// topic returns the position of the topic name, adding it (fresh) when it
// is new.
func (t *Tracker) topic(name []byte) (*topicPos, bool) {
	for i := range t.topics {
		if bytes.Equal(t.topics[i].name, name) {
			return &t.topics[i], false
		}
	}
	t.topics = append(t.topics, topicPos{name: bytes.Clone(name)})
	return &t.topics[len(t.topics)-1], true
}

// validComposite tells whether id is one or more comma-separated
// "name:N" pairs, each name non-empty, each N a decimal number, no name
// twice.
func validComposite(id []byte) bool {
	if len(id) == 0 {
		return false
	}
	for rest := id; ; {
		part := rest
		i := bytes.IndexByte(rest, ',')
		if i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		}
		c := bytes.IndexByte(part, ':')
		if c <= 0 {
			return false
		}
		if _, ok := parseUint(part[c+1:]); !ok {
			return false
		}
		if i < 0 {
			// Names repeated make the id ambiguous.
			return !repeatsName(id)
		}
	}
}

// repeatsName tells whether a composite id names a topic twice.
func repeatsName(id []byte) bool {
	var names [8][]byte
	seen := names[:0]
	for rest := id; len(rest) > 0; {
		part := rest
		if i := bytes.IndexByte(rest, ','); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		name := part[:bytes.IndexByte(part, ':')]
		for _, s := range seen {
			if bytes.Equal(s, name) {
				return true
			}
		}
		seen = append(seen, name)
	}
	return false
}

// parseUint parses a decimal number of 1 to 19 digits without allocating.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}
