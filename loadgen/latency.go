package loadgen

import "time"

// A LatencySource measures an event's fan-out latency (publish to receive)
// from what the event carries.
type LatencySource interface {
	// Latency returns the latency of an event with this data, received at
	// received. ok is false when the event carries nothing this source can
	// measure. A negative latency (clock skew) is returned as is; the
	// recorder counts it as out of range. Latency is called concurrently
	// from every subscriber goroutine for every event: it must not block
	// and should not allocate.
	Latency(data []byte, received time.Time) (d time.Duration, ok bool)
	// Name describes the source for the report, e.g. "reference".
	Name() string
}

// WallClockStamp is a LatencySource for events that carry their publish
// time as a wall-clock reading: Parse extracts it in Unix nanoseconds. The
// latency is then only as true as the clocks of the publishing and the
// receiving hosts are in step (exact on one host).
type WallClockStamp struct {
	// Source names the stamp format for the report.
	Source string
	// Parse extracts the publish time, in Unix nanoseconds, from the data.
	Parse func(data []byte) (unixNano int64, ok bool)
}

// Latency implements LatencySource.
func (s WallClockStamp) Latency(data []byte, received time.Time) (time.Duration, bool) {
	ns, ok := s.Parse(data)
	if !ok {
		return 0, false
	}
	return time.Duration(received.UnixNano() - ns), true
}

// Name implements LatencySource.
func (s WallClockStamp) Name() string { return s.Source }

// LatencyOptions choose how fan-out latency is measured.
type LatencyOptions struct {
	// Latency measures each event's fan-out latency. nil means fan-out
	// latency is not measured (and the report says so).
	Latency LatencySource `json:"-"`
}

// validate lists the problems with o.
func (o *LatencyOptions) validate() []error { return nil }
