package refserver

import "sync/atomic"

// Stats is a snapshot of the server's counters, for tests, /stats and
// /metrics. Counters only grow, except the gauges Subscribers, BacklogBytes
// and Topics.
type Stats struct {
	// Subscribers is how many streams are open now.
	Subscribers int64 `json:"subscribers"`
	// SubscribersTotal is how many streams were ever accepted.
	SubscribersTotal uint64 `json:"subscribers_total"`
	// SubscribersRejected counts GET /events answered 503 because
	// Config.MaxSubscribers streams were open.
	SubscribersRejected uint64 `json:"subscribers_rejected"`
	// Unauthorized counts requests answered 401.
	Unauthorized uint64 `json:"unauthorized"`
	// Topics is how many topics exist.
	Topics int `json:"topics"`
	// EventsPublished counts events created (stamped and encoded), by the
	// generators and by POST /publish, over all topics. With Delay or
	// FlushInterval, some may still be waiting to be sent.
	EventsPublished uint64 `json:"events_published"`
	// PublishRequests counts POST /publish requests that published.
	PublishRequests uint64 `json:"publish_requests"`
	// FramesWritten counts deliveries: one per event per subscriber, once
	// its bytes were written to the connection (lost notices included,
	// heartbeats not). Frames waiting in a subscriber's backlog are counted
	// when the backlog drains.
	FramesWritten uint64 `json:"frames_written"`
	// BytesWritten counts the stream bytes written to subscribers, response
	// headers excluded.
	BytesWritten uint64 `json:"bytes_written"`
	// Flushes counts writes that pushed bytes to a client: system calls on
	// hijacked HTTP/1.1 connections, Flush calls on other streams. With
	// coalescing, FramesWritten / Flushes is the events per flush.
	Flushes uint64 `json:"flushes"`
	// Heartbeats counts heartbeat comments sent.
	Heartbeats uint64 `json:"heartbeats"`
	// BacklogBytes is how many bytes are queued on the server for
	// subscribers that read slower than events come, over all of them.
	BacklogBytes int64 `json:"backlog_bytes"`
	// SlowDisconnects counts subscribers disconnected because their backlog
	// would have exceeded Config.MaxBacklogBytes (SlowDisconnect).
	SlowDisconnects uint64 `json:"slow_disconnects"`
	// Dropped counts deliveries lost: events skipped because they did not
	// fit a backlog (SlowDrop), and events that were queued for, or
	// offered to, a subscriber as it was disconnected for being slow.
	Dropped uint64 `json:"dropped"`
	// Resumes counts subscriptions that came with a Last-Event-ID.
	Resumes uint64 `json:"resumes"`
	// EventsLost counts the events resuming subscribers were told they
	// lost, because they had left the replay ring.
	EventsLost uint64 `json:"events_lost"`
}

// TopicStats is a snapshot of one topic's counters.
type TopicStats struct {
	// Name is the topic's name.
	Name string `json:"name"`
	// Subscribers is how many open streams include the topic.
	Subscribers int64 `json:"subscribers"`
	// EventsPublished counts the topic's events.
	EventsPublished uint64 `json:"events_published"`
	// LastID is the id of the topic's last event; 0 before the first.
	LastID uint64 `json:"last_id"`
	// Deliveries counts the topic's events handed to a stream: written,
	// or queued to be written.
	Deliveries uint64 `json:"deliveries"`
	// Dropped counts the topic's events a stream skipped (SlowDrop) or
	// was offered as it was disconnected for being slow.
	Dropped uint64 `json:"dropped"`
}

// counters are the live values behind Stats. Hot paths do not touch them per
// frame: workers sum a round in a tally and add it once.
type counters struct {
	subscribers         atomic.Int64
	subscribersTotal    atomic.Uint64
	subscribersRejected atomic.Uint64
	unauthorized        atomic.Uint64
	published           atomic.Uint64
	publishRequests     atomic.Uint64
	framesWritten       atomic.Uint64
	bytesWritten        atomic.Uint64
	flushes             atomic.Uint64
	heartbeats          atomic.Uint64
	backlogBytes        atomic.Int64
	slowDisconnects     atomic.Uint64
	dropped             atomic.Uint64
	resumes             atomic.Uint64
	eventsLost          atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Subscribers:         c.subscribers.Load(),
		SubscribersTotal:    c.subscribersTotal.Load(),
		SubscribersRejected: c.subscribersRejected.Load(),
		Unauthorized:        c.unauthorized.Load(),
		EventsPublished:     c.published.Load(),
		PublishRequests:     c.publishRequests.Load(),
		FramesWritten:       c.framesWritten.Load(),
		BytesWritten:        c.bytesWritten.Load(),
		Flushes:             c.flushes.Load(),
		Heartbeats:          c.heartbeats.Load(),
		BacklogBytes:        c.backlogBytes.Load(),
		SlowDisconnects:     c.slowDisconnects.Load(),
		Dropped:             c.dropped.Load(),
		Resumes:             c.resumes.Load(),
		EventsLost:          c.eventsLost.Load(),
	}
}

// reserve counts a new stream unless max (if not 0) are open. It is exact:
// with max streams open, every further request is refused until one ends.
func (c *counters) reserve(max int) bool {
	for {
		n := c.subscribers.Load()
		if max > 0 && n >= int64(max) {
			c.subscribersRejected.Add(1)
			return false
		}
		if c.subscribers.CompareAndSwap(n, n+1) {
			c.subscribersTotal.Add(1)
			return true
		}
	}
}

// tally accumulates what one goroutine wrote in one round, so that the
// shared atomics are touched once per round instead of once per frame
// (they would otherwise bounce between cores at every write).
type tally struct {
	frames, bytes, flushes, heartbeats, slow, dropped uint64
	backlog                                           int64 // change of the bytes queued on the server
	// accepted and rejected count the events of the current deliver
	// call that a stream took and did not take; the worker moves them to
	// the topic's counters after each batch.
	accepted, rejected uint64
}

// addTo adds t to c and zeroes t.
func (t *tally) addTo(c *counters) {
	if t.frames != 0 {
		c.framesWritten.Add(t.frames)
	}
	if t.bytes != 0 {
		c.bytesWritten.Add(t.bytes)
	}
	if t.flushes != 0 {
		c.flushes.Add(t.flushes)
	}
	if t.heartbeats != 0 {
		c.heartbeats.Add(t.heartbeats)
	}
	if t.backlog != 0 {
		c.backlogBytes.Add(t.backlog)
	}
	if t.slow != 0 {
		c.slowDisconnects.Add(t.slow)
	}
	if t.dropped != 0 {
		c.dropped.Add(t.dropped)
	}
	*t = tally{}
}

// addTopic moves the accepted and rejected events of t's last batch to
// the topic's counters.
func (t *tally) addTopic(tp *topic) {
	if t.accepted != 0 {
		tp.delivered.Add(t.accepted)
	}
	if t.rejected != 0 {
		tp.dropped.Add(t.rejected)
	}
	t.accepted, t.rejected = 0, 0
}
