// Package loadgen opens and holds many Server-Sent Events subscriptions
// against one endpoint and records what arrives.
//
//	Schedule ─► Runner ─► Subscriber ─► sse.Reader ─► Recorder ─► Aggregator ─► Result
//
// The engine is this package: the Schedule (schedule.go) and its driver
// (schedule_driver.go, schedule_slots.go), the Runner (runner.go), one
// Subscriber per slot (subscriber.go, reconnect.go, redirect.go; run by
// a goroutine over HTTP/1.1, by engine_h2.go's Sinks over HTTP/2),
// the Recorder (recorder.go), the Aggregator (aggregator*.go) and the
// reportBuilder (report.go), which assembles the result.Report from the
// values every part returns. Around it: package transport builds every
// subscription request and secures and dials every connection; package
// sse reads the wire; package ids reads the event ids; package stamp reads
// a publish time the events carry (a passive LatencySource); package
// publish is publisher mode (an ActiveSource); package urltmpl expands a
// per-subscriber URL template ({sub}, {sub%N}); package result
// (reports/result) is the schema the run produces. Package capacity (the
// limits search) and package shard build on the engine; package h2sub is
// the frame-level HTTP/2 client. The renderers (package reports) are not
// linked.
//
// A Schedule says how many subscribers should hold a stream at each moment:
// all at once, a linear ramp (Config.Ramp, Config.ConnectRate) then a hold,
// or k6-style Stages. The driver opens subscribers (at most Config.MaxDials
// handshakes at once) and closes the newest on a ramp-down.
//
// Two engines run the subscribers' sessions (sessionRunner): over HTTP/1.1
// each subscriber has a goroutine and its own TCP connection; over HTTP/2
// (--protocol h2c, h2) the frame-level engine loadgen/h2sub reads each
// connection's frames on one goroutine and hands every stream's headers,
// events and end to that subscriber's Sink, with no goroutine, pipe or
// buffer per stream. Both call the same per-stream measurement methods
// (subscriber.go: up, event, comment, down, attemptFailed), so a stream is
// measured, reconnected and classified the same way whatever carries it.
//
// The steady state is every moment when the schedule holds a constant
// target above 0 (the hold after a ramp; a stage whose target equals the
// previous one) and every subscriber it asks for has had its first answer
// (a stream or a failure). With a ramp it lasts Config.Duration; with Stages
// it is the sum of the holds. The headline numbers (events, rates, fan-out
// latency, inter-event gaps, events per subscriber) describe the steady
// state only, so a connection storm or a ramp-down does not blur them;
// report.Ramp holds the rest.
//
// Every measurement is booked by the time it was read: a Recorder hands
// timestamped batches to the aggregator without any lock shared with other
// subscribers or with the aggregator (recorder.go), the driver records
// phase switches in a phase log as they happen (phases.go), and the
// aggregator later books each entry in the phase and interval it fell in
// (aggregator_collect.go). So an overloaded process books the same numbers,
// only later, and the run still ends when the steady state has lasted
// Config.Duration: the driver never waits for aggregation.
//
// Every subscription request is built, checked and secured by package
// transport, as the capacity probes' are; the publish requests share its
// TLS settings and dialer.
//
// A stream that ends is reconnected as EventSource does (reconnect.go), and
// a self-check (selfcheck.go) tells when the load generator, not the server,
// was the bottleneck. Redirects are followed as EventSource does
// (redirect.go). Event ids are read as servers really send them (package
// ids): gaps and duplicates are counted only when the ids are sequences,
// per topic for composite ids, and replayed events after a reconnect are
// kept out of the fan-out latency (replay.go).
//
// Fan-out latency comes from a LatencySource (Config.Latency). A
// stamp.WallClock subtracts the publish time the server put in each event
// (the reference server's pub_ns, or a JSON field: stamp.NewJSON) from the
// receive time: both are wall-clock readings, comparable only on one host
// or between hosts with synchronised clocks. In publisher mode
// (Config.PublishURL) the run has an ActiveSource instead (active.go,
// package publish): ssebench publishes marked events itself and matches
// each delivery to its send time on its own monotonic clock, which makes
// any pub/sub server measurable without trusting its clock. The runner
// wires the active source once, into the driver, the subscribers and the
// report; without one its hooks do nothing.
//
// The package does no terminal or file I/O of its own: it returns a report
// and calls Config.Progress; the command decides what to print and where.
package loadgen
