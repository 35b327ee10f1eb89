package transport

import (
	"io"
	"net/http"
	"testing"
)

// TestIsStream: EventSource's rule, the one every part of ssebench uses:
// status 200 and the MIME type text/event-stream, parameters and case
// ignored.
func TestIsStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		ct     string
		want   bool
	}{
		{200, "text/event-stream", true},
		{200, "text/event-stream; charset=utf-8", true},
		{200, "Text/Event-Stream", true},
		{200, "text/event-streamx", false}, // a prefix is not the type
		{200, "text/plain", false},
		{200, "", false},
		{200, "text/event-stream;;", false}, // not a media type
		{201, "text/event-stream", false},
		{503, "text/event-stream", false},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {tt.ct}}}
		if got := IsStream(resp); got != tt.want {
			t.Errorf("IsStream(%d, %q) = %t, want %t", tt.status, tt.ct, got, tt.want)
		}
	}
}

// TestRequest_New: method, body, headers (replacing ssebench's own), Host
// and Last-Event-ID.
func TestRequest_New(t *testing.T) {
	t.Parallel()
	r := &Request{Method: "POST", URL: "https://example.test:8443/events?x=1", Body: "hi", UserAgent: "ssebench/test",
		LastEventID: "41", Header: map[string][]string{"host": {"a.test", "b.test"}, "Accept": {"*/*"}, "x-two": {"1", "2"}}}
	req, err := r.New(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if req.Method != "POST" || string(body) != "hi" || req.ContentLength != 2 || req.Host != "b.test" {
		t.Errorf("method %s, body %q (%d), host %q; want POST, \"hi\" (2), b.test", req.Method, body, req.ContentLength, req.Host)
	}
	for name, want := range map[string]string{"Accept": "*/*", "Cache-Control": "no-cache", "User-Agent": "ssebench/test", "Last-Event-Id": "41"} {
		if got := req.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := req.Header.Values("X-Two"); len(got) != 2 {
		t.Errorf("X-Two = %q, want both values", got)
	}
	get, err := (&Request{URL: "http://x.test/"}).New(t.Context())
	if err != nil || get.Method != http.MethodGet || get.Body != nil || get.Header.Get("Last-Event-ID") != "" {
		t.Errorf("the zero request = %v %v %v, want a GET without body or Last-Event-ID (err %v)", get.Method, get.Body, get.Header, err)
	}
}

// TestH2Fields: the pseudo-headers come first, :authority is the Host, and
// a body announces its length.
func TestH2Fields(t *testing.T) {
	t.Parallel()
	req, err := (&Request{Method: "POST", URL: "https://example.test/events?x=1", Body: "hello",
		Header: map[string][]string{"Host": {"h.test"}}}).New(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	fields := H2Fields(req)
	for i, f := range fields {
		if i < 4 != (f.Name[0] == ':') {
			t.Errorf("field %d is %s: pseudo-headers must come first", i, f.Name)
		}
		got[f.Name] = f.Value
	}
	want := map[string]string{":method": "POST", ":scheme": "https", ":authority": "h.test", ":path": "/events?x=1",
		"accept": "text/event-stream", "cache-control": "no-cache", "content-length": "5"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["user-agent"]; ok {
		t.Errorf("an empty User-Agent was sent: %v", fields)
	}
}
