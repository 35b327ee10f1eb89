package refserver

import (
	"bytes"
	"math"
	"time"
)

// maxCatchUp bounds the events made in one wake-up when the generator is
// late (after a GC pause or a stall), so one batch stays reasonable. The
// schedule still catches up over the following wake-ups.
const maxCatchUp = 4096

// A generator publishes synthetic events on a topic at a fixed rate. Event k
// (from 1) is due at start + k/rate: the schedule is anchored to the start,
// so late wake-ups are caught up and the rate is exact over time instead of
// drifting the way "sleep 1/rate after each event" would.
type generator struct {
	h            *hub
	t            *topic
	rate         float64 // events per second, > 0
	payloadBytes int
	pad          []byte // payloadBytes 'x', shared by every frame
}

func newGenerator(h *hub, t *topic, rate float64, payloadBytes int) *generator {
	return &generator{h: h, t: t, rate: rate, payloadBytes: payloadBytes,
		pad: bytes.Repeat([]byte{'x'}, payloadBytes)}
}

// at returns when event k is due, relative to the start.
func (g *generator) at(k uint64) time.Duration {
	return time.Duration(math.Ceil(float64(k) / g.rate * float64(time.Second)))
}

// run publishes until the hub stops.
func (g *generator) run() {
	defer g.h.wg.Done()
	start := time.Now()
	timer := time.NewTimer(g.at(1))
	defer timer.Stop()
	var sent uint64
	for {
		select {
		case <-timer.C:
		case <-g.h.done:
			return
		}
		now := time.Now()
		elapsed := now.Sub(start)
		due := uint64(elapsed.Seconds() * g.rate)
		for g.at(due+1) <= elapsed { // float rounding must not leave one behind
			due++
		}
		if due > sent {
			n := min(due-sent, maxCatchUp)
			g.emit(int(n), now)
			sent += n
		}
		timer.Reset(max(0, g.at(sent+1)-time.Since(start)))
	}
}

// emit encodes n events stamped now and releases them as one batch. Each
// frame is one allocation, shared by every subscriber.
func (g *generator) emit(n int, now time.Time) {
	pubNs := now.UnixNano()
	size := frameCap(g.payloadBytes)
	frames := make([]frame, n)
	g.t.mu.Lock()
	defer g.t.mu.Unlock()
	for i := range frames {
		g.t.seq++
		frames[i] = frame{seq: g.t.seq, b: appendGenerated(make([]byte, 0, size), g.t.seq, pubNs, g.payloadBytes, g.pad)}
	}
	g.h.counters.published.Add(uint64(n))
	g.h.release(g.t, frames, now)
}
