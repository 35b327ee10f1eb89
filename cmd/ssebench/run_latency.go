package main

import (
	"flag"
	"strings"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/stamp"
	refserver "github.com/ssebench/ssebench/reference-server"
)

// Values of --latency besides json:PATH[:UNIT].
const (
	latencyReference = "reference"
	latencyPublisher = "publisher"
	latencyNone      = "none"
)

// publishEmbedded is the --publish-url value that means the embedded
// reference server's POST /publish.
const publishEmbedded = "embedded"

// publishFlags are the flags that only make sense with --publish-url.
var publishFlags = []string{"publish-method", "publish-header", "publish-body", "publish-rate", "publish-concurrency", "publish-timeout", "publish-drain"}

// latencyFlags are the flags that choose the fan-out latency source:
// --latency and the publisher mode's --publish-*.
type latencyFlags struct {
	fs       *flag.FlagSet
	spec     string
	o        loadgen.LatencyOptions
	rate     float64
	embedded bool // --publish-url embedded
}

// addLatencyFlags registers the latency-source flags.
func addLatencyFlags(fs *flag.FlagSet) *latencyFlags {
	l := &latencyFlags{fs: fs, rate: loadgen.DefaultPublishRate}
	fs.StringVar(&l.spec, "latency", "", "fan-out latency `source`:\n"+
		"  reference         the reference server's publish stamps (the default without --publish-url)\n"+
		"  json:PATH[:UNIT]  a JSON field of the event data holding its publish time, e.g. json:ts or\n"+
		"                    json:meta.sent_at:ms; PATH is dotted (a number indexes an array), the value a\n"+
		"                    number, a numeric string or an RFC 3339 string; UNIT s, ms, us or ns, else\n"+
		"                    guessed from the magnitude: < 1e11 s, < 1e14 ms, < 1e17 us, else ns\n"+
		"  publisher         ssebench's own publishes (the default, and the only choice, with --publish-url)\n"+
		"  none              do not measure fan-out latency")
	fs.StringVar(&l.o.PublishURL, "publish-url", "", "publisher mode: publish events to `URL` during the steady state, each with a marker\n"+
		"subscribers find anywhere in the event data, and time them on ssebench's own clock; reports\n"+
		"publish latency and the delivery ratio. \"embedded\" is the embedded reference server's POST /publish\n"+
		"(with --rate 0 every event is one ssebench published)")
	fs.StringVar(&l.o.PublishMethod, "publish-method", loadgen.DefaultPublishMethod, "HTTP `method` of the publish requests")
	fs.Func("publish-header", "publish request `header` 'Key: Value', repeatable; 'Host: name' sets the Host", func(s string) error {
		name, value, err := parseHeader(s)
		if err != nil {
			return err
		}
		if l.o.PublishHeader == nil {
			l.o.PublishHeader = loadgen.RequestHeader{}
		}
		l.o.PublishHeader.Add(name, value)
		return nil
	})
	fs.StringVar(&l.o.PublishBody, "publish-body", loadgen.DefaultPublishBody, "publish request body `template`, or @file to read it from file; placeholders {marker}\n"+
		"(required), {run_id}, {seq}, and the send time {ts_ns}, {ts_us}, {ts_ms}, {ts_s}")
	fs.Var(newRateFlag(&l.rate, false), "publish-rate", "publishes per second, `N` or N/s (or N/m per minute), on a fixed schedule however slow the server")
	fs.IntVar(&l.o.PublishConcurrency, "publish-concurrency", loadgen.DefaultPublishConcurrency, "publish `requests` in flight at most; later ones wait, and their latency counts the wait")
	fs.DurationVar(&l.o.PublishTimeout, "publish-timeout", loadgen.DefaultPublishTimeout, "`time` allowed for one publish request")
	fs.DurationVar(&l.o.PublishDrain, "publish-drain", loadgen.DefaultPublishDrain, "after the steady state, keep the streams open up to this `time` for published events in flight")
	return l
}

// apply sets cfg's latency source from the flags. It runs after parsing,
// once the target is resolved (cfg.URL set), and returns usage errors for
// bad values.
func (l *latencyFlags) apply(cfg *loadgen.Config) error {
	set := setFlags(l.fs)
	publish := l.o.PublishURL != ""
	if !publish {
		for _, name := range publishFlags {
			if set[name] {
				return usageErrorf("--%s needs --publish-url", name)
			}
		}
		cfg.LatencyOptions = loadgen.LatencyOptions{}
	} else {
		cfg.LatencyOptions = l.o
		cfg.PublishRate = float64(l.rate)
		body, err := readBody(l.o.PublishBody)
		if err != nil {
			return usageErrorf("--publish-body: %v", err)
		}
		cfg.PublishBody = body
		if l.o.PublishURL == publishEmbedded {
			l.embedded = true
			if err := l.resolve(cfg); err != nil {
				return err
			}
		}
	}

	spec := l.spec
	if spec == "" {
		spec = latencyReference
		if publish {
			spec = latencyPublisher
		}
	}
	if publish && spec != latencyPublisher {
		return usageErrorf("--latency %s cannot be used with --publish-url: publisher mode measures fan-out latency from its own send times", spec)
	}
	switch {
	case spec == latencyReference:
		cfg.Latency = stamp.WallClock{Source: latencyReference, Parse: refserver.ParsePublishTime}
	case spec == latencyNone:
		cfg.Latency = nil
	case spec == latencyPublisher:
		if !publish {
			return usageErrorf("--latency publisher needs --publish-url")
		}
		cfg.Latency = nil // Run makes the publisher the source
	case strings.HasPrefix(spec, "json:"):
		src, err := stamp.NewJSON(strings.TrimPrefix(spec, "json:"))
		if err != nil {
			return usageErrorf("--latency %v", err)
		}
		cfg.Latency = src
	default:
		return usageErrorf("--latency %q: want reference, json:PATH[:UNIT], publisher or none", spec)
	}
	return nil
}

// resolve points --publish-url embedded at the embedded reference server
// cfg targets; each run of a --repeat has a fresh server and so calls it
// again.
func (l *latencyFlags) resolve(cfg *loadgen.Config) error {
	if !l.embedded {
		return nil
	}
	if !cfg.Embedded {
		return usageErrorf("--publish-url embedded publishes to the embedded reference server; give a publish URL when the run has a URL")
	}
	cfg.PublishURL = strings.TrimSuffix(cfg.URL, "/events") + "/publish?topic=default"
	return nil
}
