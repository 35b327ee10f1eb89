// Package publish is publisher mode (loadgen's --publish-url): ssebench
// publishes marked events itself and measures their fan-out on its own
// monotonic clock, so any pub/sub server is measurable without trusting its
// clock or its event format.
//
// It owns the publish side and the audience side of the measurement:
//
//   - the publish clock (clock.go): steady-state time, paused between the
//     holds of a staged run, so request k is due at k/Rate of steady state;
//   - the workers and the publish request (worker.go, client.go): an open
//     model with at most Concurrency requests in flight, the body rendered
//     from its template per request (body.go), latency measured from when a
//     request was due (coordinated omission);
//   - the table of what was sent (table.go): send time, audience, epoch,
//     deliveries, read lock-free from every subscriber;
//   - the audience (audience.go): streams join and leave it, and each
//     delivery is judged live, replayed or a duplicate, so the delivery
//     ratio counts each event once for each subscriber that held a stream
//     when it was published and never exceeds 1;
//   - the drain after the steady state (drain.go) and the report's publish
//     part with its warnings (report.go).
//
// In the data flow Schedule → Runner → Subscriber → sse.Reader → Recorder →
// Aggregator → Result, a Publisher is the run's active latency source
// (loadgen.ActiveSource): the Runner starts and stops it with the steady
// state and drains it at the end, each Subscriber joins and leaves its
// audience and hands it every event sse.Reader delivers, the Recorder books
// the latency it returns, and its part of the report joins the
// Aggregator's in the Result.
//
// The publish requests share the subscribers' TLS settings and dialer
// (package transport). They are not built by transport.Request, which
// builds subscription requests (EventSource's Accept, Cache-Control and
// Last-Event-ID, one body shared by every request); a publish request has
// its own method and headers and a body rendered per request into the
// worker's reused buffer.
package publish
