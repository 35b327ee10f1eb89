//go:build !(linux || darwin || openbsd)

package refserver

import "net/http"

// rawIO is empty where the hijacked fast path is not built.
type rawIO struct{}

func (io *rawIO) init() {}

// serveConn declines: without non-blocking raw writes every HTTP/1.1
// subscription is served by its own goroutine, like an HTTP/2 stream.
func (s *Server) serveConn(w http.ResponseWriter, r *http.Request, sp spec) bool {
	return false
}
