package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/ssebench/ssebench/loadgen"
	refserver "github.com/ssebench/ssebench/reference-server"
)

// targetFlags is the target flag group, shared by every command that
// sends load (run, limits, and any later one): the URL argument, the
// protocol and connection flags, the request (method, headers, body), TLS
// and source addresses, and --rate/--payload of the embedded reference
// server that is the target when no URL is given.
//
// A command calls addTargetFlags before parsing, resolve after it (which
// sets the URL; with no URL it reserves the embedded server's port, so the
// URL is real before anything validates it), start before each run (which
// starts the embedded server, fresh each time) and close at the end.
type targetFlags struct {
	fs      *flag.FlagSet
	cfg     *loadgen.Config
	rate    float64
	payload int
	ln      net.Listener // the embedded server's reserved port, until start uses it
}

// addTargetFlags registers the target flag group on fs, bound to cfg, with
// cfg's current values as defaults (zero values get loadgen's defaults).
func addTargetFlags(fs *flag.FlagSet, cfg *loadgen.Config) *targetFlags {
	t := &targetFlags{fs: fs, cfg: cfg, rate: refserver.DefaultRate, payload: refserver.DefaultPayloadBytes}
	o := &cfg.TargetOptions
	cfg.Protocol = cmp.Or(cfg.Protocol, loadgen.DefaultProtocol)
	cfg.Connections = cmp.Or(cfg.Connections, loadgen.DefaultConnections)
	cfg.MaxDials = cmp.Or(cfg.MaxDials, loadgen.DefaultMaxDials)
	cfg.ConnectTimeout = cmp.Or(cfg.ConnectTimeout, loadgen.DefaultConnectTimeout)
	cfg.MaxEventBytes = cmp.Or(cfg.MaxEventBytes, loadgen.DefaultMaxEventBytes)
	o.Method = cmp.Or(o.Method, http.MethodGet)
	fs.StringVar(&cfg.Protocol, "protocol", cfg.Protocol, "`protocol`: h1 (HTTP/1.1, one TCP connection per subscriber; http:// or https://), h2 (HTTP/2 over TLS, https://;\n"+
		"with no URL the embedded server gets a self-signed certificate that is trusted) or h2c (cleartext HTTP/2, http://);\nHTTP/2 streams go over --connections")
	fs.IntVar(&cfg.Connections, "connections", cfg.Connections, "TCP `connections` to spread HTTP/2 streams over (h2, h2c); more open when the server's stream limit is reached")
	fs.IntVar(&cfg.MaxDials, "max-dials", cfg.MaxDials, "connection attempts in `flight` at once")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", cfg.ConnectTimeout, "`time` allowed from request start to response headers; slower subscribers fail as \"timeout\"")
	fs.IntVar(&cfg.MaxEventBytes, "max-event-bytes", cfg.MaxEventBytes, "largest event accepted, in `bytes`; a larger one fails its stream as \"too_large\"")
	fs.StringVar(&o.Method, "method", o.Method, "HTTP `method` of the subscription requests (some SSE APIs are POST)")
	fs.Func("header", "request `header` 'Key: Value', repeatable; replaces ssebench's own Accept, Cache-Control or User-Agent of that name; 'Host: name' sets the Host", func(s string) error {
		name, value, err := parseHeader(s)
		if err != nil {
			return err
		}
		if o.Header == nil {
			o.Header = loadgen.RequestHeader{}
		}
		o.Header.Add(name, value)
		return nil
	})
	fs.Func("body", "request `body`; @file reads it from file", func(s string) error {
		b, err := readBody(s)
		o.Body = b
		return err
	})
	fs.StringVar(&o.LastEventID, "last-event-id", o.LastEventID, "send this event `id` as Last-Event-ID on each subscriber's first request, to resume\n"+
		"after it; gaps count from it (reconnections send the last id received)")
	fs.BoolVar(&o.Insecure, "insecure", o.Insecure, "https: do not verify the server's certificate")
	fs.StringVar(&o.CAFile, "ca", o.CAFile, "https: trust the certificate authorities in this PEM `file` instead of the system's")
	fs.StringVar(&o.CertFile, "cert", o.CertFile, "https: client certificate PEM `file`, presented when the server asks (needs --key)")
	fs.StringVar(&o.KeyFile, "key", o.KeyFile, "https: private key PEM `file` of --cert")
	fs.StringVar(&o.SourceIPs, "source-ips", o.SourceIPs, "spread connections over these local `addresses`, round robin: a range 127.0.0.2-127.0.0.20\n"+
		"or a comma list; each address has its own ~28k ephemeral ports to one server, so a loopback target can take more")
	fs.Float64Var(&t.rate, "rate", t.rate, "embedded reference server only: `events` per second")
	fs.IntVar(&t.payload, "payload", t.payload, "embedded reference server only: data field size in `bytes`")
	return t
}

// zeroRejected are the flags of the group for which 0 means nothing.
var zeroRejected = []string{"connections", "max-dials", "connect-timeout", "max-event-bytes"}

// resolve sets the target from the positional arguments (at most one URL).
// With none, the target is the embedded reference server: its port is
// reserved now, so cfg.URL is the real one from the start.
func (t *targetFlags) resolve(pos []string, command string) error {
	set := setFlags(t.fs)
	if len(pos) > 1 {
		return usageErrorf("%s takes at most one URL, got %d arguments: %q", command, len(pos), pos)
	}
	if len(pos) == 1 {
		if set["rate"] || set["payload"] {
			return usageErrorf("--rate and --payload configure the embedded reference server; they cannot be used with a URL")
		}
		t.cfg.URL, t.cfg.Embedded = pos[0], false
		return nil
	}
	if t.rate < 0 || math.IsNaN(t.rate) || math.IsInf(t.rate, 0) {
		return usageErrorf("--rate must be a number of events per second >= 0, got %g", t.rate)
	}
	ln, err := listenEmbedded()
	if err != nil {
		return err
	}
	t.ln = ln
	t.cfg.URL, t.cfg.Embedded = embeddedURL(ln, t.tls()), true
	return nil
}

// tls tells whether the embedded server serves TLS: for --protocol h2.
func (t *targetFlags) tls() bool { return t.cfg.Protocol == loadgen.ProtocolH2 }

// embedded tells whether the target is the embedded reference server.
func (t *targetFlags) embedded() bool { return t.cfg.Embedded }

// serverConfig is the embedded server's configuration.
func (t *targetFlags) serverConfig() refserver.Config {
	return embeddedConfig(t.rate, t.payload, t.tls())
}

// start starts a fresh embedded server for one run and points cfg at it;
// with a URL it does nothing and returns nil. The first run uses the port
// resolve reserved.
func (t *targetFlags) start(ctx context.Context, cfg *loadgen.Config) (*embeddedServer, error) {
	if !cfg.Embedded {
		return nil, nil
	}
	ln := t.ln
	t.ln = nil
	if ln == nil {
		var err error
		if ln, err = listenEmbedded(); err != nil {
			return nil, err
		}
	}
	es, err := startEmbeddedOn(ctx, ln, t.serverConfig())
	if err != nil {
		return nil, err
	}
	es.target(cfg)
	return es, nil
}

// close releases the reserved port if no run used it.
func (t *targetFlags) close() {
	if t.ln != nil {
		t.ln.Close()
		t.ln = nil
	}
}

// parseHeader splits a --header value "Key: Value".
func parseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return "", "", fmt.Errorf("want 'Key: Value', got %q", s)
	}
	return name, strings.TrimSpace(value), nil
}

// readBody returns a --body value: the text itself, or the contents of the
// file named after a leading @ (as curl's -d @file). "@" alone is an error
// rather than a body of one character, which is almost surely a mistake.
func readBody(s string) (string, error) {
	name, ok := strings.CutPrefix(s, "@")
	if !ok {
		return s, nil
	}
	if name == "" {
		return "", errors.New("want @file with a file name")
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
