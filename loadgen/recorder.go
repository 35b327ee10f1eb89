package loadgen

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssebench/ssebench/loadgen/ids"
	"github.com/ssebench/ssebench/reports/result"
)

// batchEntries is how many events a batch holds. A full batch is handed to
// the aggregator and the writer starts a new one, so a busy subscriber holds
// one batch (1 KiB) and an idle one none: the aggregator takes partly
// filled batches away at every collection. A Recorder whose last batch did
// not fill starts a small one (smallBatchEntries, 128 B), so thousands of
// quiet subscribers cost little.
const (
	batchEntries      = 64
	smallBatchEntries = 8
)

// noSample marks a sample field that holds no measurement.
const noSample = ^uint32(0)

// maxBatchSpan is how long after its base a batch can place an entry: entry
// times are µs offsets in 32 bits (about 71 minutes).
const maxBatchSpan = int64(math.MaxUint32) * int64(time.Microsecond)

// entry is one received event. Its measurements fit in 32 bits each:
// recordable latencies stop at result.MaxLatencyUS (1 h ≈ 3.6e9 µs < 2³²)
// and an event is far smaller than 4 GiB (MaxEventBytes).
type entry struct {
	atUS  uint32 // receive time, µs after the batch's base
	latUS uint32 // fan-out latency, or noSample
	gapUS uint32 // time since the previous event on the same stream, or noSample
	bytes uint32 // stream bytes the event took
}

// counters are the additive measurements of a stream that are not one per
// event. Each Recorder call that has any of them books a note, so adding a
// counter here (and to add) is all it takes to measure something new by
// event time.
type counters struct {
	events, bytes, gaps, duplicates, comments uint64
	// latencyOutOfRange counts events whose latency could not be recorded
	// (negative, from clock steps or skew, or above the histogram's range).
	latencyOutOfRange uint64
	// errors counts stream failures after the stream was established.
	errors uint64
	// lost counts events missing by sequence id across a reconnect (also
	// counted in gaps).
	lost uint64
	// idResets counts ids that went down after a reconnect (recorder_ids.go);
	// ids tallies the form of the ids, added when a session ends.
	idResets uint64
	ids      ids.Tally
}

func (c *counters) add(o counters) {
	c.events += o.events
	c.bytes += o.bytes
	c.gaps += o.gaps
	c.duplicates += o.duplicates
	c.comments += o.comments
	c.latencyOutOfRange += o.latencyOutOfRange
	c.errors += o.errors
	c.lost += o.lost
	c.idResets += o.idResets
	c.ids.Add(o.ids)
}

// note is a timestamped change that is not an event's entry: counters, or
// the slot getting (up = 1) or losing (up = -1) its stream.
type note struct {
	at int64 // ns since the run started
	c  counters
	up int8
}

// batch is a run of one Recorder's entries and notes, each in time order.
type batch struct {
	base  int64 // ns since the run started; entry times are offsets from it
	ev    []entry
	notes []note
	// lagNS is one processing-lag sample: how long after its read the
	// batch's first entry was recorded, ns; -1 for none.
	lagNS int64
	next  *batch // the next older full batch, in Recorder.full
}

var (
	batchPool      = sync.Pool{New: func() any { return &batch{ev: make([]entry, 0, batchEntries)} }}
	smallBatchPool = sync.Pool{New: func() any { return &batch{ev: make([]entry, 0, smallBatchEntries)} }}
)

// newBatch returns an empty batch based at base: a full-size one for a busy
// writer, else a small one.
func newBatch(base int64, busy bool) *batch {
	var b *batch
	if busy {
		b = batchPool.Get().(*batch)
	} else {
		b = smallBatchPool.Get().(*batch)
	}
	b.base, b.lagNS, b.next = base, -1, nil
	return b
}

// release returns b to its pool once its contents were accounted for.
func (b *batch) release() {
	b.ev, b.notes, b.next = b.ev[:0], b.notes[:0], nil
	if cap(b.ev) == smallBatchEntries {
		smallBatchPool.Put(b)
	} else {
		batchPool.Put(b)
	}
}

// Recorder accumulates one subscriber slot's measurements. Only the slot's
// subscriber goroutine records (its sessions never overlap); the aggregator
// collects with take. Nothing on the recording path is shared with other
// subscribers or waits for the aggregator, which may fall behind: each
// call marks a critical section with two atomic increments of seq
// (HdrHistogram's writer-reader phaser, for one writer), and take swaps
// the current batch out and waits only for a writer inside its section.
//
// Every entry and note carries its receive time, so the aggregator books
// it in the phase and interval it happened in, however late it collects.
//
// A Recorder belongs to a subscriber slot, not to one connection: it outlives
// reconnects, and a slot closed by a ramp-down and opened again later keeps
// recording into it.
type Recorder struct {
	// seq is odd while the writer is inside a critical section.
	seq    atomic.Uint64
	active atomic.Pointer[batch] // the batch being filled; nil when none
	full   atomic.Pointer[batch] // full batches, newest first
	t0     time.Time             // run start: times are kept as offsets from it
	// busy is true when the writer's last batch filled up: the next one
	// is full-size. Only the writer uses it.
	busy bool
	_    [15]byte // a cache line per Recorder: no false sharing between writers
}

func newRecorder(t0 time.Time) *Recorder {
	return &Recorder{t0: t0}
}

// since returns t as ns since the run started.
func (r *Recorder) since(t time.Time) int64 {
	return max(0, int64(t.Sub(r.t0)))
}

// event records one event received at at. latUS < 0 means no latency was
// measured for it (no publish time in the event); oor marks an
// unrecordable latency. gapUS < 0 means the event was the first on its
// stream. gaps and dups are the events missing before it by sequence id and
// whether it repeated an id.
func (r *Recorder) event(at time.Time, latUS int64, oor bool, gapUS int64, bytes, gaps, dups uint64) {
	ns := r.since(at)
	e := entry{latUS: noSample, gapUS: noSample, bytes: uint32(min(bytes, math.MaxUint32))}
	if gapUS >= 0 && gapUS <= result.MaxLatencyUS {
		e.gapUS = uint32(gapUS)
	}
	if !oor && latUS >= 0 {
		e.latUS = uint32(latUS)
	}
	r.seq.Add(1)
	b := r.batchFor(ns, at)
	e.atUS = uint32(max(0, ns-b.base) / int64(time.Microsecond))
	b.ev = append(b.ev, e)
	if gaps != 0 || dups != 0 || oor {
		c := counters{gaps: gaps, duplicates: dups}
		if oor {
			c.latencyOutOfRange = 1
		}
		b.notes = append(b.notes, note{at: ns, c: c})
	}
	full := len(b.ev) == cap(b.ev)
	if full {
		r.retire(b)
	}
	r.seq.Add(1)
	if full {
		// Yield once per batch. A reader that always finds data waiting
		// never blocks, so it would keep its P for the scheduler's whole
		// 10 ms time slice; with a thousand such readers every goroutine
		// that becomes runnable (the driver's clock, a new connection, the
		// aggregator, other readers) waits for seconds. Yielding every
		// batchEntries events bounds that wait to about a batch's work
		// per runnable reader, and costs nothing when nobody waits.
		runtime.Gosched()
	}
}

// count records counters that came at at without an event: lost events,
// bytes and comments between events, stream failures.
func (r *Recorder) count(at time.Time, c counters) {
	r.addNote(note{at: r.since(at), c: c})
}

// lost records events missing by sequence id across a reconnect, found at
// at; they are counted in gaps too, by event.
func (r *Recorder) lost(at time.Time, n uint64) {
	r.count(at, counters{lost: n})
}

// extra records bytes and comments that came without an event (heartbeats,
// a partial event at the end of the stream) and stream failures, at at.
func (r *Recorder) extra(at time.Time, bytes, comments, errs uint64) {
	r.count(at, counters{bytes: bytes, comments: comments, errors: errs})
}

// setUp records that the slot got (up) or lost its stream at at.
func (r *Recorder) setUp(at time.Time, up bool) {
	n := note{at: r.since(at), up: -1}
	if up {
		n.up = 1
	}
	r.addNote(n)
}

func (r *Recorder) addNote(n note) {
	r.seq.Add(1)
	b := r.batchFor(n.at, time.Time{})
	b.notes = append(b.notes, n)
	r.seq.Add(1)
}

// batchFor returns the batch to record an entry of time ns in, starting one
// when there is none or the current one cannot place ns. read, when not
// zero, is the entry's read time: a new batch takes it as its processing-lag
// sample (one clock reading per batch, not per event). Call it inside a
// critical section.
func (r *Recorder) batchFor(ns int64, read time.Time) *batch {
	b := r.active.Load()
	// ns may fall a little before base: a note stamped with time.Now()
	// can precede the read time of the next event; it is placed at base.
	if b != nil && ns-b.base < maxBatchSpan {
		return b
	}
	if b != nil {
		r.retire(b)
	}
	b = newBatch(ns, r.busy)
	r.busy = false
	if !read.IsZero() {
		b.lagNS = max(0, int64(time.Since(read)))
	}
	// Only this writer installs a batch; take only removes one, so a
	// plain store cannot lose a batch.
	r.active.Store(b)
	return b
}

// retire hands the full (or unplaceable) batch b to the aggregator, unless
// take already swapped it out, in which case the aggregator has it.
func (r *Recorder) retire(b *batch) {
	r.busy = len(b.ev) == cap(b.ev)
	if !r.active.CompareAndSwap(b, nil) {
		return
	}
	for {
		h := r.full.Load()
		b.next = h
		// Fails only when take emptied the list in between.
		if r.full.CompareAndSwap(h, b) {
			return
		}
	}
}

// take removes everything recorded so far and returns it oldest first,
// appended to dst. Only the aggregator calls it. It waits, at most for one
// critical section, only when the writer is inside one.
func (r *Recorder) take(dst []*batch) []*batch {
	cur := r.active.Swap(nil)
	if s := r.seq.Load(); s&1 == 1 {
		// The writer may be appending to cur: wait until it leaves the
		// section. A section it enters later sees cur gone.
		for r.seq.Load() == s {
			runtime.Gosched()
		}
	}
	n := len(dst)
	for b := r.full.Swap(nil); b != nil; b = b.next {
		dst = append(dst, b)
	}
	// The full list is newest first: reverse it to time order.
	for i, j := n, len(dst)-1; i < j; i, j = i+1, j-1 {
		dst[i], dst[j] = dst[j], dst[i]
	}
	if cur != nil {
		dst = append(dst, cur)
	}
	return dst
}

// latencyInRange tells whether v µs can be recorded in a latency histogram.
func latencyInRange(v int64) bool {
	return v >= 0 && v <= result.MaxLatencyUS
}
