package refserver

import (
	"net/http"
	"strings"
	"testing"
)

func TestServer_index(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{})
		code, body, h := e.do(t, http.MethodGet, "/", "")
		if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Fatalf("GET / = %d %q", code, h.Get("Content-Type"))
		}
		for _, want := range []string{"GET  /events", "POST /publish", "/metrics", "/stats", "/healthz", "id: <seq>\n  data: {\"pub_ns\""} {
			if !strings.Contains(body, want) {
				t.Errorf("GET / lacks %q:\n%s", want, body)
			}
		}
		if code, _, _ := e.do(t, http.MethodGet, "/nope", ""); code != http.StatusNotFound {
			t.Errorf("GET /nope = %d, want 404", code)
		}
	})
}
