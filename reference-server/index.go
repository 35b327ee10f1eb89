package refserver

import (
	"fmt"
	"net/http"
	"strings"
)

// indexText is the answer to GET /: what a person who opens the server's
// address in a browser or with curl needs to find the stream.
const indexText = `ssebench reference SSE server

GET  /events?topic=T[&topic=U...]   the event stream (Last-Event-ID or ?lastEventId= resumes)
POST /publish?topic=T[&event=TYPE]  publish the request body as one event; answers {"id":N}
POST /publish/batch[?topic=T]       publish a JSON array of {"topic","event","data"}
GET  /metrics                       Prometheus metrics
GET  /stats                         the same counters as JSON, with per-topic figures
GET  /healthz                       liveness

Events look like:
%s
`

// handleIndex answers GET / with a short index of the endpoints.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, indexText, "  "+strings.TrimSpace(strings.ReplaceAll(WireFormat, `\n`, "\n  ")))
}
