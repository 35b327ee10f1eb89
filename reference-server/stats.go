package refserver

import "sync/atomic"

// Stats is a snapshot of the server's counters, for tests and /metrics.
// Counters only grow, except Subscribers.
type Stats struct {
	// Subscribers is how many streams are open now.
	Subscribers int64 `json:"subscribers"`
	// SubscribersTotal is how many streams were ever accepted.
	SubscribersTotal uint64 `json:"subscribers_total"`
	// EventsPublished counts events created (stamped and encoded), over
	// all topics. With Delay, some may still be waiting to be sent.
	EventsPublished uint64 `json:"events_published"`
	// FramesWritten counts deliveries: one per event per subscriber, once
	// its bytes were written to the connection. Frames waiting in a
	// subscriber's backlog are counted when the backlog drains.
	FramesWritten uint64 `json:"frames_written"`
	// BytesWritten counts the event bytes written to subscribers, response
	// headers excluded.
	BytesWritten uint64 `json:"bytes_written"`
	// SlowDisconnects counts subscribers disconnected because their backlog
	// exceeded Config.MaxBacklogBytes.
	SlowDisconnects uint64 `json:"slow_disconnects"`
	// Dropped counts deliveries lost: frames that were queued for, or
	// offered to, a subscriber as it was disconnected for being slow.
	Dropped uint64 `json:"dropped"`
}

// counters are the live values behind Stats. Hot paths do not touch them per
// frame: workers sum a round in a tally and add it once.
type counters struct {
	subscribers      atomic.Int64
	subscribersTotal atomic.Uint64
	published        atomic.Uint64
	framesWritten    atomic.Uint64
	bytesWritten     atomic.Uint64
	slowDisconnects  atomic.Uint64
	dropped          atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Subscribers:      c.subscribers.Load(),
		SubscribersTotal: c.subscribersTotal.Load(),
		EventsPublished:  c.published.Load(),
		FramesWritten:    c.framesWritten.Load(),
		BytesWritten:     c.bytesWritten.Load(),
		SlowDisconnects:  c.slowDisconnects.Load(),
		Dropped:          c.dropped.Load(),
	}
}

// tally accumulates what one goroutine wrote in one round, so that the
// shared atomics are touched once per round instead of once per frame
// (they would otherwise bounce between cores at every write).
type tally struct {
	frames, bytes, slow, dropped uint64
}

// addTo adds t to c and zeroes t.
func (t *tally) addTo(c *counters) {
	if t.frames != 0 {
		c.framesWritten.Add(t.frames)
	}
	if t.bytes != 0 {
		c.bytesWritten.Add(t.bytes)
	}
	if t.slow != 0 {
		c.slowDisconnects.Add(t.slow)
	}
	if t.dropped != 0 {
		c.dropped.Add(t.dropped)
	}
	*t = tally{}
}
