package reports

import (
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

func TestShardLine(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name string
		r    result.Report
		want string
	}{
		{"whole run", result.Report{}, ""},
		{"shard", result.Report{Subscribers: result.Subscribers{Requested: 5000}, Shard: &result.Shard{Index: 1, Count: 4, TotalSubscribers: 20000}},
			"shard 1 of 4 (5000 of the run's 20000 subscribers)\n"},
		{"shard started", result.Report{Subscribers: result.Subscribers{Requested: 3}, Shard: &result.Shard{Index: 0, Count: 2, TotalSubscribers: 5, StartAt: &at, LateMS: 12.4}},
			"shard 0 of 2 (3 of the run's 5 subscribers), started 12 ms after --start-at\n"},
		{"merged", result.Report{Shards: make([]result.ShardSummary, 2)}, "merged from 2 shards; the self-check shown is the busiest shard's\n"},
		{"partial", result.Report{Shards: []result.ShardSummary{{Shard: result.Shard{Count: 3}}, {Shard: result.Shard{Count: 3}}}},
			"merged from 2 of 3 shards (some missing); the self-check shown is the busiest shard's\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := shardLine(&tt.r); got != tt.want {
				t.Errorf("shardLine = %q, want %q", got, tt.want)
			}
		})
	}
}
