package publish

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/ssebench/ssebench/loadgen/transport"
)

// maxResponseBytes is how much of a publish response is read (and
// discarded) so that its connection can be reused; a longer one costs a
// new connection, not memory.
const maxResponseBytes = 64 << 10

// CheckHeader reports whether h can be sent with the publish requests:
// valid header names and values.
func CheckHeader(h map[string][]string) error {
	_, _, err := checkHeader(h)
	return err
}

// ValidMethod tells whether s is an HTTP token, as a method must be.
func ValidMethod(s string) bool { return httpguts.ValidHeaderFieldName(s) }

// checkHeader checks h and returns it as an http.Header, without a
// "Host" entry, which it returns apart (a request's Host is a field).
func checkHeader(h map[string][]string) (http.Header, string, error) {
	out, host := http.Header{}, ""
	for name, vals := range h {
		if !httpguts.ValidHeaderFieldName(name) {
			return nil, "", fmt.Errorf("%q is not a valid header name", name)
		}
		for _, v := range vals {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, "", fmt.Errorf("header %s: %q is not a valid value", name, v)
			}
		}
		k := textproto.CanonicalMIMEHeaderKey(name)
		if k == "Host" && len(vals) > 0 {
			host = vals[len(vals)-1]
			continue
		}
		out[k] = append(out[k], vals...)
	}
	return out, host, nil
}

// newClient returns the HTTP client of the publisher's workers: one
// keep-alive connection per worker at most, no proxy (a load test of a
// loopback server must not detour), no transparent decompression, and the
// subscribers' TLS settings (--insecure, --ca, --cert/--key).
func newClient(workers int, timeout time.Duration, tlsOpts transport.TLSOptions) (*http.Client, *http.Transport, error) {
	tc, err := tlsOpts.Config("", nil) // the server name comes from each request's host
	if err != nil {
		return nil, nil, err
	}
	dialer := transport.NewDialer(nil)
	tr := &http.Transport{
		TLSClientConfig: tc,
		// transport's dialer without --source-ips: a handful of publish
		// connections need no spread of ports, and --publish-url may name
		// a host the source addresses cannot reach. The client's Timeout
		// bounds the dial.
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return dialer.DialNext(ctx, addr)
		},
		MaxIdleConns:          workers,
		MaxIdleConnsPerHost:   workers,
		MaxConnsPerHost:       workers,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true, // for https; cleartext stays HTTP/1.1
	}
	return &http.Client{Transport: tr, Timeout: timeout}, tr, nil
}
