package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptrace"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/ssebench/ssebench/loadgen/ids"
	"github.com/ssebench/ssebench/loadgen/sse"
	"github.com/ssebench/ssebench/loadgen/transport"
)

// subscriber is one session of a subscriber slot: its first connection and
// every reconnection until the slot is closed. Its methods below (begin,
// up, event, comment, tail, down, attemptFailed, finish) are the one copy
// of what a stream measures; both engines call them: run's goroutine for
// HTTP/1.1 (this file), a connection's goroutine through h2Session for
// HTTP/2 (engine_h2.go). Only one goroutine calls them at a time.
type subscriber struct {
	id   int
	cfg  *Config
	open *h1Opener // the HTTP/1.1 engine's; nil under HTTP/2
	rec  *Recorder
	agg  *aggregator
	dump *bufio.Writer // non-nil for the first subscriber only, with --dump
	slot *slot         // the slot's lasting state; nil in tests that run a bare subscriber
	// answered is called once, when the first attempt has an answer or
	// the session ends without one (slots.answer).
	answered func()

	// rd is kept across reconnections: it holds the last event ID (sent
	// as Last-Event-ID) and the server's retry: value. nil before the
	// first stream, and under HTTP/2, whose streams own their reader.
	rd *sse.Reader
	// ids follows the event ids across reconnections (loadgen/ids), so
	// that gaps, duplicates and resets are counted as the stream's id
	// scheme allows.
	ids ids.Tracker
	// lastBytes is the reader's byte count when bytes were last booked:
	// every event and every comment books what was read since. lastNS is
	// when that booking happened on the current stream (the event's read
	// time, a comment's arrival); none before the stream's first.
	lastBytes uint64
	lastNS    int64
	// startNS is when the current attempt began; prevNS when the previous
	// event of the current stream arrived (none before its first); lostNS
	// when the session lost its stream (none while it holds one). Times
	// are ns since the run started (Recorder.since), or noTime: a
	// subscriber is held by the thousand, and a time.Time is three times
	// the size.
	startNS, prevNS, lostNS int64
	// streams counts the streams of the session so far.
	streams     int32
	established bool // the session had a stream
	firstEvent  bool // the current stream has had no event yet
	replays     bool // the current stream is a reconnection's: its old events are replays (replay.go)
	unanswered  bool // answered is still to be called
	// act is the run's active source (publisher mode; active.go): the
	// session's streams join and leave its audience, and it judges each
	// event when there is no passive Config.Latency.
	act ActiveSource
}

// run holds an HTTP/1.1 session: it connects, reads the stream, and
// reconnects when the stream ends, as reconnect.go describes, until ctx
// ends (the run's end or a ramp-down: not a failure). Every attempt holds
// one of dials, which bounds handshakes in flight. answered is called
// once, when the first attempt has an answer or the session ends without
// one.
func (s *subscriber) run(ctx context.Context, dials *semaphore.Weighted, answered func()) {
	s.begin(answered)
	defer s.finish()
	for {
		if dials.Acquire(ctx, 1) != nil {
			return
		}
		s.startNS = s.rec.since(time.Now())
		resp, cerr := s.connectOffStack(ctx)
		dials.Release(1)
		if ctx.Err() != nil {
			if cerr == nil {
				resp.Body.Close()
			}
			return
		}
		if cerr != nil {
			if !s.attemptFailed(time.Now(), cerr) || !s.waitReconnect(ctx) {
				return
			}
			continue
		}
		var n uint64
		if s.rd != nil {
			n = s.rd.Bytes()
		}
		s.up(time.Now(), n)
		// Only the body is kept: the response's headers and request are
		// garbage from here on, which matters with thousands of streams.
		body := resp.Body
		resp = nil
		err := s.read(body)
		body.Close()
		var cerr2 *ConnError // nil: the run or a ramp-down ended the stream
		if ctx.Err() == nil {
			cerr2 = classifyRead(err)
		}
		if !s.down(time.Now(), cerr2) || !s.waitReconnect(ctx) {
			return
		}
	}
}

// noTime marks a subscriber time that is not set.
const noTime = int64(-1)

// usBetween returns the µs from a to b, times in ns since the run started.
func usBetween(a, b int64) int64 { return (b - a) / int64(time.Microsecond) }

// begin starts a session; answered is called once, when its first attempt
// has an answer or the session ends without one.
func (s *subscriber) begin(answered func()) {
	s.answered, s.unanswered = answered, true
	s.prevNS, s.lostNS, s.lastNS = noTime, noTime, noTime
	s.act = s.cfg.activeSource()
	if s.cfg.LastEventID != "" {
		s.ids.Seed([]byte(s.cfg.LastEventID))
	}
}

// answer reports the session's first answer, once.
func (s *subscriber) answer() {
	if s.unanswered {
		s.unanswered = false
		if s.slot != nil {
			s.slot.answered = true
		}
		s.answered()
	}
}

// finish ends the session: its id tally, its answer if it never had one
// (cancelled before any: nothing to count), and a stream it lost without
// getting another.
func (s *subscriber) finish() {
	s.rec.idTally(time.Now(), s.ids.Tally())
	if s.unanswered {
		s.unanswered = false
		s.answered()
	}
	if s.lostNS != noTime {
		s.agg.droppedSession()
	}
}

// attemptFailed books a failed attempt, known at now, and tells whether it
// is retried: a first attempt is never retried, so that the subscriber
// counts as failed; a server's "stop" (204, a non-stream answer) ends the
// session, as it does EventSource.
func (s *subscriber) attemptFailed(now time.Time, cerr *ConnError) (retry bool) {
	s.answer()
	if gotHeaders(cerr.Class) {
		s.agg.headersAfter(usBetween(s.startNS, s.rec.since(now)))
	}
	s.agg.failure(cerr)
	return s.established && retryable(cerr.Class)
}

// up books a stream that began at now (its checked response headers); n is
// the session reader's byte count then.
func (s *subscriber) up(now time.Time, n uint64) {
	nowNS := s.rec.since(now)
	reconnectUS := int64(-1)
	if s.established {
		reconnectUS = usBetween(s.lostNS, nowNS)
	}
	s.established, s.lostNS = true, noTime
	if s.slot != nil {
		s.slot.connected = true
	}
	s.agg.streamUp(usBetween(s.startNS, nowNS), reconnectUS)
	s.act.Join(s.id)
	// Answer only once the stream is in the publisher's audience: the
	// steady state (and publishing) may begin as soon as the last
	// subscriber answers, and an event published before its join
	// would be expected of one subscriber fewer and its delivery
	// not counted.
	s.answer()
	s.rec.setUp(now, true)
	if s.streams++; s.streams > 1 {
		s.ids.Reconnected()
	}
	// Events published before a reconnection's stream began are replays,
	// not live fan-out (replay.go).
	s.firstEvent, s.prevNS, s.replays = true, noTime, s.streams > 1
	s.lastBytes, s.lastNS = n, noTime
}

// down books the end of the current stream at now, with the reason: nil
// when the run or a ramp-down closed it, else the classified failure (or
// ClassEOF). It tells whether the session reconnects.
func (s *subscriber) down(now time.Time, cerr *ConnError) (reconnect bool) {
	if cerr != nil && cerr.Class != ClassEOF {
		s.rec.extra(now, 0, 0, 1)
	}
	s.rec.setUp(now, false)
	s.act.Leave(s.id)
	s.agg.streamDown(cerr)
	if cerr == nil {
		return false
	}
	s.lostNS = s.rec.since(now)
	return !s.cfg.NoReconnect
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
	// EventSource's rule (transport.ResponseClass); 204 is the server's
	// "stop" (reconnect.go).
	if class, err := transport.ResponseClass(resp.StatusCode, resp.Header.Get("Content-Type")); err != nil {
		resp.Body.Close()
		return nil, &ConnError{Class: class, Err: err}
	}
	return resp, nil
}

// read consumes an HTTP/1.1 stream. It returns the error that ended it
// (nil for a clean end of stream by the server).
func (s *subscriber) read(body io.Reader) error {
	rd := s.reader(body)
	var ev sse.Event
	for rd.Next(&ev) {
		s.event(&ev, rd.Bytes())
	}
	s.tail(rd.Bytes())
	return rd.Err()
}

// event books one event of the current stream; n is the reader's byte
// count after it.
func (s *subscriber) event(ev *sse.Event, n uint64) {
	if s.dump != nil {
		writeDump(s.dump, ev)
	}
	if notice, ok := ids.ParseNotice(ev.Type, ev.Data); ok {
		// The server's lost notice: exactly the events it names are
		// missing, and it is not itself an event.
		st := s.ids.Notice(ev.ID, notice)
		s.rec.idNotice(ev.At, st.Gaps, st.Lost, st.Resets)
		s.rec.extra(ev.At, n-s.lastBytes, 0, 0)
		s.lastBytes, s.lastNS = n, s.rec.since(ev.At)
		return
	}
	atNS := s.rec.since(ev.At)
	if s.firstEvent {
		s.firstEvent = false
		s.agg.firstEventAfter(usBetween(s.startNS, atNS))
	}
	latUS, oor := int64(-1), false
	if src := s.cfg.Latency; src != nil {
		if d, ok := src.Latency(ev.Data, ev.At); ok {
			latUS = d.Microseconds()
			oor = !latencyInRange(latUS)
			if s.replays && !oor && atNS-int64(d) < s.startNS {
				s.agg.replay.record(latUS)
				latUS = -1
			}
		}
	} else {
		latUS, oor = s.published(ev)
	}
	gapUS := int64(-1) // inter-event gap on this stream, µs
	if s.prevNS != noTime {
		gapUS = usBetween(s.prevNS, atNS)
	}
	s.prevNS = atNS
	st := s.ids.Observe(ev.ID)
	if st.Lost > 0 || st.Resets > 0 {
		s.rec.idNotice(ev.At, 0, st.Lost, st.Resets) // Gaps go with the event
	}
	s.rec.event(ev.At, latUS, oor, gapUS, n-s.lastBytes, st.Gaps, st.Dups)
	s.lastBytes, s.lastNS = n, atNS
}

// tail books the stream's last bytes (a partial event), which came with or
// after what was booked last; n is the reader's byte count at the end.
func (s *subscriber) tail(n uint64) {
	if d := n - s.lastBytes; d > 0 {
		at := time.Now()
		if s.lastNS != noTime {
			at = s.rec.t0.Add(time.Duration(s.lastNS))
		}
		s.rec.extra(at, d, 0, 0)
		s.lastBytes = n
	}
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
	s.comments(time.Now(), s.rd.Bytes(), 1)
	if s.dump != nil {
		writeDumpComment(s.dump, text)
	}
}

// comments books lines comment lines seen at now; n is the reader's byte
// count then.
func (s *subscriber) comments(now time.Time, n, lines uint64) {
	s.rec.extra(now, n-s.lastBytes, lines, 0)
	s.lastBytes, s.lastNS = n, s.rec.since(now)
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
