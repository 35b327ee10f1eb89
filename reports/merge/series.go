package merge

import (
	"math"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// alignIntervals merges the shards' time series on one clock: the wall
// clock, from start (the earliest shard's start). A shard's interval ends
// at its own start plus its elapsed_s; it joins the merged interval whose
// end, a multiple of step after start, is nearest (the first at least), so
// shards whose ticks are a few milliseconds apart fall into the same one.
// A merged interval ends when the last of its shard intervals ends, and
// sums their events, bytes, errors and reconnects; its fan-out histogram is
// the exact merge of theirs, and connected is the sum of each shard's
// latest figure (a shard between two of its intervals counts as it last
// was).
func alignIntervals(in []Input, start time.Time, step time.Duration) ([]result.Interval, error) {
	type member struct {
		shard int
		iv    result.Interval
		endS  float64 // seconds after start
	}
	buckets := map[int][]member{}
	first, last := make([]int, len(in)), make([]int, len(in))
	maxK := 0
	for s, x := range in {
		off := x.Report.Started.Sub(start).Seconds()
		first[s], last[s] = -1, -1
		for _, iv := range x.Report.Intervals {
			end := off + iv.ElapsedS
			k := max(1, int(math.Round(end/step.Seconds())))
			buckets[k] = append(buckets[k], member{s, iv, end})
			if first[s] < 0 {
				first[s] = k
			}
			last[s] = k
			maxK = max(maxK, k)
		}
	}
	var out []result.Interval
	connected := make([]int, len(in))
	prevEnd := 0.0
	for k := 1; k <= maxK; k++ {
		ms := buckets[k]
		if len(ms) == 0 {
			continue
		}
		var iv result.Interval
		hist := histMerger{what: "interval fan-out latency"}
		complete := true
		for _, m := range ms {
			iv.ElapsedS = max(iv.ElapsedS, m.endS)
			iv.Events += m.iv.Events
			iv.Bytes += m.iv.Bytes
			iv.Errors += m.iv.Errors
			iv.Reconnects += m.iv.Reconnects
			connected[m.shard] = m.iv.Connected // members come in each shard's order
			if m.iv.FanoutHDR == "" {
				complete = complete && m.iv.Events == 0
				iv.FanoutP50US = max(iv.FanoutP50US, m.iv.FanoutP50US)
				iv.FanoutP99US = max(iv.FanoutP99US, m.iv.FanoutP99US)
				continue
			}
			hist.add(in[m.shard].name(), result.Latency{HDR: m.iv.FanoutHDR})
		}
		for s := range in {
			// A shard that has not started or has ended holds nothing.
			if k < first[s] || k > last[s] {
				connected[s] = 0
			}
			iv.Connected += connected[s]
		}
		if hist.err != nil {
			return nil, hist.err
		}
		if hist.h != nil && complete {
			iv.FanoutHDR = result.EncodeHDR(hist.h)
			if hist.h.TotalCount() > 0 {
				iv.FanoutP50US = hist.h.ValueAtQuantile(50)
				iv.FanoutP99US = hist.h.ValueAtQuantile(99)
			}
		}
		if d := iv.ElapsedS - prevEnd; d > 0 {
			iv.EventsPerS = float64(iv.Events) / d
			iv.BytesPerS = float64(iv.Bytes) / d
		}
		prevEnd = iv.ElapsedS
		out = append(out, iv)
	}
	return out, nil
}
