package stamp

import "time"

// WallClock is a latency source (a loadgen.LatencySource) for events that
// carry their publish time as a wall-clock reading: Parse extracts it in
// Unix nanoseconds. The latency is then only as true as the clocks of the
// publishing and the receiving hosts are in step (exact on one host).
type WallClock struct {
	// Source names the stamp format for the report, e.g. "reference".
	Source string
	// Parse extracts the publish time, in Unix nanoseconds, from the data.
	// It is called concurrently for every event: it must not block and
	// should not allocate.
	Parse func(data []byte) (unixNano int64, ok bool)
}

// Latency returns the time from the publish time data carries to received;
// ok is false when Parse finds none. A negative latency (clock skew) is
// returned as is.
func (s WallClock) Latency(data []byte, received time.Time) (d time.Duration, ok bool) {
	ns, ok := s.Parse(data)
	if !ok {
		return 0, false
	}
	return time.Duration(received.UnixNano() - ns), true
}

// Name returns Source.
func (s WallClock) Name() string { return s.Source }
