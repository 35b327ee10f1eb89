// Package merge combines the results of the shards of one run (`ssebench
// run --shard I/N`) into one result, exactly:
//
//	shard results ─► check (same load, distinct indexes) ─► sum counters,
//	    merge HDR histograms, align time series ─► *result.Report (+ "shards")
//
// Distributions are merged from their lossless HDR histograms, so the
// merged p99 is the p99 of every sample of every shard, not an average of
// the shards' p99s, and each merged Latency summary is rebuilt from its
// merged histogram. Counters are summed. Rates are sums of the shards'
// rates, since the shards run side by side. The time series is aligned by
// absolute (wall-clock) time using each shard's start. Each shard's own
// self-check is kept in "shards", and the merged self-check is the worst of
// them, so one saturated load generator taints the merged result.
//
// It depends only on reports/result and hdrhistogram: a merged result is a
// normal result document, so every format, compare and thresholds work on
// it.
package merge
