package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/ssebench/ssebench/loadgen/ids"
	"github.com/ssebench/ssebench/loadgen/sse"
	"github.com/ssebench/ssebench/loadgen/transport"
)

// subscriber is one session of a subscriber slot, run by one goroutine: its
// first connection and every reconnection until the slot is closed.
type subscriber struct {
	id   int
	cfg  *Config
	open opener
	rec  *Recorder
	agg  *aggregator
	dump io.Writer // non-nil for the first subscriber only
	slot *slot     // the slot's lasting state; nil in tests that run a bare subscriber

	// rd is kept across reconnections: it holds the last event ID (sent
	// as Last-Event-ID) and the server's retry: value. nil before the
	// first stream.
	rd *sse.Reader
	// ids follows the event ids across reconnections (loadgen/ids), so
	// that gaps, duplicates and resets are counted as the stream's id
	// scheme allows.
	ids ids.Tracker
	// streams counts the streams of the session so far.
	streams int
	// lastBytes is rd.Bytes() when bytes were last booked: every event
	// and every comment books what was read since. lastAt is when that
	// booking happened on the current stream (the event's read time, a
	// comment's arrival); zero before the stream's first.
	lastBytes uint64
	lastAt    time.Time
	// act is the run's active source (publisher mode; active.go): the
	// session's streams join and leave its audience, and it judges each
	// event when there is no passive Config.Latency.
	act ActiveSource
}

// run holds the session: it connects, reads the stream, and reconnects when
// the stream ends, as reconnect.go describes, until ctx ends (the run's end
// or a ramp-down: not a failure). Every attempt holds one of dials, which
// bounds handshakes in flight. answered is called once, when the first
// attempt has an answer or the session ends without one.
func (s *subscriber) run(ctx context.Context, dials *semaphore.Weighted, answered func()) {
	first := true
	answer := func() {
		if first {
			first = false
			if s.slot != nil {
				s.slot.answered = true
			}
			answered()
		}
	}
	var (
		established bool      // the session had a stream
		lostAt      time.Time // when it lost it; zero while it holds one
	)
	s.act = s.cfg.activeSource()
	if s.cfg.LastEventID != "" {
		s.ids.Seed([]byte(s.cfg.LastEventID))
	}
	defer func() {
		s.rec.idTally(time.Now(), s.ids.Tally())
		if first {
			first = false
			answered() // cancelled before any answer: nothing to count
		}
		if !lostAt.IsZero() {
			s.agg.droppedSession()
		}
	}()
	for {
		if dials.Acquire(ctx, 1) != nil {
			return
		}
		start := time.Now()
		resp, cerr := s.connectOffStack(ctx)
		dials.Release(1)
		if ctx.Err() != nil {
			if cerr == nil {
				resp.Body.Close()
			}
			return
		}
		if cerr != nil {
			answer()
			if gotHeaders(cerr.Class) {
				s.agg.headersAfter(time.Since(start).Microseconds())
			}
			s.agg.failure(cerr)
			// A first attempt is never retried, so that the subscriber
			// counts as failed; a server's "stop" (204, a non-stream
			// answer) ends the session, as it does EventSource.
			if !established || !retryable(cerr.Class) || !s.waitReconnect(ctx) {
				return
			}
			continue
		}
		now := time.Now()
		reconnectUS := int64(-1)
		if established {
			reconnectUS = now.Sub(lostAt).Microseconds()
		}
		established, lostAt = true, time.Time{}
		if s.slot != nil {
			s.slot.connected = true
		}
		s.agg.streamUp(now.Sub(start).Microseconds(), reconnectUS)
		s.act.Join(s.id)
		// Answer only once the stream is in the publisher's audience: the
		// steady state (and publishing) may begin as soon as the last
		// subscriber answers, and an event published before its join
		// would be expected of one subscriber fewer and its delivery
		// not counted.
		answer()
		s.rec.setUp(now, true)
		// Only the body is kept: the response's headers and request are
		// garbage from here on, which matters with thousands of streams.
		body := resp.Body
		resp = nil
		err := s.read(ctx, body, start)
		body.Close()
		s.rec.setUp(time.Now(), false)
		s.act.Leave(s.id)
		if ctx.Err() != nil {
			s.agg.streamDown(nil)
			return
		}
		lostAt = time.Now()
		s.agg.streamDown(classifyRead(err))
		if s.cfg.NoReconnect || !s.waitReconnect(ctx) {
			return
		}
	}
}

// connectOffStack runs connect on a short-lived goroutine. Dialling, TLS
// and parsing the response need a deep stack; a goroutine's stack only
// shrinks back in steps, at garbage collections, so a subscriber that did
// its own connecting would keep an 8 KiB stack for the whole run. Reading
// a stream needs a small one. With thousands of subscribers per process
// that difference is about 4 KiB each, a third of an idle subscriber's cost.
func (s *subscriber) connectOffStack(ctx context.Context) (*http.Response, *ConnError) {
	type result struct {
		resp *http.Response
		cerr *ConnError
	}
	ch := make(chan result, 1)
	go func() {
		resp, cerr := s.connect(ctx)
		ch <- result{resp, cerr}
	}()
	r := <-ch
	return r.resp, r.cerr
}

// connect sends the request and checks the response the way EventSource
// does: status 200 and Content-Type text/event-stream, else the stream fails.
func (s *subscriber) connect(ctx context.Context) (*http.Response, *ConnError) {
	req, err := s.cfg.newRequest(ctx, s.id) // target.go: method, body, --header
	if err != nil {
		return nil, &ConnError{Class: ClassProtocol, Err: err}
	}
	s.setLastEventID(req) // on reconnection (reconnect.go)
	if s.slot != nil && s.slot.sent != nil {
		// Tell the slots when the request is out (schedule_slots.go).
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { s.slot.sent() }}))
	}
	resp, err := s.open.open(req)
	for hops := 1; err == nil && isRedirect(resp.StatusCode) && resp.Header.Get("Location") != ""; hops++ {
		resp.Body.Close()
		var cerr *ConnError
		if req, cerr = s.redirect(req, resp, hops); cerr != nil { // redirect.go
			return nil, cerr
		}
		s.open.stats().redirects.Add(1)
		resp, err = s.open.open(req)
	}
	if err != nil {
		return nil, classifyDial(err)
	}
	if cerr := noContent(resp); cerr != nil { // 204: stop (reconnect.go)
		return nil, cerr
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &ConnError{Class: ClassStatus, Err: fmt.Errorf("HTTP %s", resp.Status)}
	}
	ct := resp.Header.Get("Content-Type")
	if !transport.IsEventStream(ct) { // EventSource's rule
		resp.Body.Close()
		return nil, &ConnError{Class: ClassContentType, Err: fmt.Errorf("Content-Type %q, want text/event-stream", ct)}
	}
	return resp, nil
}

// read consumes the stream. It returns the error that ended it (nil for a
// clean end of stream by the server).
func (s *subscriber) read(ctx context.Context, body io.Reader, start time.Time) error {
	rd := s.reader(body)
	if s.streams++; s.streams > 1 {
		s.ids.Reconnected()
	}
	var (
		ev     sse.Event
		first  = true
		prevAt time.Time // when the previous event on this stream arrived
		// replays: events published before this stream began are
		// replays of a reconnection, not live fan-out (replay.go).
		replays = s.streams > 1
	)
	s.lastBytes, s.lastAt = rd.Bytes(), time.Time{}
	src := s.cfg.Latency
	for rd.Next(&ev) {
		if s.dump != nil {
			writeDump(s.dump, &ev)
		}
		n := rd.Bytes()
		if notice, ok := ids.ParseNotice(ev.Type, ev.Data); ok {
			// The server's lost notice: exactly the events it names are
			// missing, and it is not itself an event.
			st := s.ids.Notice(ev.ID, notice)
			s.rec.idNotice(ev.At, st.Gaps, st.Lost, st.Resets)
			s.rec.extra(ev.At, n-s.lastBytes, 0, 0)
			s.lastBytes, s.lastAt = n, ev.At
			continue
		}
		if first {
			first = false
			s.agg.firstEventAfter(ev.At.Sub(start).Microseconds())
		}
		latUS, oor := int64(-1), false
		if src != nil {
			if d, ok := src.Latency(ev.Data, ev.At); ok {
				latUS = d.Microseconds()
				oor = !latencyInRange(latUS)
				if replays && !oor && ev.At.Add(-d).Before(start) {
					s.agg.replay.record(latUS)
					latUS = -1
				}
			}
		} else {
			latUS, oor = s.published(&ev)
		}
		gapUS := int64(-1) // inter-event gap on this stream, µs
		if !prevAt.IsZero() {
			gapUS = ev.At.Sub(prevAt).Microseconds()
		}
		prevAt = ev.At
		st := s.ids.Observe(ev.ID)
		if st.Lost > 0 || st.Resets > 0 {
			s.rec.idNotice(ev.At, 0, st.Lost, st.Resets) // Gaps go with the event
		}
		s.rec.event(ev.At, latUS, oor, gapUS, n-s.lastBytes, st.Gaps, st.Dups)
		s.lastBytes, s.lastAt = n, ev.At
	}
	if n := rd.Bytes() - s.lastBytes; n > 0 {
		// The stream's last bytes (a partial event) came with or after
		// what was booked last.
		tail := s.lastAt
		if tail.IsZero() {
			tail = time.Now()
		}
		s.rec.extra(tail, n, 0, 0)
		s.lastBytes = rd.Bytes()
	}
	err := rd.Err()
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		s.rec.extra(time.Now(), 0, 0, 1)
	}
	return err
}

// published measures an event through the active source: the latency of a
// live delivery, -1 for anything else (a replay's latency goes to the
// replay log; a duplicate's is not kept; noActive judges nothing).
func (s *subscriber) published(ev *sse.Event) (latUS int64, oor bool) {
	d, replayed, ok := s.act.Deliver(s.id, ev.Data, ev.At)
	switch {
	case !ok:
		return -1, false
	case replayed:
		s.agg.replay.record(d.Microseconds())
		return -1, false
	}
	latUS = d.Microseconds()
	return latUS, !latencyInRange(latUS)
}

// comment books a comment line, and the bytes read up to it, as soon as the
// reader sees it, dated then (a heartbeat-only stream dispatches no event to
// book them with), and writes it to the dump.
func (s *subscriber) comment(text []byte) {
	n, now := s.rd.Bytes(), time.Now()
	s.rec.extra(now, n-s.lastBytes, 1, 0)
	s.lastBytes, s.lastAt = n, now
	if s.dump != nil {
		writeDumpComment(s.dump, text)
	}
}

// dumpLine is one event of the --dump file.
type dumpLine struct {
	Type string `json:"type"`
	Data string `json:"data"`
	ID   string `json:"id"`
}

// dumpComment is one comment of the --dump file.
type dumpComment struct {
	Comment string `json:"comment"`
}

// writeDump writes ev as one JSON line.
func writeDump(w io.Writer, ev *sse.Event) {
	writeDumpLine(w, dumpLine{Type: string(ev.Type), Data: string(ev.Data), ID: string(ev.ID)})
}

// writeDumpComment writes a comment's text as one JSON line.
func writeDumpComment(w io.Writer, text []byte) {
	writeDumpLine(w, dumpComment{Comment: string(text)})
}

// writeDumpLine writes v as one JSON line and flushes it when w buffers,
// so that someone tailing the dump sees each line as it arrives. Dump
// errors are ignored: the dump is a debugging aid and must not fail the
// measurement.
func writeDumpLine(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	_, _ = w.Write(append(b, '\n'))
	if f, ok := w.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
}
