package loadgen

import "time"

// streamUp records a stream that started: connectUS from the request to the
// checked response headers, and reconnectUS from the end of the previous
// stream (-1 for a subscriber's first stream).
func (a *aggregator) streamUp(connectUS, reconnectUS int64) {
	now := a.pl.since(time.Now())
	a.connMu.Lock()
	if latencyInRange(connectUS) {
		_ = a.connect.RecordValue(connectUS)
		_ = a.headers.RecordValue(connectUS)
	}
	if reconnectUS >= 0 {
		a.reconnects++
		a.recAt = append(a.recAt, now)
		if latencyInRange(reconnectUS) {
			_ = a.reconnect.RecordValue(reconnectUS)
		}
	}
	a.connected++
	a.connMu.Unlock()
}

// streamDown records a stream that ended; e is nil when the run (or a
// ramp-down) closed it, else the classified reason.
func (a *aggregator) streamDown(e *ConnError) {
	a.connMu.Lock()
	a.connected--
	a.connMu.Unlock()
	if e != nil {
		a.failure(e)
	}
}

// headersAfter records the time to the response headers of an attempt that
// got headers but no stream (a 404, a 204, a wrong Content-Type).
func (a *aggregator) headersAfter(us int64) {
	a.connMu.Lock()
	if latencyInRange(us) {
		_ = a.headers.RecordValue(us)
	}
	a.connMu.Unlock()
}

// firstEventAfter records the time to a stream's first event.
func (a *aggregator) firstEventAfter(us int64) {
	a.connMu.Lock()
	if latencyInRange(us) {
		_ = a.firstEvent.RecordValue(us)
	}
	a.connMu.Unlock()
}

// failure counts a classified error: a failed connection attempt or a
// stream that failed after it was established.
func (a *aggregator) failure(e *ConnError) {
	now := a.pl.since(time.Now())
	a.connMu.Lock()
	a.errs[e.Class]++
	a.errAt = append(a.errAt, now)
	if _, ok := a.samples[e.Class]; !ok {
		a.samples[e.Class] = e.Err.Error()
	}
	a.connMu.Unlock()
}

// droppedSession records a subscriber session that ended without the stream
// it had lost: no reconnect was allowed, or none succeeded before the end.
func (a *aggregator) droppedSession() {
	a.connMu.Lock()
	a.dropped++
	a.connMu.Unlock()
}

// totalReconnects returns the successful reconnections so far.
func (a *aggregator) totalReconnects() int64 {
	a.connMu.Lock()
	defer a.connMu.Unlock()
	return a.reconnects
}

// takeBefore counts and removes the times in *ts before end. Call it with
// connMu held.
func takeBefore(ts *[]int64, end int64) int64 {
	var n int64
	kept := (*ts)[:0]
	for _, t := range *ts {
		if t < end {
			n++
		} else {
			kept = append(kept, t)
		}
	}
	*ts = kept
	return n
}
