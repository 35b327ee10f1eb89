package h2sub

import (
	"net/http"
	"strings"
	"sync"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2/hpack"
)

// A Request is what a stream asks for. Many streams may share one Request;
// it must not be modified once a stream uses it.
type Request struct {
	// Method is the request method. "" means GET.
	Method string
	// Path is the request path and query. "" means the Config URL's.
	Path string
	// Header holds extra request headers. Accept: text/event-stream and
	// Cache-Control: no-cache are added when absent, as EventSource sends
	// them; Host sets :authority; connection-specific headers are dropped,
	// as HTTP/2 forbids them.
	Header http.Header
	// Body is sent with every stream's request; nil sends none.
	Body []byte

	once   sync.Once
	fields []hpack.HeaderField // the regular fields, lower-cased, built once
	host   string
}

// compile builds r's header fields once, for every stream that uses it.
func (r *Request) compile() {
	r.once.Do(func() {
		has := map[string]bool{}
		for name, vals := range r.Header {
			lower := strings.ToLower(name)
			switch {
			case lower == "host":
				if len(vals) > 0 {
					r.host = vals[len(vals)-1]
				}
				continue
			case !httpguts.ValidHeaderFieldName(name), connectionSpecific(lower):
				continue
			}
			for _, v := range vals {
				r.fields = append(r.fields, hpack.HeaderField{Name: lower, Value: v})
				has[lower] = true
			}
		}
		if !has["accept"] {
			r.fields = append(r.fields, hpack.HeaderField{Name: "accept", Value: "text/event-stream"})
		}
		if !has["cache-control"] {
			r.fields = append(r.fields, hpack.HeaderField{Name: "cache-control", Value: "no-cache"})
		}
	})
}

// connectionSpecific reports header names that HTTP/2 forbids (RFC 9113
// §8.2.2), and ones the engine sets itself.
func connectionSpecific(lower string) bool {
	switch lower {
	case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade", "te",
		"content-length", "last-event-id":
		return true
	}
	return false
}

// WithPath returns a request like r with another Path, sharing r's header
// fields (built once, here if not yet): a per-subscriber URL then costs
// one small struct and its path.
func (r *Request) WithPath(path string) *Request {
	r.compile()
	c := &Request{Method: r.Method, Path: path, Header: r.Header, Body: r.Body, fields: r.fields, host: r.host}
	c.once.Do(func() {}) // compiled: the fields are r's
	return c
}
