package result

import "time"

// Shard identifies one shard of a run split over several load generators
// (`ssebench run --shard I/N`): which part of the whole load it ran. A
// merged result (`ssebench merge`) has no Shard; it lists its shards in
// Report.Shards instead.
type Shard struct {
	// Index is the shard's number, from 0.
	Index int `json:"index"`
	// Count is how many shards the run was split into.
	Count int `json:"count"`
	// TotalSubscribers is the subscribers of the whole run, all shards
	// together; this shard held Report.Subscribers.Requested of them, the
	// subscriber numbers Index, Index+Count, Index+2·Count, …
	TotalSubscribers int `json:"total_subscribers"`
	// TotalConnectRate is the whole run's connect rate, per second (0 when
	// not paced by rate); this shard used its Count-th part.
	TotalConnectRate float64 `json:"total_connect_rate,omitempty"`
	// TotalStages is the whole run's --stages, as written; this shard's
	// targets are its share of each.
	TotalStages string `json:"total_stages,omitempty"`
	// TotalPublishRate is the whole run's publish rate, per second, in
	// publisher mode; this shard published its Count-th part.
	TotalPublishRate float64 `json:"total_publish_rate,omitempty"`
	// StartAt is the wall-clock time every shard was asked to start at
	// (--start-at); absent when none was given.
	StartAt *time.Time `json:"start_at,omitempty"`
	// LateMS is how late this shard started after StartAt, in
	// milliseconds; 0 when on time or without StartAt.
	LateMS float64 `json:"late_ms,omitempty"`
}

// ShardSummary is one shard of a merged result: who it was, when it ran,
// and its own self-check, so that one saturated load generator stays
// visible after the merge.
type ShardSummary struct {
	// Shard is the shard's identity as its own result recorded it.
	Shard
	// File is the result file the shard was read from, when known.
	File string `json:"file,omitempty"`
	// Started is the shard's own start, wall clock.
	Started time.Time `json:"started"`
	// DurationS is the shard's steady state, in seconds.
	DurationS float64 `json:"duration_s"`
	// Subscribers counts the shard's subscriptions.
	Subscribers Subscribers `json:"subscribers"`
	// EventsReceived is the events the shard's subscribers received in its
	// steady state.
	EventsReceived uint64 `json:"events_received"`
	// FanoutP99US is the shard's own fan-out p99, µs (0 when not measured).
	FanoutP99US int64 `json:"fanout_p99_us"`
	// SelfCheck is the shard's self-check.
	SelfCheck SelfCheck `json:"self_check"`
	// Interrupted is true when the shard was stopped early.
	Interrupted bool `json:"interrupted"`
}
