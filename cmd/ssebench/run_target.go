package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/ssebench/ssebench/loadgen"
)

// addTargetFlags registers the flags of loadgen.TargetOptions: what the
// requests look like and how connections are made. The current values of o
// are the defaults. --protocol and --connections stay in run.go with the
// other Config fields.
func addTargetFlags(fs *flag.FlagSet, o *loadgen.TargetOptions) {
	if o.Method == "" {
		o.Method = http.MethodGet
	}
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
