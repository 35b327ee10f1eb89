package capacity

import (
	"cmp"
	"slices"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// Knee finds where fan-out latency starts to climb. The baseline is the
// step with the lowest load. A step is "climbed" when its p99 exceeds
// factor times the baseline's p99 and exceeds it by at least floor; the
// knee is the lowest load from which on every step measured is climbed.
//
// Why this rule and not the point of maximum curvature (Kneedle): a search
// has five to fifteen steps, unevenly spaced (doubling, then bisection),
// and each p99 is noisy. Curvature estimated from so few points moves with
// every noisy step, while "p99 doubled since light load, and stayed so"
// is stable, reads plainly in a report, and is what users notice. Asking
// every higher step to be climbed too keeps one noisy step (a GC pause, a
// neighbour on a shared machine) from marking a knee the next step
// contradicts; the floor keeps sub-millisecond jitter (0.2 ms to 0.5 ms)
// from counting at all.
//
// Steps without fan-out latency, client-limited steps (their latency is
// the client's) and interrupted ones are left out; when two steps share a
// load the first is used. Knee returns nil when fewer than two steps
// remain or the highest step is not climbed.
func Knee(steps []result.LimitStep, factor float64, floor time.Duration) *result.Knee {
	var pts []result.LimitStep
	for _, st := range steps {
		if st.FanoutCount == 0 || st.ClientLimited || st.Interrupted {
			continue
		}
		if slices.ContainsFunc(pts, func(p result.LimitStep) bool { return p.Load == st.Load }) {
			continue
		}
		pts = append(pts, st)
	}
	if len(pts) < 2 {
		return nil
	}
	slices.SortStableFunc(pts, func(a, b result.LimitStep) int { return cmp.Compare(a.Load, b.Load) })
	base := pts[0]
	floorUS := floor.Microseconds()
	climbed := func(p result.LimitStep) bool {
		return float64(p.FanoutP99US) > factor*float64(base.FanoutP99US) && p.FanoutP99US-base.FanoutP99US >= floorUS
	}
	i := len(pts)
	for i > 1 && climbed(pts[i-1]) {
		i--
	}
	if i == len(pts) {
		return nil
	}
	p := pts[i]
	return &result.Knee{
		Load:          p.Load,
		Before:        pts[i-1].Load,
		FanoutP99US:   p.FanoutP99US,
		BaselineLoad:  base.Load,
		BaselineP99US: base.FanoutP99US,
		Factor:        factor,
		FloorUS:       floorUS,
	}
}
