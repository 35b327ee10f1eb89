package loadgen

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ssebench/ssebench/loadgen/transport"
)

// Redirects are followed as EventSource does (it fetches with the
// "follow" redirect mode: https://fetch.spec.whatwg.org/#http-redirect-fetch):
// 301, 302, 303, 307 and 308 with a Location, at most MaxRedirects in a row
// per request, every reconnection starting again from Config.URL. A 303,
// and a 301 or 302 answering a POST, continue as a GET without the body;
// 307 and 308 repeat the method and body. Each redirect followed is
// counted in the result (subscribers.redirects); the time to headers and
// the connect latency include the whole chain.
//
// A load generator's connections are prepared for its target, so a
// redirect must keep the scheme; over TLS or HTTP/2 (whose connections and
// certificate checks belong to one host) it must also keep the host and
// port. A redirect elsewhere fails the subscriber with ClassRedirect:
// point ssebench at the final URL instead.

// MaxRedirects bounds the redirects one request follows, as fetch does.
const MaxRedirects = 20

// ClassRedirect is the failure class of a redirect ssebench cannot follow:
// too many in a row, a bad Location, or another scheme or host.
const ClassRedirect = transport.ClassRedirect

// errTooManyRedirects is the error of a chain longer than MaxRedirects.
var errTooManyRedirects = fmt.Errorf("more than %d redirects in a row", MaxRedirects)

// isRedirect tells whether status is one EventSource follows.
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// redirect returns the request that follows resp, a redirect answering
// req, the hops-th of the chain.
func (s *subscriber) redirect(req *http.Request, resp *http.Response, hops int) (*http.Request, *ConnError) {
	fail := func(err error) (*http.Request, *ConnError) {
		return nil, &ConnError{Class: ClassRedirect, Err: err}
	}
	if hops > MaxRedirects {
		return fail(errTooManyRedirects)
	}
	loc := resp.Header.Get("Location")
	u, err := req.URL.Parse(loc)
	if err != nil || loc == "" {
		return fail(fmt.Errorf("HTTP %s with Location %q", resp.Status, loc))
	}
	sameHost := strings.EqualFold(u.Host, req.URL.Host)
	switch {
	case u.Scheme != req.URL.Scheme:
		return fail(fmt.Errorf("HTTP %s to %s: ssebench follows redirects within the target's scheme (%s); use the final URL", resp.Status, u.Redacted(), req.URL.Scheme))
	case !sameHost && (u.Scheme == "https" || s.cfg.Protocol != ProtocolH1):
		return fail(fmt.Errorf("HTTP %s to %s: over TLS or HTTP/2 ssebench follows redirects within the target's host; use the final URL", resp.Status, u.Redacted()))
	}
	method, body := req.Method, ""
	if req.ContentLength > 0 { // not dropped by an earlier hop
		body = s.cfg.Body
	}
	if resp.StatusCode == http.StatusSeeOther && method != http.MethodHead ||
		(resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusFound) && method == http.MethodPost {
		method, body = http.MethodGet, ""
	}
	var rd io.Reader // stays a nil interface without a body
	if body != "" {
		rd = strings.NewReader(body)
	}
	next, err := http.NewRequestWithContext(req.Context(), method, u.String(), rd)
	if err != nil {
		return fail(err)
	}
	next.Header = req.Header.Clone()
	if body == "" {
		for _, h := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Language", "Content-Location"} {
			next.Header.Del(h)
		}
	}
	if sameHost {
		next.Host = req.Host
	} else {
		next.Header.Del("Authorization") // as fetch does across origins
	}
	return next, nil
}
