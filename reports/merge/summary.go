package merge

import (
	"fmt"
	"strings"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// summaries lists the shards for the merged result's "shards" key.
func summaries(in []Input) []result.ShardSummary {
	out := make([]result.ShardSummary, len(in))
	for i, x := range in {
		r := x.Report
		out[i] = result.ShardSummary{
			Shard:          *r.Shard,
			File:           x.File,
			Started:        r.Started,
			DurationS:      r.DurationS,
			Subscribers:    r.Subscribers,
			EventsReceived: r.Events.Received,
			FanoutP99US:    r.LatencyUS.Fanout.P99,
			SelfCheck:      r.SelfCheck,
			Interrupted:    r.Interrupted,
		}
	}
	return out
}

// startSpread is how far apart shards may start before the merged result
// says that their figures overlap only in part.
const startSpread = time.Second

// mergeWarnings adds to m the merge's own warnings (saturated shards,
// missing shards, shards that started apart, different versions), then the
// shards' own, each prefixed with its shard and keeping its code.
func mergeWarnings(m *result.Report, in []Input) {
	count := in[0].Report.Shard.Count
	var saturated []int
	for _, x := range in {
		if x.Report.SelfCheck.Saturated {
			saturated = append(saturated, x.Report.Shard.Index)
		}
	}
	if len(saturated) > 0 {
		m.Warn(result.WarnShardSaturated, fmt.Sprintf("the load generator was the bottleneck in %d of %d shards (%s): their figures, and so the merged ones, describe the client as much as the server; run more shards or give each more CPU",
			len(saturated), len(in), shardList(saturated)))
	}
	if missing := missingShards(in); len(missing) > 0 {
		m.Warn(result.WarnShardsMissing, fmt.Sprintf("%d of %d shards are missing (%s): the merged figures cover %d of the run's %d subscribers",
			len(missing), count, shardList(missing), sumRequested(in), in[0].Report.Shard.TotalSubscribers))
	}
	lo, hi := in[0].Report.Started, in[0].Report.Started
	for _, x := range in {
		if x.Report.Started.Before(lo) {
			lo = x.Report.Started
		}
		if x.Report.Started.After(hi) {
			hi = x.Report.Started
		}
	}
	if d := hi.Sub(lo); d > startSpread {
		m.Warn(result.WarnShardsApart, fmt.Sprintf("the shards started up to %s apart, so they loaded the server together only in part; rates are summed as if they overlapped (start them together with --start-at)", d.Round(time.Millisecond)))
	}
	var tools []string
	for _, x := range in {
		if t := x.Report.Tool; len(tools) == 0 || tools[len(tools)-1] != t {
			tools = append(tools, t)
		}
	}
	if len(tools) > 1 {
		m.Warn(result.WarnShardVersionsDiffer, "the shards ran different versions of ssebench: "+strings.Join(tools, ", "))
	}
	for _, x := range in {
		for i, s := range x.Report.Warnings {
			m.Warn(x.Report.WarningCode(i), fmt.Sprintf("shard %d: %s", x.Report.Shard.Index, s))
		}
	}
}

// shardList names shard indexes: "shard 3", "shards 0, 2".
func shardList(idx []int) string {
	if len(idx) == 1 {
		return fmt.Sprintf("shard %d", idx[0])
	}
	return "shards " + joinInts(idx)
}

// sumRequested is the subscribers the given shards asked for.
func sumRequested(in []Input) int {
	n := 0
	for _, x := range in {
		n += x.Report.Subscribers.Requested
	}
	return n
}
