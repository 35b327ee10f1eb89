package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/ssebench/ssebench/loadgen/sse"
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
	// seqSeen and lastSeq follow the numeric event ids across
	// reconnections, so the events lost in between are counted.
	seqSeen bool
	lastSeq uint64
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
	defer func() {
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
		answer()
		if cerr != nil {
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
		s.rec.setUp(now, true)
		// Only the body is kept: the response's headers and request are
		// garbage from here on, which matters with thousands of streams.
		body := resp.Body
		resp = nil
		err := s.read(ctx, body, start)
		body.Close()
		s.rec.setUp(time.Now(), false)
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
	resp, err := s.open.open(req)
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
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "text/event-stream" {
		resp.Body.Close()
		return nil, &ConnError{Class: ClassContentType, Err: fmt.Errorf("Content-Type %q, want text/event-stream", ct)}
	}
	return resp, nil
}

// read consumes the stream. It returns the error that ended it (nil for a
// clean end of stream by the server).
func (s *subscriber) read(ctx context.Context, body io.Reader, start time.Time) error {
	rd := s.reader(body)
	var (
		ev        sse.Event
		lastBytes uint64
		comments  = rd.Comments() // rd counts over every stream of the session
		first     = true
		prevAt    time.Time // when the previous event on this stream arrived
		// resumed: this stream follows one that carried numeric ids, so
		// its first numeric id tells how many events the reconnect lost.
		resumed = s.seqSeen
	)
	lastBytes = rd.Bytes()
	src := s.cfg.Latency
	for rd.Next(&ev) {
		if first {
			first = false
			s.agg.firstEventAfter(ev.At.Sub(start).Microseconds())
		}
		latUS, oor := int64(-1), false
		if src != nil {
			if d, ok := src.Latency(ev.Data, ev.At); ok {
				latUS = d.Microseconds()
				oor = !latencyInRange(latUS)
			}
		}
		gapUS := int64(-1) // inter-event gap on this stream, µs
		if !prevAt.IsZero() {
			gapUS = ev.At.Sub(prevAt).Microseconds()
		}
		prevAt = ev.At
		var gaps, dups uint64
		if id, ok := parseSeq(ev.ID); ok {
			switch {
			case !s.seqSeen:
				s.seqSeen, s.lastSeq = true, id
			case id > s.lastSeq:
				gaps, s.lastSeq = id-s.lastSeq-1, id
			default:
				dups = 1
			}
			if resumed && gaps > 0 {
				s.rec.lost(ev.At, gaps)
			}
			resumed = false
		}
		n := rd.Bytes()
		s.rec.event(ev.At, latUS, oor, gapUS, n-lastBytes, gaps, dups)
		lastBytes = n
		if c := rd.Comments(); c != comments {
			s.rec.extra(ev.At, 0, c-comments, 0)
			comments = c
		}
		if s.dump != nil {
			writeDump(s.dump, &ev)
		}
	}
	tail := prevAt // the stream's last bytes came with or after its last event
	if tail.IsZero() {
		tail = time.Now()
	}
	s.rec.extra(tail, rd.Bytes()-lastBytes, rd.Comments()-comments, 0)
	err := rd.Err()
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		s.rec.extra(time.Now(), 0, 0, 1)
	}
	return err
}

// parseSeq parses a decimal sequence id without allocating.
func parseSeq(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// dumpLine is one event of the --dump file.
type dumpLine struct {
	Type string `json:"type"`
	Data string `json:"data"`
	ID   string `json:"id"`
}

// writeDump writes ev as one JSON line. Dump errors are ignored: the dump is
// a debugging aid and must not fail the measurement.
func writeDump(w io.Writer, ev *sse.Event) {
	b, err := json.Marshal(dumpLine{Type: string(ev.Type), Data: string(ev.Data), ID: string(ev.ID)})
	if err != nil {
		return
	}
	_, _ = w.Write(append(b, '\n'))
}
