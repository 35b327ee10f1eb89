package refserver

import (
	"bytes"
	"net/http"
)

// h2Response is the ResponseWriter of a request on an h2Conn that is not a
// subscription: the handler's whole answer is buffered, then sent at once.
// Such answers are short (publish results, stats, metrics, errors).
type h2Response struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

var _ http.ResponseWriter = (*h2Response)(nil)

func newH2Response() *h2Response { return &h2Response{header: http.Header{}} }

// Header returns the response header.
func (w *h2Response) Header() http.Header { return w.header }

// WriteHeader records the status; the first call wins.
func (w *h2Response) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

// Write buffers body bytes.
func (w *h2Response) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// status returns the status to send.
func (w *h2Response) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// h2Body is the rest of an answer's body that waits for flow-control
// window or for room in the connection's output.
type h2Body struct {
	id     uint32
	window int32
	rest   []byte
}

// respond sends the answer of the handler that served stream id, unless
// the client reset the stream meanwhile.
func (c *h2Conn) respond(id uint32, w *h2Response) {
	c.mu.Lock()
	_, running := c.handlers[id]
	delete(c.handlers, id)
	c.mu.Unlock()
	if running {
		c.answer(id, w)
	}
}

// answer writes a buffered response on stream id. The body goes out
// within the client's windows and the output's room, like a stream's
// events; what does not fit waits (drainAllLocked).
func (c *h2Conn) answer(id uint32, w *h2Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if w.header.Get("Content-Type") == "" && w.body.Len() > 0 {
		w.header.Set("Content-Type", http.DetectContentType(w.body.Bytes()))
	}
	body := w.body.Bytes()
	c.writeHeadFields(id, w.status(), w.header, len(body) == 0)
	if len(body) > 0 {
		b := &h2Body{id: id, window: c.initWin, rest: body}
		c.answers[id] = b
		c.sendBodyLocked(b)
	}
	c.out.kick()
}

// sendBodyLocked sends what the windows and the output's room allow of b,
// ending the stream with its last byte. c.mu is held.
func (c *h2Conn) sendBodyLocked(b *h2Body) {
	n := c.sendDataLocked(b.id, &b.window, b.rest, true)
	b.rest = b.rest[n:]
	if len(b.rest) == 0 {
		delete(c.answers, b.id)
	}
}
