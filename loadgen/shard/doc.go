// Package shard splits one run's load over several load generators, each
// running `ssebench run --shard I/N` (a pod of a Kubernetes Indexed Job, a
// machine, or a process):
//
//	whole run (--subscribers, --connect-rate, --stages, --publish-rate)
//	    ─► Plan{Index, Count}.Apply ─► this shard's loadgen.Config
//
// Every shard gets its share of the subscribers, interleaved: shard I of N
// holds the subscriber numbers I, I+N, I+2N, …, so the numbers are distinct
// across shards and every stage target T splits exactly (the shares of T sum
// to T). Rates (connect, publish) are divided by N; durations are not, so
// shards started together (--start-at) ramp and hold together and their sum
// is the whole run.
//
// Latency is never compared across machines: in publisher mode each shard
// publishes its own events, marked with a run id of its own, and only
// matches those markers on its own monotonic clock (loadgen's publisher), so
// a shard's fan-out figures never depend on another host's clock.
package shard
