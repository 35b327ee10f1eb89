package refserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"golang.org/x/net/http2"
)

// h2Request is a request on an h2Conn whose body is still arriving.
type h2Request struct {
	req  *http.Request
	body []byte
}

// complete returns the request with the body received so far.
func (r *h2Request) complete() *http.Request {
	r.req.Body = io.NopCloser(bytes.NewReader(r.body))
	r.req.ContentLength = int64(len(r.body))
	return r.req
}

// onHeaders starts a request, or ends one whose body came with trailers.
func (c *h2Conn) onHeaders(f *http2.MetaHeadersFrame) error {
	id := f.StreamID
	c.mu.Lock()
	if br := c.bodies[id]; br != nil {
		// Trailers: they end the body; the handlers have no use for them.
		c.mu.Unlock()
		if !f.StreamEnded() {
			c.resetStream(id, http2.ErrCodeProtocol)
			return nil
		}
		c.mu.Lock()
		delete(c.bodies, id)
		c.mu.Unlock()
		c.dispatch(id, br.complete())
		return nil
	}
	if id%2 == 0 || id <= c.lastID {
		c.mu.Unlock()
		c.goAway(http2.ErrCodeProtocol)
		return fmt.Errorf("refserver: HEADERS on stream %d", id)
	}
	c.lastID = id
	refuse := c.goingAway || uint32(len(c.streams)+len(c.bodies)+len(c.handlers)+len(c.answers)) >= c.s.cfg.MaxStreams
	c.mu.Unlock()
	if refuse {
		// REFUSED_STREAM tells the client nothing was done: it may retry
		// on another connection.
		c.resetStream(id, http2.ErrCodeRefusedStream)
		return nil
	}
	if f.Truncated {
		// The header list was longer than MaxHeaderBytes (the Framer
		// stopped keeping fields): 431, as net/http answers.
		w := newH2Response()
		http.Error(w, "431 request header fields too large", http.StatusRequestHeaderFieldsTooLarge)
		c.answer(id, w)
		return nil
	}
	req, err := c.newRequest(f)
	if err != nil {
		c.resetStream(id, http2.ErrCodeProtocol)
		return nil
	}
	if !f.StreamEnded() {
		c.mu.Lock()
		c.bodies[id] = &h2Request{req: req}
		c.mu.Unlock()
		return nil
	}
	c.dispatch(id, req)
	return nil
}

// newRequest builds the http.Request of a HEADERS frame.
func (c *h2Conn) newRequest(f *http2.MetaHeadersFrame) (*http.Request, error) {
	method, path, authority := f.PseudoValue("method"), f.PseudoValue("path"), f.PseudoValue("authority")
	if method == "" || path == "" {
		return nil, errors.New("missing :method or :path")
	}
	u, err := url.ParseRequestURI(path)
	if err != nil {
		return nil, err
	}
	h := make(http.Header, len(f.RegularFields()))
	for _, hf := range f.RegularFields() {
		if connectionHeader[http.CanonicalHeaderKey(hf.Name)] || hf.Name == "te" && hf.Value != "trailers" {
			return nil, fmt.Errorf("connection-specific header field %q", hf.Name) // RFC 9113 §8.2.2
		}
		h.Add(hf.Name, hf.Value)
	}
	if authority == "" {
		authority = h.Get("Host")
	}
	return &http.Request{
		Method: method, URL: u, RequestURI: path, Proto: "HTTP/2.0", ProtoMajor: 2,
		Header: h, Host: authority, Body: http.NoBody,
		RemoteAddr: c.nc.RemoteAddr().String(), TLS: c.tls,
	}, nil
}

// dispatch answers a complete request: a subscription becomes an
// h2Stream; anything else runs the Server's handler on a goroutine of its
// own, whose context ends if the client resets the stream.
func (c *h2Conn) dispatch(id uint32, req *http.Request) {
	if req.Method == http.MethodGet && req.URL.Path == "/events" {
		c.subscribe(id, req)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cancel()
		return
	}
	c.handlers[id] = cancel
	c.mu.Unlock()
	go func() {
		defer cancel()
		w := newH2Response()
		c.s.mux.ServeHTTP(w, req.WithContext(ctx))
		c.respond(id, w)
	}()
}

// subscribe turns a GET /events into an h2Stream its worker writes.
func (c *h2Conn) subscribe(id uint32, req *http.Request) {
	w := newH2Response()
	sp, ok := c.s.admit(w, req)
	if !ok {
		c.answer(id, w)
		return
	}
	st := &h2Stream{c: c, id: id}
	st.init(&c.s.counters, sp, &c.s.cfg)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		st.end()
		return
	}
	st.window = c.initWin
	c.streams[id] = st
	c.mu.Unlock()
	if err := c.s.hub.subscribe(st); err != nil {
		st.end()
		w := newH2Response()
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		c.mu.Lock()
		st.gone = true
		delete(c.streams, id)
		c.mu.Unlock()
		c.answer(id, w)
	}
}
