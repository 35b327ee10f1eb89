package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/ssebench/ssebench/loadgen/sse"
)

// subscriber is one SSE subscription, run by one goroutine.
type subscriber struct {
	id   int
	cfg  *Config
	open opener
	rec  *Recorder
	agg  *aggregator
	dump io.Writer // non-nil for the first subscriber only
}

// run opens the stream, reads it until the run ends or the stream fails, and
// records everything. dial is called around the connection attempt so the
// runner can bound attempts in flight; it returns false when the run ended
// before a slot came free.
func (s *subscriber) run(ctx context.Context, acquire func() bool, release func()) {
	if !acquire() {
		return
	}
	start := time.Now()
	resp, cerr := s.connect(ctx)
	release()
	if cerr != nil {
		if ctx.Err() == nil {
			s.agg.failure(cerr, false)
		}
		return
	}
	s.agg.connectedOK(time.Since(start).Microseconds())
	err := s.read(ctx, resp.Body, start)
	resp.Body.Close()
	if ctx.Err() != nil {
		// The run ended and closed the stream: not a failure.
		s.agg.ended()
		return
	}
	s.agg.failure(classifyRead(err), true)
}

// connect sends the request and checks the response the way EventSource
// does: status 200 and Content-Type text/event-stream, else the stream fails.
func (s *subscriber) connect(ctx context.Context) (*http.Response, *ConnError) {
	req, err := http.NewRequestWithContext(context.WithValue(ctx, slotKey{}, s.id), http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return nil, &ConnError{Class: ClassProtocol, Err: err}
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("User-Agent", s.cfg.Tool)
	resp, err := s.open.open(req)
	if err != nil {
		return nil, classifyDial(err)
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
	rd := sse.NewReader(body, sse.Options{MaxEventBytes: s.cfg.MaxEventBytes})
	var (
		ev        sse.Event
		seen      bool   // a sequence id was seen on this stream
		last      uint64 // last sequence id
		lastBytes uint64
		comments  uint64
		first     = true
	)
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
		var gaps, dups uint64
		if id, ok := parseSeq(ev.ID); ok {
			switch {
			case !seen:
				seen, last = true, id
			case id > last:
				gaps, last = id-last-1, id
			default:
				dups = 1
			}
		}
		n := rd.Bytes()
		s.rec.event(latUS, oor, n-lastBytes, gaps, dups)
		lastBytes = n
		if c := rd.Comments(); c != comments {
			s.rec.extra(0, c-comments, 0)
			comments = c
		}
		if s.dump != nil {
			writeDump(s.dump, &ev)
		}
	}
	s.rec.extra(rd.Bytes()-lastBytes, rd.Comments()-comments, 0)
	err := rd.Err()
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		s.rec.extra(0, 0, 1)
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
