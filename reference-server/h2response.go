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
