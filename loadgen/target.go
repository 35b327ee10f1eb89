package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/ssebench/ssebench/loadgen/transport"
	"github.com/ssebench/ssebench/loadgen/urltmpl"
)

// TargetOptions shape the requests and the connections to the target. They
// are embedded in Config, so their JSON keys sit beside Config's.
type TargetOptions struct {
	// Method of every subscription request. "" means GET; some SSE APIs
	// are POST.
	Method string `json:"method,omitempty"`
	// Header is added to every request, after ssebench's own Accept,
	// Cache-Control and User-Agent, which it can therefore replace. A
	// "Host" entry sets the request's Host. nil means no extra headers.
	Header RequestHeader `json:"header,omitempty"`
	// Body of every request. "" means no body.
	Body string `json:"body,omitempty"`
	// LastEventID is sent as the Last-Event-ID header of each subscriber's
	// first request, as though it resumed a stream that ended after the
	// event with this id; gaps then count from it. Reconnections send the
	// last id received, as EventSource does. "" means none.
	LastEventID string `json:"last_event_id,omitempty"`

	// Insecure skips verification of the server's certificate (https only).
	Insecure bool `json:"insecure,omitempty"`
	// CAFile is a PEM file of the certificate authorities to trust instead
	// of the system's (https only). "" means the system roots.
	CAFile string `json:"ca_file,omitempty"`
	// CertFile and KeyFile are a PEM client certificate and its key,
	// presented when the server asks (https only). Both or neither.
	CertFile string `json:"cert_file,omitempty"`
	// KeyFile is the private key of CertFile.
	KeyFile string `json:"key_file,omitempty"`

	// SourceIPs spreads connections over these local addresses, round
	// robin: "127.0.0.2-127.0.0.20", "10.0.0.5,10.0.0.6" or a mix. Each
	// source address gives its own range of ephemeral ports, which lets a
	// loopback target take more than the ~28k connections one address
	// allows. "" means the system picks the address.
	SourceIPs string `json:"source_ips,omitempty"`
}

// validate lists the problems with o that do not depend on the URL; reading
// the --ca, --cert and --key files is part of it, so a bad file fails before
// the run starts.
func (o *TargetOptions) validate() []error {
	var errs []error
	if o.Method != "" {
		if _, err := http.NewRequest(o.Method, "http://x/", nil); err != nil {
			errs = append(errs, fmt.Errorf("--method %q is not a valid HTTP method", o.Method))
		}
	}
	for name, vals := range o.Header {
		if !httpguts.ValidHeaderFieldName(name) {
			errs = append(errs, fmt.Errorf("--header %q: invalid header name", name))
		}
		for _, v := range vals {
			if !httpguts.ValidHeaderFieldValue(v) {
				errs = append(errs, fmt.Errorf("--header %q: invalid value %q", name, v))
			}
		}
	}
	if strings.ContainsAny(o.LastEventID, "\x00\r\n") {
		errs = append(errs, fmt.Errorf("--last-event-id %q: an event id cannot hold NUL, CR or LF", o.LastEventID))
	}
	if o.Insecure && o.CAFile != "" {
		errs = append(errs, errors.New("--insecure and --ca contradict each other: --insecure trusts any certificate"))
	}
	if _, err := o.TLSOptions().Files(); err != nil {
		errs = append(errs, err)
	}
	if o.SourceIPs != "" {
		if _, err := transport.ParseSourceIPs(o.SourceIPs); err != nil {
			errs = append(errs, fmt.Errorf("--source-ips: %w", err))
		}
	}
	return errs
}

// validateFor lists the problems of o, protocol and u together: the scheme
// each protocol needs, TLS options on a cleartext URL, and source addresses
// that cannot reach the target's host.
func (o *TargetOptions) validateFor(u *url.URL, protocol string) []error {
	var errs []error
	switch {
	case protocol == ProtocolH2 && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("--protocol h2 is HTTP/2 over TLS and needs an https:// URL, got %q; for cleartext HTTP/2 use --protocol h2c", u.Redacted()))
	case protocol == ProtocolH2C && u.Scheme != "http":
		errs = append(errs, fmt.Errorf("--protocol h2c is cleartext HTTP/2 and needs an http:// URL, got %q; for HTTP/2 over TLS use --protocol h2", u.Redacted()))
	}
	if u.Scheme != "https" {
		for _, f := range []struct {
			set  bool
			flag string
		}{{o.Insecure, "--insecure"}, {o.CAFile != "", "--ca"}, {o.CertFile != "", "--cert"}, {o.KeyFile != "", "--key"}} {
			if f.set {
				errs = append(errs, fmt.Errorf("%s applies to https:// URLs only, got %q", f.flag, u.Redacted()))
			}
		}
	}
	if o.SourceIPs != "" {
		if ips, err := transport.ParseSourceIPs(o.SourceIPs); err == nil {
			if err := transport.CheckSourceIPs(ips, u.Hostname()); err != nil {
				errs = append(errs, fmt.Errorf("--source-ips: %w", err))
			}
		}
	}
	return errs
}

// newRequest builds subscriber id's request (transport.Request): its own
// URL (the template expanded for its index in the run), method, body and
// headers from the target options. The id rides in the context so the
// HTTP/1.1 opener can pick the subscriber's source address.
func (c *Config) newRequest(ctx context.Context, id int) (*http.Request, error) {
	return c.SubscriberRequest(id).New(context.WithValue(ctx, slotKey{}, id))
}

// Request returns what subscriber 0 of c sends, for parts of ssebench that
// send one subscription request (probes): SubscriberRequest(0).
func (c *Config) Request() *transport.Request { return c.SubscriberRequest(0) }

// SubscriberRequest returns what every subscription request of this
// process's subscriber id carries: its URL is the template expanded for
// the subscriber's index in the whole run (SubIndexBase). Its
// Last-Event-ID is --last-event-id; a subscriber's reconnections replace
// it.
func (c *Config) SubscriberRequest(id int) *transport.Request {
	return &transport.Request{Method: c.Method, URL: c.subscriberURL(id), Header: c.Header, Body: c.Body, UserAgent: c.Tool, LastEventID: c.LastEventID}
}

// TargetURL returns the URL of subscriber 0 (the template expanded): the
// scheme, host and port every subscriber dials.
func (c *Config) TargetURL() string { return c.subscriberURL(0) }

// subscriberURL returns the URL of this process's subscriber id.
func (c *Config) subscriberURL(id int) string {
	t := c.template()
	if t == nil || t.Static() {
		return c.URL
	}
	return t.Expand(c.subIndex(id))
}

// subIndex returns the index in the whole run of this process's
// subscriber id (SubIndexBase).
func (c *Config) subIndex(id int) int {
	return c.SubIndexBase + id*max(c.SubIndexStep, 1)
}

// template returns c.URL parsed; nil when it is not a valid template,
// which Validate reports.
func (c *Config) template() *urltmpl.Template {
	if c.tmpl != nil && c.tmpl.String() == c.URL {
		return c.tmpl
	}
	t, err := urltmpl.Parse(c.URL)
	if err != nil {
		return nil
	}
	return t
}

// RequestHeader is a set of request headers. Its JSON form (the config echo
// in a saved result) hides the values of headers that usually carry
// credentials, so a result shared as a CI artefact does not leak tokens.
type RequestHeader map[string][]string

// Add appends value to the header name, like http.Header.Add.
func (h RequestHeader) Add(name, value string) {
	k := http.CanonicalHeaderKey(name)
	h[k] = append(h[k], value)
}

// redacted replaces a credential's value in the JSON echo.
const redacted = "[redacted]"

// MarshalJSON writes h with credential values replaced by "[redacted]".
func (h RequestHeader) MarshalJSON() ([]byte, error) {
	out := make(map[string][]string, len(h))
	for name, vals := range h {
		if isCredential(name) {
			r := make([]string, len(vals))
			for i := range r {
				r[i] = redacted
			}
			vals = r
		}
		out[name] = vals
	}
	return json.Marshal(out)
}

// isCredential tells whether a header's value is likely a secret.
func isCredential(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie":
		return true
	}
	for _, s := range []string{"token", "secret", "api-key", "apikey", "password", "auth"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
