// Package loadgen opens and holds many Server-Sent Events subscriptions
// against one endpoint and records what arrives.
//
//	Run ─► subscriber (one goroutine each) ─► sse.Reader ─► Recorder ─► Aggregator ─► *reports.Report
//
// A run has two phases. During the ramp every subscriber dials (at most
// Config.MaxDials at once); the ramp ends when every subscriber has a stream
// or has failed. The steady state then lasts Config.Duration, and the
// headline numbers (events, rates, fan-out latency) describe the steady state
// only, so a slow connection storm does not blur them.
//
// Fan-out latency is receive time minus the publish time the server put in
// each event (Config.PublishTime extracts it). Both are wall-clock readings,
// so they are comparable only on one host or between hosts with synchronised
// clocks; the embedded reference server shares the load generator's clock.
//
// The package does no terminal or file I/O of its own: it returns a report
// and calls Config.Progress; the command decides what to print and where.
package loadgen
