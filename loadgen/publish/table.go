package publish

import "sync/atomic"

// Publish request states.
const (
	pubPending uint32 = iota // not sent (yet)
	pubOK                    // answered 2xx
	pubFailed                // failed or non-2xx
)

// pubEntry is what the publisher knows about one scheduled request. Every
// field is atomic: the worker that sends the request writes it while every
// subscriber goroutine may be reading it.
type pubEntry struct {
	// sentNS is the send time in ns since the publisher's base on the
	// monotonic clock, plus 1; 0 until the request is sent. It is stored
	// before the request is written, so it is set by the time any
	// subscriber can see the event.
	sentNS atomic.Int64
	// delivered counts the subscribers in its audience that received it,
	// each once.
	delivered atomic.Uint32
	// expect is the number of subscribers holding a stream when it was
	// sent: the deliveries a lossless server makes.
	expect atomic.Uint32
	// epoch orders the send against the audience's joins and leaves
	// (audience.go).
	epoch atomic.Uint64
	// state is pubPending, pubOK or pubFailed.
	state atomic.Uint32
	// unsettled is set when the number of subscribers holding a stream
	// changed while the request was in flight (a --stages transition, a
	// reconnect): who should get the event is then unknown, and the
	// delivery ratio leaves it out.
	unsettled atomic.Bool
}

// tableChunk is the number of entries allocated at once (24 KiB).
const tableChunk = 1024

// seqTable maps a request index (seq-1) to its entry without locks. Chunks
// are allocated as the schedule reaches them, so an interrupted or short
// run costs only what it published, while lookups from the subscribers'
// hot path are two loads.
type seqTable struct {
	chunks []atomic.Pointer[[tableChunk]pubEntry]
}

func newSeqTable(n int) *seqTable {
	return &seqTable{chunks: make([]atomic.Pointer[[tableChunk]pubEntry], (n+tableChunk-1)/tableChunk)}
}

// get returns entry i, or nil when nothing near it was ever sent or i is
// out of range.
func (t *seqTable) get(i int) *pubEntry {
	if i < 0 || i/tableChunk >= len(t.chunks) {
		return nil
	}
	c := t.chunks[i/tableChunk].Load()
	if c == nil {
		return nil
	}
	return &c[i%tableChunk]
}

// entry returns entry i, allocating its chunk if needed. i must be in range.
func (t *seqTable) entry(i int) *pubEntry {
	p := &t.chunks[i/tableChunk]
	c := p.Load()
	if c == nil {
		// Two workers may race to allocate: the loser's chunk is dropped.
		p.CompareAndSwap(nil, new([tableChunk]pubEntry))
		c = p.Load()
	}
	return &c[i%tableChunk]
}

// each calls fn for every entry of an allocated chunk, in index order.
func (t *seqTable) each(fn func(i int, e *pubEntry)) {
	for ci := range t.chunks {
		c := t.chunks[ci].Load()
		if c == nil {
			continue
		}
		for j := range c {
			fn(ci*tableChunk+j, &c[j])
		}
	}
}
