package h2sub

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"golang.org/x/net/http2"

	"github.com/ssebench/ssebench/loadgen/transport"
)

// errGoneAway ends a connection whose streams all finished after GOAWAY.
var errGoneAway = errors.New("the server sent GOAWAY")

// maxRefused bounds how often one stream is moved to another connection
// because a server refused it unprocessed (REFUSED_STREAM, or above a
// GOAWAY's last stream ID), so a server that refuses everything cannot keep
// a stream bouncing.
const maxRefused = 3

// readLoop is the connection's one goroutine: it reads frames and handles
// them, then ends every stream still open.
func (c *conn) readLoop() {
	defer c.client.wg.Done()
	err := c.readFrames()
	c.teardown(err)
}

// readFrames reads and handles frames until the connection fails or ends.
// Frames the handlers write (WINDOW_UPDATE, acknowledgements) are flushed
// once the frames already read are handled, so many streams' updates leave
// in one write.
func (c *conn) readFrames() error {
	if err := c.checkPreface(); err != nil {
		return err
	}
	first := true
	for {
		if c.br.Buffered() == 0 {
			c.wmu.Lock()
			c.flushLocked()
			c.wmu.Unlock()
		}
		f, err := c.fr.ReadFrame()
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				c.cbmu.Lock()
				c.streamFailed(se.StreamID, se, true)
				c.cbmu.Unlock()
				continue
			}
			if ce, ok := err.(http2.ConnectionError); ok {
				c.goAway(http2.ErrCode(ce))
				if d := c.fr.ErrorDetail(); d != nil {
					err = fmt.Errorf("%w: %v", err, d)
				}
			}
			return err
		}
		if first {
			first = false
			if _, ok := f.(*http2.SettingsFrame); !ok {
				c.goAway(http2.ErrCodeProtocol)
				return fmt.Errorf("the server's first frame is %v, not SETTINGS", f.Header().Type)
			}
		}
		c.cbmu.Lock()
		err = c.handle(f)
		c.cbmu.Unlock()
		if err != nil {
			return err
		}
	}
}

// checkPreface tells a server that does not speak HTTP/2 from one that
// does, for a clear protocol_mismatch instead of a frame error: an HTTP/2
// server's first frame is SETTINGS, so a first frame header of another
// type, an HTTP/1 status line, or a close before nine bytes is a server of
// another protocol.
func (c *conn) checkPreface() error {
	head, err := c.br.Peek(9)
	if err != nil && (len(head) == 0 || !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)) {
		if errors.Is(err, io.EOF) {
			return mismatch("nothing")
		}
		return err
	}
	if bytes.HasPrefix(head, []byte("HTTP/")) {
		line, _ := c.br.Peek(min(c.br.Buffered(), 64))
		if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
			line = line[:i]
		}
		return &Error{Class: ClassProtocolMismatch, Err: fmt.Errorf(
			"asked for cleartext HTTP/2 (--protocol h2c, prior knowledge) but the server answered in HTTP/1 (%q); ssebench does not fall back to HTTP/1.1 (use --protocol h1 to measure over HTTP/1.1)", line)}
	}
	if len(head) < 9 || http2.FrameType(head[3]) != http2.FrameSettings {
		seen, _ := c.br.Peek(min(c.br.Buffered(), 48))
		return mismatch(strconv.Quote(string(seen)))
	}
	return nil
}

// mismatch is the failure of a server that sent what (quoted, or
// "nothing") instead of HTTP/2.
func mismatch(what string) *Error {
	return &Error{Class: ClassProtocolMismatch, Err: fmt.Errorf(
		"asked for cleartext HTTP/2 (--protocol h2c, prior knowledge) but the server does not speak it: it sent %s before closing; ssebench does not fall back (use --protocol h1 for HTTP/1.1)", what)}
}

// handle handles one frame. A non-nil error ends the connection.
func (c *conn) handle(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.DataFrame:
		return c.onData(f)
	case *http2.MetaHeadersFrame:
		return c.onHeaders(f)
	case *http2.SettingsFrame:
		return c.onSettings(f)
	case *http2.WindowUpdateFrame:
		return c.onWindowUpdate(f)
	case *http2.PingFrame:
		if !f.IsAck() {
			c.write(func(fr *http2.Framer) error { return fr.WritePing(true, f.Data) })
		}
	case *http2.GoAwayFrame:
		return c.onGoAway(f)
	case *http2.RSTStreamFrame:
		c.onReset(f)
	case *http2.PushPromiseFrame:
		c.goAway(http2.ErrCodeProtocol)
		return errors.New("the server sent PUSH_PROMISE, which the client disabled")
	}
	return nil // PRIORITY, unknown frame types: ignored, as RFC 9113 asks
}

// lookup returns the open stream with id, or nil. An id the client never
// opened is a connection error.
func (c *conn) lookup(id uint32) (*Stream, uint8, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id%2 == 0 || id >= c.nextID {
		return nil, 0, fmt.Errorf("frame on stream %d, which the client did not open", id)
	}
	s := c.streams[id]
	if s == nil {
		return nil, 0, nil
	}
	return s, s.state, nil
}

// onData feeds a DATA frame to its stream's reader and returns the bytes
// to the flow-control windows once they are interpreted.
func (c *conn) onData(f *http2.DataFrame) error {
	n := int32(f.Header().Length) // padding counts against the windows too
	if n > c.recvWindow {
		c.goAway(http2.ErrCodeFlowControl)
		return fmt.Errorf("the server sent %d bytes beyond the connection window (%w)", n-c.recvWindow, http2.ConnectionError(http2.ErrCodeFlowControl))
	}
	c.recvWindow -= n
	c.unacked += n
	defer c.returnConnWindow()
	s, state, err := c.lookup(f.StreamID)
	if err != nil {
		c.goAway(http2.ErrCodeProtocol)
		return err
	}
	if s == nil || s.closed.Load() {
		return nil // a stream that ended or was closed: only the connection window counts
	}
	if state != stateStreaming {
		c.streamFailed(f.StreamID, errors.New("DATA before the response headers"), true)
		return nil
	}
	if n > s.recvWindow {
		c.streamFailed(f.StreamID, fmt.Errorf("the server sent %d bytes beyond the stream window", n-s.recvWindow), true)
		return nil
	}
	s.recvWindow -= n
	s.unacked += n
	if data := f.Data(); len(data) > 0 && !c.feed(s, data) {
		return nil
	}
	if f.StreamEnded() {
		s.rd.End(io.EOF)
		c.end(s, &Error{Class: ClassEOF, Err: errors.New("the server ended the stream")}, false)
		return nil
	}
	// Return the stream's bytes once half its window is used, so the
	// server never waits for a window while the client keeps up.
	if s.unacked >= int32(c.client.cfg.StreamWindowBytes/2) {
		id, inc := s.id, uint32(s.unacked)
		s.recvWindow += s.unacked
		s.unacked = 0
		c.write(func(fr *http2.Framer) error { return fr.WriteWindowUpdate(id, inc) })
	}
	return nil
}

// feed pushes a stream's DATA to its reader and reports the events and
// comments. It returns false when the stream ended (an event too large, or
// the Sink closed it).
func (c *conn) feed(s *Stream, data []byte) bool {
	s.rd.Push(data, c.tr.at)
	ev := &c.ev
	for s.rd.Next(ev) {
		s.sink.OnEvent(s, ev)
		if s.closed.Load() {
			for s.rd.Next(ev) { // drop the rest of the push
			}
			return false
		}
	}
	if err := s.rd.Err(); err != nil {
		c.end(s, &Error{Class: ClassTooLarge, Err: err}, true)
		return false
	}
	if n := s.rd.Comments(); n != s.comments && !s.closed.Load() {
		d := n - s.comments
		s.comments = n
		s.sink.OnComment(s, int(d))
	}
	return !s.closed.Load()
}

// returnConnWindow returns consumed bytes to the connection window once
// half of it is used.
func (c *conn) returnConnWindow() {
	if c.unacked < int32(c.client.cfg.ConnWindowBytes/2) {
		return
	}
	inc := uint32(c.unacked)
	c.recvWindow += c.unacked
	c.unacked = 0
	c.write(func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, inc) })
}

// onHeaders handles a stream's response headers, checked as EventSource
// checks them, or its trailers.
func (c *conn) onHeaders(f *http2.MetaHeadersFrame) error {
	s, state, err := c.lookup(f.StreamID)
	if err != nil {
		c.goAway(http2.ErrCodeProtocol)
		return err
	}
	if s == nil || s.closed.Load() {
		return nil
	}
	if state == stateStreaming { // trailers
		if !f.StreamEnded() {
			c.streamFailed(f.StreamID, errors.New("trailers without END_STREAM"), true)
			return nil
		}
		s.rd.End(io.EOF)
		c.end(s, &Error{Class: ClassEOF, Err: errors.New("the server ended the stream")}, false)
		return nil
	}
	status, err := strconv.Atoi(f.PseudoValue("status"))
	if err != nil || f.Truncated {
		c.streamFailed(f.StreamID, fmt.Errorf("malformed response headers (:status %q)", f.PseudoValue("status")), true)
		return nil
	}
	if status >= 100 && status < 200 && status != 101 && !f.StreamEnded() {
		return nil // informational: the final response follows
	}
	resp := Response{Status: status, Header: f.RegularFields(), At: c.tr.at}
	for _, hf := range resp.Header {
		if hf.Name == "content-type" {
			resp.ContentType = hf.Value
		}
	}
	c.mu.Lock()
	if c.streams[s.id] == s {
		s.state = stateStreaming
	}
	c.mu.Unlock()
	s.sink.OnHeaders(s, &resp)
	if s.closed.Load() {
		return nil
	}
	if cerr := checkResponse(&resp); cerr != nil {
		c.end(s, cerr, !f.StreamEnded())
		return nil
	}
	if f.StreamEnded() {
		s.rd.End(io.EOF)
		c.end(s, &Error{Class: ClassEOF, Err: errors.New("the server ended the stream")}, false)
	}
	return nil
}

// checkResponse fails a response the way EventSource does
// (transport.ResponseClass): status 200 and Content-Type
// text/event-stream, else the stream fails; 204 is the server's request to
// stop.
func checkResponse(r *Response) *Error {
	if class, err := transport.ResponseClass(r.Status, r.ContentType); err != nil {
		return &Error{Class: class, Err: err}
	}
	return nil
}

// onSettings applies the server's SETTINGS and acknowledges them; the
// first ones make the connection ready for streams.
func (c *conn) onSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	c.wmu.Lock()
	c.mu.Lock()
	advertised := false
	err := f.ForeachSetting(func(st http2.Setting) error {
		switch st.ID {
		case http2.SettingMaxConcurrentStreams:
			c.maxStreams, advertised = st.Val, true
		case http2.SettingInitialWindowSize:
			// A change applies to every open stream's window (§6.9.2).
			d := int32(st.Val) - c.peerWindow
			c.peerWindow = int32(st.Val)
			for _, s := range c.streams {
				s.sendWindow += d
			}
		case http2.SettingMaxFrameSize:
			c.peerFrame = st.Val
		case http2.SettingHeaderTableSize:
			c.henc.SetMaxDynamicTableSizeLimit(st.Val)
		}
		return nil
	})
	wasReady := c.isReady
	c.isReady = true
	c.unblockLocked()
	c.mu.Unlock()
	c.wrote(c.fr.WriteSettingsAck())
	c.wmu.Unlock()
	if err != nil {
		return err
	}
	if !wasReady {
		if ready := c.client.cfg.Ready; ready != nil {
			ready(c.maxStreamsNow(), advertised)
		}
		c.markReady(nil)
	} else {
		c.client.drain() // a higher limit may take waiting streams
	}
	return nil
}

// onWindowUpdate grows a send window and sends request bodies that waited
// for it.
func (c *conn) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.StreamID == 0 {
		if int64(c.sendWindow)+int64(f.Increment) > maxWindow {
			return fmt.Errorf("connection window overflow (%w)", http2.ConnectionError(http2.ErrCodeFlowControl))
		}
		c.sendWindow += int32(f.Increment)
	} else if s := c.streams[f.StreamID]; s != nil {
		s.sendWindow += int32(min(f.Increment, maxWindow))
	}
	c.unblockLocked()
	return nil
}

// onGoAway stops new streams on the connection and moves the streams the
// server did not process to other connections. The rest may finish; the
// connection closes when the last one ends.
func (c *conn) onGoAway(f *http2.GoAwayFrame) error {
	c.mu.Lock()
	c.goaway, c.goawayCode = true, f.ErrCode
	var refused []*Stream
	for id, s := range c.streams {
		if id > f.LastStreamID {
			c.forgetLocked(s)
			refused = append(refused, s)
		}
	}
	empty := len(c.streams) == 0
	c.mu.Unlock()
	for _, s := range refused {
		c.refused(s, fmt.Errorf("GOAWAY %v: the server did not process the stream", f.ErrCode))
	}
	c.client.drain()
	if empty {
		return errGoneAway
	}
	return nil
}

// onReset ends a stream the server reset; a stream it refused before
// processing goes to another connection.
func (c *conn) onReset(f *http2.RSTStreamFrame) {
	s, state, err := c.lookup(f.StreamID)
	if err != nil || s == nil {
		return
	}
	if f.ErrCode == http2.ErrCodeRefusedStream && state == stateOpening {
		c.mu.Lock()
		live := c.streams[s.id] == s
		if live {
			c.forgetLocked(s)
		}
		c.mu.Unlock()
		if live {
			c.refused(s, errors.New("RST_STREAM REFUSED_STREAM"))
			c.afterEnd()
		}
		return
	}
	c.streamFailed(f.StreamID, fmt.Errorf("stream reset by the server: %v", f.ErrCode), false)
}

// refused moves a stream the server did not process to another
// connection, or fails it after maxRefused tries.
func (c *conn) refused(s *Stream, why error) {
	if s.closed.Load() {
		return
	}
	s.refused++
	if s.refused > maxRefused {
		c.client.endIdle(s, &Error{Class: ClassProtocol, Err: fmt.Errorf("refused %d times; last: %w", s.refused, why)})
		return
	}
	c.client.enqueue(s)
}

// streamFailed ends stream id with err, resetting it when rst is set.
func (c *conn) streamFailed(id uint32, err error, rst bool) {
	c.mu.Lock()
	s := c.streams[id]
	streaming := s != nil && s.state == stateStreaming
	c.mu.Unlock()
	if s == nil {
		if rst {
			c.write(func(fr *http2.Framer) error { return fr.WriteRSTStream(id, http2.ErrCodeProtocol) })
		}
		return
	}
	c.end(s, classifyLost(err, streaming), rst)
}

// end ends s on c and tells its Sink, which may ask for a reconnection.
// cbmu is held.
func (c *conn) end(s *Stream, err error, rst bool) {
	c.mu.Lock()
	if c.streams[s.id] != s {
		c.mu.Unlock()
		return // closed meanwhile
	}
	c.forgetLocked(s)
	c.mu.Unlock()
	if rst {
		id := s.id
		c.write(func(fr *http2.Framer) error { return fr.WriteRSTStream(id, http2.ErrCodeCancel) })
	}
	if !s.closed.Load() {
		again, after := s.sink.OnEnd(s, err)
		if again {
			s.refused = 0
			c.client.reconnect(s, after)
		}
	}
	c.afterEnd()
}

// goAway tells the server the connection is ending with code. The client
// accepts no pushed streams, so the last stream ID it reports is 0.
func (c *conn) goAway(code http2.ErrCode) {
	c.wmu.Lock()
	c.wrote(c.fr.WriteGoAway(0, code, nil))
	c.flushLocked()
	c.wmu.Unlock()
}

// teardown ends every stream of a connection that failed or was closed.
func (c *conn) teardown(err error) {
	c.mu.Lock()
	c.closed = true
	type lost struct {
		s         *Stream
		streaming bool
	}
	streams := make([]lost, 0, len(c.streams))
	for _, s := range c.streams {
		streams = append(streams, lost{s, s.state == stateStreaming})
	}
	code := c.goawayCode
	c.mu.Unlock()
	c.nc.Close()
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("the server closed the connection")
	}
	if code != http2.ErrCodeNo {
		err = fmt.Errorf("after GOAWAY %v: %w", code, err)
	}
	c.markReady(classifyLost(err, false))
	c.client.removeConn(c)
	closing := c.client.ctx.Err() != nil
	c.cbmu.Lock()
	defer c.cbmu.Unlock()
	for _, l := range streams {
		if !closing {
			c.end(l.s, classifyLost(err, l.streaming), false)
			continue
		}
		// The run is over: ErrClosed, and no reconnection.
		c.mu.Lock()
		live := c.streams[l.s.id] == l.s
		if live {
			c.forgetLocked(l.s)
		}
		c.mu.Unlock()
		if live && !l.s.closed.Load() {
			l.s.sink.OnEnd(l.s, ErrClosed)
		}
	}
}

// sweep ends streams that have waited for their response headers since
// before cutoff.
func (c *conn) sweep(cutoff time.Time) {
	c.cbmu.Lock()
	defer c.cbmu.Unlock()
	var late []*Stream
	c.mu.Lock()
	for len(c.opening) > 0 {
		o := c.opening[0]
		live := c.streams[o.id] == o.s && o.s.state == stateOpening
		if live && !o.s.openedAt.Before(cutoff) {
			break
		}
		c.opening[0] = opened{}
		c.opening = c.opening[1:]
		if live {
			late = append(late, o.s)
		}
	}
	c.mu.Unlock()
	for _, s := range late {
		c.end(s, &Error{Class: ClassTimeout, Err: fmt.Errorf("no response headers within %s", c.client.cfg.HeaderTimeout)}, true)
	}
	if len(late) > 0 {
		c.wmu.Lock()
		c.flushLocked() // the resets; the reader may be waiting for a frame
		c.wmu.Unlock()
	}
}
