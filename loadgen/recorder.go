package loadgen

import (
	"sync"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/loadgen/ids"
	"github.com/ssebench/ssebench/reports/result"
)

// latencyBatch is how many per-event samples a Recorder buffers before it
// moves them into its shard's histograms. Batching keeps the per-event path
// free of shared locks (one shard lock per latencyBatch events) while keeping
// a subscriber's footprint small: a whole HDR histogram (1 µs..1 h at 3
// significant figures) is ~180 KiB, far too big to keep per subscriber.
const latencyBatch = 64

// noSample marks a sample field that holds no measurement.
const noSample = ^uint32(0)

// sample is one event's per-event measurements, µs. Both fit in 32 bits
// because recordable values stop at reports.MaxLatencyUS (1 h ≈ 3.6e9 µs <
// 2³²), so a pair costs what one int64 latency did before inter-event gaps
// were measured.
type sample struct {
	latUS uint32 // fan-out latency, or noSample
	gapUS uint32 // time since the previous event on the same stream, or noSample
}

// counters are the additive measurements of a stream.
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

// shard holds the per-event histograms shared by a group of Recorders. Its
// lock is taken once per latencyBatch events and by the aggregator at each
// tick.
type shard struct {
	mu    sync.Mutex
	h     *hdrhistogram.Histogram // fan-out latency, µs
	inter *hdrhistogram.Histogram // inter-event gap in the steady state, µs
	// steady tells whether samples now belong to the steady state; set by
	// the aggregator at phase changes, right after it drained every
	// Recorder. Gaps outside it are not kept: only the steady state's are
	// reported, and keeping them here instead of merging them into totals
	// at every tick saves walking a histogram per shard per interval.
	steady bool
}

// Recorder accumulates one subscriber's measurements. Only its subscriber
// goroutine records; the aggregator drains it with drain. Its mutex is
// therefore uncontended except at interval ticks.
//
// A Recorder belongs to a subscriber slot, not to one connection: it outlives
// reconnects, and a slot closed by a ramp-down and opened again later keeps
// recording into it.
type Recorder struct {
	mu  sync.Mutex
	sh  *shard
	buf []sample // pending per-event samples
	c   counters
	// up is true while the slot holds a stream; upSeen is true when it held
	// one at any moment since the last drain, which is what the
	// per-subscriber distribution needs to tell a starved subscriber (up,
	// 0 events) from one that was not there.
	up, upSeen bool
}

func newRecorder(sh *shard) *Recorder {
	return &Recorder{sh: sh, buf: make([]sample, 0, latencyBatch)}
}

// event records one received event. latUS < 0 means no latency was measured
// for it (no publish time in the event); oor marks an unrecordable latency.
// gapUS < 0 means the event was the first on its stream.
func (r *Recorder) event(latUS int64, oor bool, gapUS int64, bytes, gaps, dups uint64) {
	sm := sample{latUS: noSample, gapUS: noSample}
	if gapUS >= 0 && gapUS <= result.MaxLatencyUS {
		sm.gapUS = uint32(gapUS)
	}
	r.mu.Lock()
	r.c.events++
	r.c.bytes += bytes
	r.c.gaps += gaps
	r.c.duplicates += dups
	if oor {
		r.c.latencyOutOfRange++
	} else if latUS >= 0 {
		sm.latUS = uint32(latUS)
	}
	if sm != (sample{latUS: noSample, gapUS: noSample}) {
		r.buf = append(r.buf, sm)
		if len(r.buf) == cap(r.buf) {
			r.flushLocked()
		}
	}
	r.mu.Unlock()
}

// lost records events missing by sequence id across a reconnect; they are
// counted in gaps too, by event.
func (r *Recorder) lost(n uint64) {
	r.mu.Lock()
	r.c.lost += n
	r.mu.Unlock()
}

// setUp records whether the slot holds a stream.
func (r *Recorder) setUp(up bool) {
	r.mu.Lock()
	r.up = up
	r.upSeen = r.upSeen || up
	r.mu.Unlock()
}

// extra records bytes and comments that came without an event (heartbeats,
// a partial event at the end of the stream) and stream failures.
func (r *Recorder) extra(bytes, comments, errs uint64) {
	r.mu.Lock()
	r.c.bytes += bytes
	r.c.comments += comments
	r.c.errors += errs
	r.mu.Unlock()
}

// flushLocked moves buffered samples into the shard histograms.
func (r *Recorder) flushLocked() {
	r.sh.mu.Lock()
	for _, sm := range r.buf {
		// Values were range-checked when recorded, so RecordValue cannot fail.
		if sm.latUS != noSample {
			_ = r.sh.h.RecordValue(int64(sm.latUS))
		}
		if sm.gapUS != noSample && r.sh.steady {
			_ = r.sh.inter.RecordValue(int64(sm.gapUS))
		}
	}
	r.sh.mu.Unlock()
	r.buf = r.buf[:0]
}

// drain returns the counters accumulated since the last drain, and whether
// the slot held a stream at any moment since then. It moves any buffered
// samples into the shard, so that the aggregator can then take the shard's
// histograms.
func (r *Recorder) drain() (counters, bool) {
	r.mu.Lock()
	c, up := r.c, r.upSeen
	r.c = counters{}
	r.upSeen = r.up
	if len(r.buf) > 0 {
		r.flushLocked()
	}
	r.mu.Unlock()
	return c, up
}

// latencyInRange tells whether v µs can be recorded in a latency histogram.
func latencyInRange(v int64) bool {
	return v >= 0 && v <= result.MaxLatencyUS
}
