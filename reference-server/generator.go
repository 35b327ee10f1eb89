package refserver

import (
	"bytes"
	"math"
	"math/rand/v2"
	"time"
)

// maxCatchUp bounds the events made in one wake-up when the generator is
// late (after a GC pause or a stall), so one batch stays reasonable. The
// schedule still catches up over the following wake-ups.
const maxCatchUp = 4096

// arrivals is a generator's schedule: next returns when the next event is
// due, as an offset from the generator's start. Offsets never decrease.
// Called from the generator's goroutine only.
type arrivals interface {
	next() time.Duration
}

// constantArrivals puts event k (from 1) at k/rate seconds, anchored to the
// start, so late wake-ups are caught up and the rate is exact over time
// instead of drifting the way "sleep 1/rate after each event" would.
type constantArrivals struct {
	rate float64
	k    uint64
}

func (a *constantArrivals) next() time.Duration {
	a.k++
	return constantAt(a.rate, a.k)
}

// constantAt returns when event k is due at rate events per second.
func constantAt(rate float64, k uint64) time.Duration {
	return time.Duration(math.Ceil(float64(k) / rate * float64(time.Second)))
}

// poissonArrivals draws each gap from an exponential distribution of mean
// 1/rate. The sum is kept in float64 seconds so that rounding to
// nanoseconds does not accumulate.
type poissonArrivals struct {
	rate float64
	at   float64 // seconds
	rng  *rand.Rand
}

func (a *poissonArrivals) next() time.Duration {
	a.at += a.rng.ExpFloat64() / a.rate
	return time.Duration(math.Ceil(a.at * float64(time.Second)))
}

// burstArrivals puts size events at every multiple of every.
type burstArrivals struct {
	size  int
	every time.Duration
	left  int   // events left in the current burst
	j     int64 // the current burst, from 1
}

func (a *burstArrivals) next() time.Duration {
	if a.left == 0 {
		a.j++
		a.left = a.size
	}
	a.left--
	return time.Duration(a.j) * a.every
}

// newArrivals returns g's schedule. g is valid.
func newArrivals(g GeneratorConfig) arrivals {
	switch g.pattern() {
	case PatternPoisson:
		seed := g.Seed
		if seed == 0 {
			seed = rand.Uint64()
		}
		return &poissonArrivals{rate: g.Rate, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	case PatternBurst:
		return &burstArrivals{size: g.BurstEvents, every: g.BurstInterval}
	default:
		return &constantArrivals{rate: g.Rate}
	}
}

// A generator publishes synthetic events on a topic on a schedule. Each
// event is stamped with the time it was due, not the time it was made: a
// generator that wakes late (a busy box, a GC pause) makes the events it
// owes at once, with their due times, so the delay shows as latency instead
// of being hidden (coordinated omission).
type generator struct {
	h            *hub
	t            *topic
	arr          arrivals
	payloadBytes int
	pad          []byte // payloadBytes 'x', shared by every frame
	offsets      []time.Duration
}

func newGenerator(h *hub, t *topic, g GeneratorConfig) *generator {
	return &generator{h: h, t: t, arr: newArrivals(g), payloadBytes: g.PayloadBytes,
		pad: bytes.Repeat([]byte{'x'}, g.PayloadBytes)}
}

// run publishes until the hub stops.
func (g *generator) run() {
	defer g.h.wg.Done()
	start := time.Now()
	due := g.arr.next()
	timer := time.NewTimer(due)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
		case <-g.h.done:
			return
		}
		elapsed := time.Since(start)
		g.offsets = g.offsets[:0]
		for due <= elapsed && len(g.offsets) < maxCatchUp {
			g.offsets = append(g.offsets, due)
			due = g.arr.next()
		}
		if len(g.offsets) > 0 {
			g.emit(start, g.offsets)
		}
		timer.Reset(max(0, due-time.Since(start)))
	}
}

// emit encodes one event per offset, stamped start+offset, and releases
// them as one batch. Each frame is one allocation, shared by every
// subscriber.
func (g *generator) emit(start time.Time, offsets []time.Duration) {
	size := frameCap(g.payloadBytes)
	frames := make([]frame, len(offsets))
	g.t.mu.Lock()
	defer g.t.mu.Unlock()
	for i, off := range offsets {
		g.t.seq++
		pubNs := start.Add(off).UnixNano()
		frames[i] = frame{seq: g.t.seq, b: appendGenerated(make([]byte, 0, size), g.t.seq, pubNs, g.payloadBytes, g.pad)}
	}
	n := uint64(len(frames))
	g.t.published.Add(n)
	g.h.counters.published.Add(n)
	// The last stamp is the latest, so every event of the batch is held
	// at least Delay.
	g.h.release(g.t, frames, start.Add(offsets[len(offsets)-1]))
}
