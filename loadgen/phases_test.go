package loadgen

import (
	"math"
	"testing"
	"time"
)

func TestPhaseLog(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ns := func(ms int) int64 { return int64(time.Duration(ms) * time.Millisecond) }
	pl := newPhaseLog(t0)
	// Steady 100..300 ms, ramp up to a new plateau, steady again from
	// 400 ms until the drive ends at 450 ms.
	pl.record(phaseSteady, at(100))
	pl.record(phaseSteady, at(150)) // no change: not a switch
	pl.record(phaseRamp, at(300))
	pl.record(phaseSteady, at(400))

	if d, open := pl.steadyElapsed(at(420)); d != 220*time.Millisecond || !open {
		t.Errorf("steadyElapsed(420ms) = %s, %v; want 220ms, open", d, open)
	}
	pl.end(at(450))
	if d, open := pl.steadyElapsed(at(900)); d != 250*time.Millisecond || open {
		t.Errorf("steadyElapsed after the end = %s, %v; want 250ms (clipped at the end), closed", d, open)
	}
	if sw, h := pl.from(0); len(sw) != 3 || h != math.MaxInt64 {
		t.Errorf("from(0) = %v, horizon %d; want 3 switches, sealed", sw, h)
	}
	for _, tt := range []struct {
		ms   int
		want int
	}{{0, phaseRamp}, {99, phaseRamp}, {100, phaseSteady}, {299, phaseSteady}, {300, phaseRamp}, {400, phaseSteady}, {5000, phaseSteady}} {
		if got := pl.phaseAt(ns(tt.ms)); got != tt.want {
			t.Errorf("phaseAt(%d ms) = %d, want %d", tt.ms, got, tt.want)
		}
	}
	for _, tt := range []struct {
		from, to int
		want     bool
	}{{0, 100, false}, {0, 101, true}, {299, 400, true}, {300, 400, false}, {310, 390, false}, {390, 1000, true}} {
		if got := pl.steadyOverlaps(ns(tt.from), ns(tt.to)); got != tt.want {
			t.Errorf("steadyOverlaps(%d, %d ms) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

// TestPhaseLog_switchNeverBeforeTheHorizon: a switch dated before what the
// aggregator may already have booked is moved to the horizon, so nothing
// booked changes phase afterwards.
func TestPhaseLog_switchNeverBeforeTheHorizon(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	pl := newPhaseLog(t0)
	pl.mark(t0.Add(200 * time.Millisecond))
	pl.record(phaseSteady, t0.Add(150*time.Millisecond))
	if sw, _ := pl.from(0); len(sw) != 1 || sw[0].at != int64(200*time.Millisecond) {
		t.Errorf("switches = %v, want one at the 200 ms horizon", sw)
	}
}
