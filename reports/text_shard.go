package reports

import (
	"fmt"

	"github.com/ssebench/ssebench/reports/result"
)

// shardLine is the summary's line about sharding: which shard a result is,
// or how many shards a merged result holds. It is "" for a whole run.
func shardLine(r *result.Report) string {
	switch {
	case r.Shard != nil:
		s := r.Shard
		line := fmt.Sprintf("shard %d of %d (%d of the run's %d subscribers)", s.Index, s.Count, r.Subscribers.Requested, s.TotalSubscribers)
		if s.StartAt != nil {
			line += fmt.Sprintf(", started %.0f ms after --start-at", s.LateMS)
		}
		return line + "\n"
	case len(r.Shards) > 0:
		count := r.Shards[0].Count
		line := fmt.Sprintf("merged from %d shards", len(r.Shards))
		if len(r.Shards) < count {
			line = fmt.Sprintf("merged from %d of %d shards (some missing)", len(r.Shards), count)
		}
		return line + "; the self-check shown is the busiest shard's\n"
	}
	return ""
}
