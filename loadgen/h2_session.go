package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/ssebench/ssebench/loadgen/h2sub"
	"github.com/ssebench/ssebench/loadgen/sse"
	"github.com/ssebench/ssebench/loadgen/transport"
)

// h2Session is one session of a subscriber slot under the HTTP/2 engine:
// the h2sub.Sink of its stream, which hands what the stream does to the
// subscriber's measurement methods (subscriber.go), as run's goroutine
// does for HTTP/1.1.
//
// Threading: the stream's calls come from the goroutine of the connection
// it is open on, one at a time, and must not block. mu orders them with
// stop (a ramp-down, from the driver's goroutine), which makes the session
// inert before the slot's next session starts, so the slot's Recorder
// keeps one writer at a time. mu is contended only by that stop; the
// aggregator and publisher calls made from here are the ones every
// HTTP/1.1 subscriber makes (short critical sections, never held across
// I/O).
type h2Session struct {
	subscriber
	ss    *slots
	stats *transportStats

	mu        sync.Mutex
	stream    *h2sub.Stream  // set once Subscribe returned
	over      bool           // the session ended: no call is booked any more
	streaming bool           // the current opening has a stream up
	base      *h2sub.Request // the engine's request, which every reconnection starts from
	redir     *h2Redirect    // the redirects being followed; nil for none
}

// h2Redirect is the state of a redirect chain, as redirect.go follows it:
// the answer being followed, and the request of the current hop.
type h2Redirect struct {
	status int
	loc    string
	hop    *http.Request // nil for the first request
	hops   int
	fail   *ConnError // why the last redirect could not be followed
}

var (
	_ h2sub.SentSink    = (*h2Session)(nil)
	_ h2sub.CommentSink = h2DumpSession{}
)

// OnHeaders books a stream that began: a 200 text/event-stream answer.
// Other answers end in OnEnd, which books them.
func (x *h2Session) OnHeaders(st *h2sub.Stream, r *h2sub.Response) {
	x.stats.h2Responses.Add(1)
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case x.over:
	case isStream(r):
		x.streaming = true
		x.up(r.At, st.Bytes())
	case isRedirect(r.Status):
		for _, f := range r.Header {
			if f.Name == "location" && f.Value != "" {
				if x.redir == nil {
					x.redir = &h2Redirect{}
				}
				x.redir.status, x.redir.loc = r.Status, f.Value
			}
		}
	}
}

// OnEvent books one event.
func (x *h2Session) OnEvent(st *h2sub.Stream, ev *sse.Event) {
	x.mu.Lock()
	if !x.over {
		x.event(ev, st.Bytes())
	}
	x.mu.Unlock()
}

// OnComment books the comment lines of one DATA frame.
func (x *h2Session) OnComment(st *h2sub.Stream, n int) {
	x.mu.Lock()
	if !x.over {
		x.comments(time.Now(), st.Bytes(), uint64(n))
	}
	x.mu.Unlock()
}

// OnSent notes that the request is out (slots.unsent); it takes no lock,
// since it may come while the response is being handled.
func (x *h2Session) OnSent(*h2sub.Stream) { x.ss.sent(x.slot) }

// OnEnd books the end of an opening, a stream or a failed attempt, and
// answers reconnect.go's rules: an established session reconnects after
// the server's retry: or Config.ReconnectDelay, with Last-Event-ID; a
// first attempt is never retried; an answer that is not a stream stops it.
func (x *h2Session) OnEnd(st *h2sub.Stream, err error) (again bool, after time.Duration) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.over {
		return false, 0
	}
	now := time.Now()
	if errors.Is(err, h2sub.ErrClosed) { // the run is over: not a failure
		if x.streaming {
			x.tail(st.Bytes())
			x.down(now, nil)
		}
		x.end()
		return false, 0
	}
	if x.redir != nil && x.redir.loc != "" && !x.streaming && h2sub.ClassOf(err) == ClassStatus {
		if x.follow(st) {
			return true, 0 // the same attempt, at the new location
		}
	}
	cerr := x.connError(err)
	if x.streaming {
		x.streaming = false
		x.tail(st.Bytes())
		again = x.down(now, cerr)
	} else {
		again = x.attemptFailed(now, cerr)
	}
	if x.redir != nil {
		// Every reconnection starts again from the URL given.
		if x.redir.hop != nil {
			st.SetRequest(x.base)
		}
		x.redir = nil
	}
	if !again {
		x.end()
		return false, 0
	}
	after = x.cfg.ReconnectDelay
	if d, ok := st.Retry(); ok {
		after = d
	}
	x.startNS = x.rec.since(now.Add(after))
	return true, after
}

// follow follows the redirect answer st just had, as redirect.go does for
// HTTP/1.1 (within the target's host over HTTP/2), by reopening st at the
// new location. It returns false when the redirect cannot be followed;
// the attempt then fails with x.redir.fail's ClassRedirect.
func (x *h2Session) follow(st *h2sub.Stream) bool {
	r := x.redir
	cur := r.hop
	if cur == nil {
		var err error
		if cur, err = x.cfg.newRequest(context.Background(), x.id); err != nil {
			r.fail = &ConnError{Class: ClassRedirect, Err: err}
			return false
		}
	}
	resp := &http.Response{StatusCode: r.status, Status: fmt.Sprintf("%d %s", r.status, http.StatusText(r.status)),
		Header: http.Header{"Location": {r.loc}}}
	r.hops++
	next, cerr := x.subscriber.redirect(cur, resp, r.hops)
	r.loc = ""
	if cerr != nil {
		r.fail = cerr
		return false
	}
	body := ""
	if next.ContentLength > 0 {
		body = x.cfg.Body
	}
	r.hop = next
	x.stats.redirects.Add(1)
	st.SetRequest(h2Request(next, body))
	return true
}

// connError turns the error that ended an opening into the ConnError the
// report counts: the dialer's own (TLS, ALPN), a redirect that could not
// be followed, or h2sub's classified one.
func (x *h2Session) connError(err error) *ConnError {
	var ce *ConnError
	if errors.As(err, &ce) {
		return ce
	}
	if x.redir != nil && x.redir.fail != nil {
		return x.redir.fail
	}
	var he *h2sub.Error
	if errors.As(err, &he) {
		return &ConnError{Class: he.Class, Err: he.Err}
	}
	return &ConnError{Class: transport.LostClass(err, x.streaming), Err: err}
}

// end ends the session. mu is held.
func (x *h2Session) end() {
	x.over = true
	x.finish()
	x.ss.ended(x.slot)
}

// stop ends the session for a ramp-down: its stream is booked as closed
// (not a failure) and reset, and no later call of it is booked.
func (x *h2Session) stop() {
	x.mu.Lock()
	if x.over {
		x.mu.Unlock()
		return
	}
	if x.streaming {
		// The stream's last partial bytes are not booked: its reader
		// belongs to the connection's goroutine.
		x.down(time.Now(), nil)
	}
	x.end()
	st := x.stream
	x.mu.Unlock()
	st.Close()
}

// h2DumpSession is the first subscriber's Sink with --dump: it also writes
// each comment line to the dump, in stream order.
type h2DumpSession struct{ *h2Session }

// OnCommentLine writes a comment line to the dump.
func (d h2DumpSession) OnCommentLine(_ *h2sub.Stream, text []byte) {
	d.mu.Lock()
	if !d.over {
		writeDumpComment(d.dump, text)
	}
	d.mu.Unlock()
}

// isStream tells whether r starts a stream (transport.ResponseClass).
func isStream(r *h2sub.Response) bool {
	class, _ := transport.ResponseClass(r.Status, r.ContentType)
	return class == ""
}
