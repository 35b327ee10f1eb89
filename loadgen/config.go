package loadgen

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/ssebench/ssebench/loadgen/sse"
	"github.com/ssebench/ssebench/loadgen/urltmpl"
)

// Defaults for Config's zero values.
const (
	DefaultSubscribers    = 1000
	DefaultDuration       = 10 * time.Second
	DefaultProtocol       = "h1"
	DefaultConnections    = 1
	DefaultMaxDials       = 256
	DefaultConnectTimeout = 10 * time.Second
	DefaultInterval       = time.Second
	DefaultMaxEventBytes  = sse.DefaultMaxEventBytes
)

// Protocols the load generator speaks.
const (
	ProtocolH1  = "h1"  // HTTP/1.1, one TCP connection per subscriber; http:// or https://
	ProtocolH2  = "h2"  // HTTP/2 over TLS (ALPN "h2"), streams over Connections TCP connections; https:// only
	ProtocolH2C = "h2c" // cleartext HTTP/2 with prior knowledge, streams over Connections TCP connections
)

// Config describes one run. One field maps to one flag of `ssebench run` and
// to one JSON key of the result's "config" echo.
type Config struct {
	// URL of the event stream. Required. It may be a per-subscriber
	// template (package urltmpl): {sub} is the subscriber's index in the
	// whole run, from 0, and {sub%N} that index modulo N, in the path,
	// query or fragment only. The report's target is the template as
	// given.
	URL string `json:"url"`
	// Subscribers to hold open. 0 means DefaultSubscribers; with Stages,
	// the highest stage target.
	Subscribers int `json:"subscribers"`
	// Duration of the steady state, after every subscriber has connected or
	// failed. 0 means DefaultDuration, except with Stages, whose holds make
	// the steady state and whose length sets the run's: Duration must then
	// be 0.
	Duration time.Duration `json:"duration"`
	// Protocol is ProtocolH1, ProtocolH2 or ProtocolH2C. "" means
	// DefaultProtocol. The protocol the server answered with is reported;
	// ssebench never falls back to another one.
	Protocol string `json:"protocol"`
	// Connections is the number of TCP connections HTTP/2 streams are spread
	// over; when one is full (the server's SETTINGS_MAX_CONCURRENT_STREAMS)
	// another is opened beside it. 0 means DefaultConnections. Ignored for
	// HTTP/1.1.
	Connections int `json:"connections"`
	// MaxDials caps connection attempts in flight. 0 means DefaultMaxDials.
	MaxDials int `json:"max_dials"`
	// ConnectTimeout bounds the time from starting a request to its response
	// headers; a server that stalls longer fails that subscriber with class
	// "timeout". 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration `json:"connect_timeout"`
	// MaxEventBytes bounds the size of one event; a larger event fails that
	// stream with class "too_large". 0 means DefaultMaxEventBytes.
	MaxEventBytes int `json:"max_event_bytes"`
	// Interval is the time-series resolution. 0 means DefaultInterval.
	Interval time.Duration `json:"interval"`

	// TargetOptions shape the requests and connections (target.go).
	TargetOptions
	// ShapeOptions shape the load over time (shape.go).
	ShapeOptions
	// LatencyOptions choose how fan-out latency is measured (latency.go).
	LatencyOptions
	// SelfCheckOptions set when the load generator judges itself the
	// bottleneck (selfcheck.go).
	SelfCheckOptions

	// Dump, when set, receives every event of the first subscriber as one
	// JSON line {"type","data","id"}, and every comment as
	// {"comment":"…"}, each written (and flushed, when Dump has a Flush
	// method) as it arrives. Written from one goroutine.
	Dump io.Writer `json:"-"`
	// Progress, when set, is called with every interval of the result's
	// time series: each Interval and once at the end. Calls never overlap
	// and come in the series' order. It must not block.
	Progress func(Progress) `json:"-"`
	// Tool names the program and version for the report.
	Tool string `json:"-"`
	// Embedded marks the target as the in-process reference server.
	Embedded bool `json:"-"`
	// SubIndexBase and SubIndexStep number this process's subscribers in
	// the whole run, for the URL template's {sub}: subscriber i of this
	// process is subscriber SubIndexBase + i×SubIndexStep of the run. A
	// shard I/N sets I and N (package shard). SubIndexStep 0 means 1.
	SubIndexBase int `json:"-"`
	// SubIndexStep is the step between the run's indexes of this
	// process's subscribers; see SubIndexBase.
	SubIndexStep int `json:"-"`

	// slowCollect, set by tests, runs at the start of every aggregation:
	// it stands for an aggregator that falls behind.
	slowCollect func()
	// tmpl is URL parsed, set once by Run; nil means parse it when needed
	// (Config.template).
	tmpl *urltmpl.Template
	// active is the run's ActiveSource (publisher mode), set once by Run;
	// nil means none (activeSource).
	active ActiveSource
}

// withDefaults returns c with zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Subscribers == 0 {
		c.Subscribers = DefaultSubscribers
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Protocol == "" {
		c.Protocol = DefaultProtocol
	}
	if c.Connections == 0 {
		c.Connections = DefaultConnections
	}
	if c.MaxDials == 0 {
		c.MaxDials = DefaultMaxDials
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.MaxEventBytes == 0 {
		c.MaxEventBytes = DefaultMaxEventBytes
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	return c.withShapeDefaults()
}

// Validate reports every problem with c at once, each naming its flag.
func (c *Config) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("a URL is required"))
	} else if t, err := urltmpl.Parse(c.URL); err != nil {
		errs = append(errs, err) // names the URL and the placeholder
	} else if u, err := url.Parse(t.Expand(0)); err != nil {
		errs = append(errs, fmt.Errorf("URL %q: %w", c.URL, err))
	} else if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		errs = append(errs, fmt.Errorf("URL %q: want http://host[:port]/path or https://…", c.URL))
	} else {
		errs = append(errs, c.TargetOptions.validateFor(u, c.Protocol)...) // target.go: scheme vs --protocol, TLS flags, --source-ips
	}
	if c.Subscribers < 0 {
		errs = append(errs, fmt.Errorf("--subscribers must be > 0, got %d", c.Subscribers))
	}
	if c.Duration < 0 {
		errs = append(errs, fmt.Errorf("--duration must be > 0, got %s", c.Duration))
	}
	switch c.Protocol {
	case "", ProtocolH1, ProtocolH2, ProtocolH2C:
	default:
		errs = append(errs, fmt.Errorf("--protocol must be %s, %s or %s, got %q", ProtocolH1, ProtocolH2, ProtocolH2C, c.Protocol))
	}
	if c.Connections < 0 {
		errs = append(errs, fmt.Errorf("--connections must be > 0, got %d", c.Connections))
	}
	if c.MaxDials < 0 {
		errs = append(errs, fmt.Errorf("--max-dials must be > 0, got %d", c.MaxDials))
	}
	if c.ConnectTimeout < 0 {
		errs = append(errs, fmt.Errorf("--connect-timeout must be > 0, got %s", c.ConnectTimeout))
	}
	if c.MaxEventBytes < 0 {
		errs = append(errs, fmt.Errorf("--max-event-bytes must be > 0, got %d", c.MaxEventBytes))
	}
	if c.Interval < 0 {
		errs = append(errs, fmt.Errorf("--interval must be > 0, got %s", c.Interval))
	}
	errs = append(errs, c.TargetOptions.validate()...)
	errs = append(errs, c.validateShape()...)
	errs = append(errs, c.LatencyOptions.validate()...)
	errs = append(errs, c.SelfCheckOptions.validate()...)
	return errors.Join(errs...)
}
