// Package stamp reads the publish time a server put in each event, for
// fan-out latency from a stamp: WallClock subtracts it from the receive time,
// and NewJSON finds it in a JSON field of the event data (a number in s, ms,
// µs or ns, or an RFC 3339 string) with a scanner that does not allocate.
//
// In the data flow Schedule → Runner → Subscriber → sse.Reader → Recorder →
// Aggregator → Result, a stamp is the passive latency source
// (loadgen.Config.Latency): the subscriber hands it each event's data and
// receive time as sse.Reader delivers them, and the Recorder books the
// latency it returns. Both clocks are wall clocks, comparable on one host or
// between hosts whose clocks are in step; publisher mode (package publish)
// measures on one monotonic clock instead.
package stamp
