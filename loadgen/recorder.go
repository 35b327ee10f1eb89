package loadgen

import (
	"sync"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports"
)

// latencyBatch is how many fan-out latencies a Recorder buffers before it
// moves them into its shard's histogram. Batching keeps the per-event path
// free of shared locks (one shard lock per latencyBatch events) while keeping
// a subscriber's footprint small: a whole HDR histogram (1 µs..1 h at 3
// significant figures) is ~180 KiB, far too big to keep per subscriber.
const latencyBatch = 64

// counters are the additive measurements of a stream.
type counters struct {
	events, bytes, gaps, duplicates, comments uint64
	// latencyOutOfRange counts events whose latency could not be recorded
	// (negative, from clock steps or skew, or above the histogram's range).
	latencyOutOfRange uint64
	// errors counts stream failures after the stream was established.
	errors uint64
}

func (c *counters) add(o counters) {
	c.events += o.events
	c.bytes += o.bytes
	c.gaps += o.gaps
	c.duplicates += o.duplicates
	c.comments += o.comments
	c.latencyOutOfRange += o.latencyOutOfRange
	c.errors += o.errors
}

// shard is a latency histogram shared by a group of Recorders. Its lock is
// taken once per latencyBatch events and by the aggregator at each tick.
type shard struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

// Recorder accumulates one subscriber's measurements. Only its subscriber
// goroutine records; the aggregator drains it with drain. Its mutex is
// therefore uncontended except at interval ticks.
type Recorder struct {
	mu  sync.Mutex
	sh  *shard
	lat []int64 // pending fan-out latencies, µs
	c   counters
}

func newRecorder(sh *shard) *Recorder {
	return &Recorder{sh: sh, lat: make([]int64, 0, latencyBatch)}
}

// event records one received event. latUS < 0 means no latency was measured
// for it (no publish time in the event); oor marks an unrecordable latency.
func (r *Recorder) event(latUS int64, oor bool, bytes, gaps, dups uint64) {
	r.mu.Lock()
	r.c.events++
	r.c.bytes += bytes
	r.c.gaps += gaps
	r.c.duplicates += dups
	if oor {
		r.c.latencyOutOfRange++
	} else if latUS >= 0 {
		r.lat = append(r.lat, latUS)
		if len(r.lat) == cap(r.lat) {
			r.flushLocked()
		}
	}
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

// flushLocked moves buffered latencies into the shard histogram.
func (r *Recorder) flushLocked() {
	r.sh.mu.Lock()
	for _, v := range r.lat {
		// Values were range-checked when recorded, so RecordValue cannot fail.
		_ = r.sh.h.RecordValue(v)
	}
	r.sh.mu.Unlock()
	r.lat = r.lat[:0]
}

// drain returns the counters accumulated since the last drain and moves any
// buffered latencies into the shard, so that the aggregator can then take the
// shard's histogram.
func (r *Recorder) drain() counters {
	r.mu.Lock()
	c := r.c
	r.c = counters{}
	if len(r.lat) > 0 {
		r.flushLocked()
	}
	r.mu.Unlock()
	return c
}

// latencyInRange tells whether v µs can be recorded in a latency histogram.
func latencyInRange(v int64) bool {
	return v >= 0 && v <= reports.MaxLatencyUS
}
