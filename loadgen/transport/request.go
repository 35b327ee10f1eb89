package transport

import (
	"context"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/http2/hpack"
)

// Request is what every subscription request to the target carries: the
// same method, body, headers, Host and Last-Event-ID whichever part of
// ssebench sends it.
type Request struct {
	// Method is the request method. "" means GET.
	Method string
	// URL is the target.
	URL string
	// Header is added after Accept, Cache-Control and User-Agent, which it
	// can therefore replace. A "Host" entry sets the request's Host. The
	// slices are shared by every request built, never written to.
	Header map[string][]string
	// Body is sent with every request. "" means no body.
	Body string
	// UserAgent is the User-Agent header; "" sends none.
	UserAgent string
	// LastEventID is sent as the Last-Event-ID header. "" means none.
	LastEventID string
}

// New builds the request within ctx.
func (r *Request) New(ctx context.Context) (*http.Request, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader // stays a nil interface without a body
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, body)
	if err != nil {
		return nil, err
	}
	// As EventSource does; Cache-Control keeps caching proxies out of it.
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("User-Agent", r.UserAgent)
	if r.LastEventID != "" {
		req.Header.Set("Last-Event-ID", r.LastEventID)
	}
	for name, vals := range r.Header {
		switch {
		case len(vals) == 0:
		case http.CanonicalHeaderKey(name) == "Host":
			req.Host = vals[len(vals)-1]
		default:
			// Every request shares the slice; Clip makes a later Add on
			// one request copy it instead of writing into the others'.
			req.Header[http.CanonicalHeaderKey(name)] = slices.Clip(vals)
		}
	}
	return req, nil
}

// H2Fields returns req's HTTP/2 header fields, pseudo-headers first, as
// an HTTP/2 client would send them, for code that writes frames itself.
// A request with a body carries its content-length; the body itself goes
// in DATA frames.
func H2Fields(req *http.Request) []hpack.HeaderField {
	scheme := req.URL.Scheme
	authority := req.Host
	if authority == "" {
		authority = req.URL.Host
	}
	fields := []hpack.HeaderField{
		{Name: ":method", Value: req.Method},
		{Name: ":scheme", Value: scheme},
		{Name: ":authority", Value: authority},
		{Name: ":path", Value: req.URL.RequestURI()},
	}
	for _, name := range slices.Sorted(maps.Keys(req.Header)) {
		for _, v := range req.Header[name] {
			if name == "User-Agent" && v == "" {
				continue
			}
			fields = append(fields, hpack.HeaderField{Name: strings.ToLower(name), Value: v})
		}
	}
	if req.ContentLength > 0 {
		fields = append(fields, hpack.HeaderField{Name: "content-length", Value: strconv.FormatInt(req.ContentLength, 10)})
	}
	return fields
}

// IsEventStream tells whether a Content-Type names text/event-stream, as
// EventSource decides: the MIME type, parameters ignored.
func IsEventStream(contentType string) bool {
	if strings.EqualFold(contentType, "text/event-stream") {
		return true // the usual bare type, without parsing
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "text/event-stream"
}

// IsStream tells whether resp is an SSE stream, as EventSource decides:
// status 200 and a text/event-stream Content-Type.
func IsStream(resp *http.Response) bool {
	return resp.StatusCode == http.StatusOK && IsEventStream(resp.Header.Get("Content-Type"))
}
