package refserver

import (
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/net/http2"
)

// h2Window is the receive window the server advertises for request bodies,
// per stream and for the connection.
const h2Window = 1 << 20

// maxWindow is the largest flow-control window (RFC 9113 §6.9.1).
const maxWindow = 1<<31 - 1

// readLoop is the connection's reader goroutine: it reads the preface and
// then frames until the connection ends, and returns why it ended.
func (c *h2Conn) readLoop(read bool) error {
	// The client's preface and first SETTINGS must come within
	// ReadHeaderTimeout, so silent connections do not hold descriptors.
	c.nc.SetReadDeadline(time.Now().Add(c.s.cfg.ReadHeaderTimeout))
	if !read {
		preface := make([]byte, len(http2.ClientPreface))
		if _, err := io.ReadFull(c.br, preface); err != nil {
			return err
		}
		if string(preface) != http2.ClientPreface {
			return errors.New("refserver: not an HTTP/2 preface")
		}
	}
	c.mu.Lock()
	c.wrote(c.fr.WriteSettings(
		http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: c.s.cfg.MaxStreams},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: h2Window},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: uint32(c.s.cfg.MaxHeaderBytes)},
	))
	c.wrote(c.fr.WriteWindowUpdate(0, h2Window-65535))
	c.mu.Unlock()
	c.out.kick()
	for first := true; ; first = false {
		f, err := c.fr.ReadFrame()
		c.lastFrame.Store(time.Now().UnixNano())
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				c.resetStream(se.StreamID, se.Code)
				continue
			}
			if ce, ok := err.(http2.ConnectionError); ok {
				c.goAway(http2.ErrCode(ce))
			}
			return err
		}
		if first {
			if _, ok := f.(*http2.SettingsFrame); !ok {
				c.goAway(http2.ErrCodeProtocol)
				return errors.New("refserver: the client's first frame is not SETTINGS")
			}
			c.nc.SetReadDeadline(time.Time{})
		}
		if err := c.handle(f); err != nil {
			return err
		}
		c.mu.Lock()
		flooded, werr := c.out.flooded(), c.werr
		c.mu.Unlock()
		if flooded {
			return errTooManyControlFrames
		}
		if werr != nil {
			// The Framer refused a frame the server built: the
			// connection's state is not what the client thinks.
			c.goAway(http2.ErrCodeInternal)
			return fmt.Errorf("refserver: writing a frame: %w", werr)
		}
	}
}

// handle handles one frame from the client.
func (c *h2Conn) handle(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.MetaHeadersFrame:
		return c.onHeaders(f)
	case *http2.DataFrame:
		return c.onData(f)
	case *http2.WindowUpdateFrame:
		return c.onWindowUpdate(f)
	case *http2.SettingsFrame:
		return c.onSettings(f)
	case *http2.RSTStreamFrame:
		c.onReset(f.StreamID)
	case *http2.PingFrame:
		if !f.IsAck() {
			c.mu.Lock()
			c.wrote(c.fr.WritePing(true, f.Data))
			c.mu.Unlock()
			c.out.kick()
		}
	case *http2.GoAwayFrame:
		// The client opens no more streams; those open go on until it
		// closes the connection, unless it is leaving on an error.
		if f.ErrCode != http2.ErrCodeNo {
			return fmt.Errorf("refserver: the client said GOAWAY %v", f.ErrCode)
		}
	}
	return nil
}

// onWindowUpdate grows a window and sends what waited for it.
func (c *h2Conn) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	var t tally
	inc := int64(f.Increment)
	c.mu.Lock()
	switch {
	case f.StreamID == 0:
		if int64(c.window)+inc > maxWindow {
			c.mu.Unlock()
			c.goAway(http2.ErrCodeFlowControl)
			return errors.New("refserver: connection window overflow")
		}
		c.window += int32(inc)
		c.drainAllLocked(&t)
	case c.streams[f.StreamID] != nil:
		s := c.streams[f.StreamID]
		if int64(s.window)+inc > maxWindow {
			c.mu.Unlock()
			c.resetStream(f.StreamID, http2.ErrCodeFlowControl)
			return nil
		}
		s.window += int32(inc)
		s.drainLocked(&t)
	case c.answers[f.StreamID] != nil:
		b := c.answers[f.StreamID]
		b.window = int32(min(int64(b.window)+inc, maxWindow))
		c.sendBodyLocked(b)
	}
	c.mu.Unlock()
	t.addTo(&c.s.counters)
	c.out.kick()
	return nil
}

// onSettings applies the client's settings and acknowledges them.
func (c *h2Conn) onSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	var t tally
	c.mu.Lock()
	err := f.ForeachSetting(func(st http2.Setting) error {
		switch st.ID {
		case http2.SettingInitialWindowSize:
			// The Framer checked it is at most maxWindow.
			d := int32(st.Val) - c.initWin
			c.initWin = int32(st.Val)
			for _, s := range c.streams {
				s.window += d
			}
			for _, b := range c.answers {
				b.window += d
			}
		case http2.SettingMaxFrameSize:
			c.maxData = st.Val
		case http2.SettingHeaderTableSize:
			c.henc.SetMaxDynamicTableSizeLimit(st.Val)
		}
		return nil
	})
	c.wrote(c.fr.WriteSettingsAck())
	c.drainAllLocked(&t) // a bigger window lets waiting streams go on
	c.mu.Unlock()
	t.addTo(&c.s.counters)
	c.out.kick()
	return err
}

// onData collects a request body and returns its bytes to the windows.
func (c *h2Conn) onData(f *http2.DataFrame) error {
	n := f.Header().Length
	c.mu.Lock()
	br := c.bodies[f.StreamID]
	if n > 0 {
		c.wrote(c.fr.WriteWindowUpdate(0, n))
		if br != nil && !f.StreamEnded() {
			c.wrote(c.fr.WriteWindowUpdate(f.StreamID, n))
		}
	}
	tooBig := false
	if br != nil {
		br.body = append(br.body, f.Data()...)
		tooBig = len(br.body) > c.s.cfg.MaxPublishBytes+1 // the handler answers 413 on MaxPublishBytes+1
		if f.StreamEnded() || tooBig {
			delete(c.bodies, f.StreamID)
		}
	}
	c.mu.Unlock()
	c.out.kick()
	if br != nil && (f.StreamEnded() || tooBig) {
		c.dispatch(f.StreamID, br.complete())
	}
	return nil
}
