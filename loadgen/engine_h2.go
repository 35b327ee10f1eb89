package loadgen

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/ssebench/ssebench/loadgen/h2sub"
)

// h2Engine runs HTTP/2 subscribers (--protocol h2c, h2) on the frame-level
// engine loadgen/h2sub: one goroutine per TCP connection reads its frames
// and feeds each stream's events to that stream's h2Session, a Sink; no
// subscriber has a goroutine of its own.
//
// There is one h2sub.Client per Config.Connections slot, and subscriber i
// uses slot i mod Connections, as the streams were spread before: each
// Client fills a connection up to the server's
// SETTINGS_MAX_CONCURRENT_STREAMS and opens another beside it when it is
// full, so Connections is how many connections are open at least (when
// there are that many subscribers), not a cap.
//
// Every subscriber's request is its own URL's (Config.URL may be a
// template): the requests of a template with only {sub%N} are built once,
// one per distinct URL, and shared, so an idle stream costs no more than
// with a plain URL; a bare {sub} gives each subscriber a copy of the
// request with its own path (h2sub.Request.WithPath).
//
// Redirects are followed as over HTTP/1.1 (redirect.go), within the
// target's host: the stream is reopened at the new location.
type h2Engine struct {
	d       *dialer
	clients []*h2sub.Client
	cfg     *Config
	reqs    []*h2sub.Request // by run index mod len(reqs); nil for one per subscriber
	base    *h2sub.Request   // subscriber 0's, the model of a per-subscriber request
	lastID  string           // --last-event-id, the first request's Last-Event-ID
	ss      *slots
	// sessions holds each slot's latest session, by slot index: kept here,
	// not in the slot, so HTTP/1.1 slots do not pay for it.
	sessions []*h2Session
}

// newH2Engine builds the Clients of a run whose target d dials.
func newH2Engine(cfg *Config, d *dialer) (*h2Engine, error) {
	e := &h2Engine{d: d, cfg: cfg, lastID: cfg.LastEventID}
	base, err := e.build(0)
	if err != nil {
		return nil, err
	}
	e.base = base
	if t := cfg.template(); t != nil && t.Distinct() > 0 {
		// Subscriber i's URL is that of run index i mod Distinct.
		e.reqs = make([]*h2sub.Request, t.Distinct())
		for k := range e.reqs {
			if e.reqs[k], err = e.build(k); err != nil {
				return nil, err
			}
		}
	}
	// One dial function for both schemes: the dialer does TCP from the
	// source addresses in turn, and TLS with the run's one TLS config
	// (ALPN h2, http/1.1) for https, whose ALPN answer is checked here.
	dial := func(ctx context.Context, _, addr string) (net.Conn, error) {
		c, err := d.dialNext(ctx, addr)
		if err != nil {
			return nil, err
		}
		if tc, ok := c.(*tls.Conn); ok {
			if e := alpnMismatch(tc, alpnH2); e != nil {
				c.Close()
				return nil, e
			}
		}
		return c, nil
	}
	hc := h2sub.Config{
		URL:           cfg.TargetURL(),
		TLS:           d.tls,
		Dial:          dial,
		DialTLS:       dial,
		MaxDials:      max(1, cfg.MaxDials/cfg.Connections),
		HeaderTimeout: cfg.ConnectTimeout,
		MaxEventBytes: cfg.MaxEventBytes,
		Ready:         d.stats.h2Advertised,
	}
	for range min(cfg.Connections, max(cfg.Subscribers, 1)) {
		c, err := h2sub.NewClient(hc)
		if err != nil {
			e.close()
			return nil, fmt.Errorf("loadgen: HTTP/2 engine: %w", err)
		}
		e.clients = append(e.clients, c)
	}
	return e, nil
}

// build returns the request of run index i (Config.URL's template
// expanded for i) in h2sub's form, from the one request builder
// (target.go).
func (e *h2Engine) build(i int) (*h2sub.Request, error) {
	c := *e.cfg
	c.SubIndexBase, c.SubIndexStep = i, 1
	hreq, err := c.newRequest(context.Background(), 0)
	if err != nil {
		return nil, err
	}
	return h2Request(hreq, e.cfg.Body), nil
}

// request returns the request of this process's subscriber id: a shared
// one, or for a bare {sub} a copy of the base request with the
// subscriber's own path.
func (e *h2Engine) request(id int) *h2sub.Request {
	i := e.cfg.subIndex(id)
	if e.reqs != nil {
		return e.reqs[i%len(e.reqs)]
	}
	u, err := url.Parse(e.cfg.subscriberURL(id))
	if err != nil {
		return e.base // Validate parsed index 0's; a later index differs only in digits
	}
	return e.base.WithPath(u.RequestURI())
}

// h2Request turns the request the one request builder made into h2sub's
// form: method, path, headers (Host becomes :authority) and body.
func h2Request(req *http.Request, body string) *h2sub.Request {
	h := req.Header.Clone()
	if req.Host != "" {
		h.Set("Host", req.Host)
	}
	if h.Get("User-Agent") == "" {
		h.Del("User-Agent") // none wanted; net/http would send none either
	}
	h.Del("Last-Event-ID") // per stream (h2Engine.start)
	r := &h2sub.Request{Method: req.Method, Path: req.URL.RequestURI(), Header: h}
	if body != "" {
		r.Body = []byte(body)
	}
	return r
}

// runner returns e itself: the run's end is wait's Client.Close, not the
// context's cancellation.
func (e *h2Engine) runner(_ context.Context, ss *slots) sessionRunner {
	e.ss = ss
	e.sessions = make([]*h2Session, len(ss.list))
	return e
}

// start subscribes slot sl's new session. The session's Sink calls come
// from the Client's connection goroutines.
func (e *h2Engine) start(sl *slot, s subscriber) {
	req := e.request(s.id)
	x := &h2Session{subscriber: s, ss: e.ss, stats: e.d.stats, base: req}
	e.sessions[s.id] = x
	x.begin(s.answered)
	x.startNS = x.rec.since(time.Now())
	var sink h2sub.Sink = x
	if x.dump != nil {
		sink = h2DumpSession{x}
	}
	c := e.clients[s.id%len(e.clients)]
	st := c.Subscribe(req, sink, e.lastID)
	x.mu.Lock()
	x.stream = st
	x.mu.Unlock()
}

func (e *h2Engine) stop(i int, _ *slot) {
	if x := e.sessions[i]; x != nil {
		x.stop()
	}
}

// wait closes every Client: each open or waiting stream's Sink hears
// h2sub.ErrClosed and ends its session, and Close returns once no
// connection goroutine runs.
func (e *h2Engine) wait() { e.close() }

func (e *h2Engine) close() {
	for _, c := range e.clients {
		c.Close()
	}
}

func (e *h2Engine) stats() *transportStats { return e.d.stats }
