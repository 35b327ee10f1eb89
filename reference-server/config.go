package refserver

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Defaults for Config and for the flags of `ssebench serve`. Where a flag
// default differs from what Config's zero value means (Heartbeat, Replay),
// the zero value keeps the behaviour of the first version of this server, so
// that code embedding it sees no change.
const (
	// DefaultAddr is the listen address Start uses when Config.Addr is empty.
	DefaultAddr = "127.0.0.1:8080"
	// DefaultRate is the flag default for Config.Rate, in events per second.
	DefaultRate = 10.0
	// DefaultPayloadBytes is the flag default for Config.PayloadBytes.
	DefaultPayloadBytes = 64
	// DefaultMaxStreams is the HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS the
	// server advertises. It is high because a load generator multiplexes
	// thousands of subscriptions over a few connections.
	DefaultMaxStreams = 100_000
	// DefaultMaxBacklogBytes bounds what a subscriber may have queued on the
	// server beyond what its socket buffers took.
	DefaultMaxBacklogBytes = 1 << 20
	// DefaultShutdownTimeout bounds a graceful shutdown.
	DefaultShutdownTimeout = 5 * time.Second
	// DefaultHeartbeat is the flag default for Config.Heartbeat: proxies
	// commonly close connections idle for 30 to 60 seconds.
	DefaultHeartbeat = 15 * time.Second
	// DefaultReplay is the flag default for Config.Replay, in events per
	// topic.
	DefaultReplay = 1000
	// DefaultMaxTopics is how many topics may exist when Config.MaxTopics
	// is 0.
	DefaultMaxTopics = 1024
	// DefaultReadHeaderTimeout bounds how long a client may take to send
	// its request headers (and, over TLS, to finish the handshake), so that
	// idle dialers cannot hold connections and file descriptors forever.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultMaxHeaderBytes bounds the request headers; it is net/http's
	// default.
	DefaultMaxHeaderBytes = 1 << 20
	// DefaultMaxPublishBytes bounds the body of a POST /publish.
	DefaultMaxPublishBytes = 1 << 20
)

// Bounds that Validate enforces. They catch typos (an extra zero or two)
// rather than describe what the hardware can do.
const (
	// MaxRate is the highest Config.Rate, in events per second.
	MaxRate = 1e7
	// MaxPayloadBytes is the largest Config.PayloadBytes.
	MaxPayloadBytes = 16 << 20
	// MaxReplay is the largest Config.Replay, in events per topic.
	MaxReplay = 1 << 20
)

// Slow-consumer policies, the values of Config.SlowPolicy.
const (
	// SlowDisconnect closes a subscriber whose backlog would exceed
	// Config.MaxBacklogBytes. It is the default.
	SlowDisconnect = "disconnect"
	// SlowDrop skips the events that do not fit in the backlog; the
	// subscriber stays connected and sees the gap in the ids.
	SlowDrop = "drop"
)

// Protocol names, the values of Config.Protocols.
const (
	// ProtoH1 is HTTP/1.1 in cleartext.
	ProtoH1 = "h1"
	// ProtoH2C is HTTP/2 in cleartext with prior knowledge (RFC 9113 §3.3).
	ProtoH2C = "h2c"
	// ProtoH1TLS is HTTP/1.1 over TLS (ALPN "http/1.1", or no ALPN).
	ProtoH1TLS = "h1-tls"
	// ProtoH2 is HTTP/2 over TLS (ALPN "h2").
	ProtoH2 = "h2"
)

// Protocols lists every protocol name, in the order help texts show them.
var Protocols = []string{ProtoH1, ProtoH2C, ProtoH1TLS, ProtoH2}

// HTTP/2 server implementations, the values of Config.H2Engine.
const (
	// H2EngineFrames serves HTTP/2 (h2c and h2) at the frame level with
	// golang.org/x/net/http2's Framer: one reader and one writer goroutine
	// per connection and none per stream, so that an idle stream costs
	// under a kilobyte. It is the default.
	H2EngineFrames = "frames"
	// H2EngineStdlib serves HTTP/2 with net/http's server: a goroutine and
	// buffers per stream (9 to 13 KiB for an idle one).
	H2EngineStdlib = "stdlib"
)

// H2Engines lists every HTTP/2 engine name, the default first.
var H2Engines = []string{H2EngineFrames, H2EngineStdlib}

// H2EngineEnv is an environment variable kept for old scripts: set to 1,
// it selects H2EngineFrames when Config.H2Engine is empty. It dates from
// when that engine was opt-in; it is the default now.
const H2EngineEnv = "SSEBENCH_LEAN_H2C"

// Config configures a Server. One field maps to one flag of `ssebench serve`
// and one JSON key (durations in JSON are strings such as "15s"; see
// UnmarshalJSON). The zero value is a valid, silent server: no generated
// events, cleartext HTTP/1.1 and h2c, defaults for everything else.
type Config struct {
	// Addr is the TCP address Start listens on; "127.0.0.1:0" picks a free
	// port. Empty means DefaultAddr. Serve ignores it.
	Addr string `json:"addr"`
	// Rate is how many events per second are generated on the default
	// topic, fractions allowed, on the constant schedule. 0 means none (the
	// flag default is DefaultRate). Generators adds others.
	Rate float64 `json:"rate"`
	// PayloadBytes is the length of each generated event's data value on
	// the default topic. Values below the length without padding (about
	// 39) give the shortest data possible; 0 is such a value.
	PayloadBytes int `json:"payload_bytes"`
	// Generators are further built-in publishers, each on its own topic
	// (or several on one). Nil means none.
	Generators []GeneratorConfig `json:"generators"`
	// Delay holds every event this long after it was stamped and before it
	// is sent, so clients measure about Delay more latency. 0 sends at once.
	Delay time.Duration `json:"delay"`

	// Replay is how many of the latest events each topic keeps, to replay
	// to a subscriber that resumes with a Last-Event-ID. 0 keeps none (the
	// flag default is DefaultReplay); such a subscriber is then only told
	// how many events it lost.
	Replay int `json:"replay"`
	// Retry is the reconnection delay advertised to clients in a retry:
	// field at the start of every stream, rounded to milliseconds. 0 sends
	// none.
	Retry time.Duration `json:"retry"`
	// Heartbeat is the period of comment lines sent to streams that were
	// sent nothing during the previous period, so proxies keep idle
	// streams open. 0 means none (the flag default is DefaultHeartbeat).
	Heartbeat time.Duration `json:"heartbeat"`
	// FlushInterval, when not 0, coalesces events: each is held until at
	// most this long after the first event of its window, and the window
	// is written to every subscriber at once. 0 writes (flushes) every
	// event as soon as it is due.
	FlushInterval time.Duration `json:"flush_interval"`
	// FlushMaxEvents ends a coalescing window early once it holds this
	// many events. 0 means no limit. It needs FlushInterval.
	FlushMaxEvents int `json:"flush_max_events"`

	// MaxBacklogBytes bounds the bytes queued on the server for one
	// subscriber that reads too slowly; beyond it SlowPolicy applies. 0
	// means DefaultMaxBacklogBytes.
	MaxBacklogBytes int `json:"max_backlog_bytes"`
	// SlowPolicy is what happens to events that would exceed
	// MaxBacklogBytes: SlowDisconnect or SlowDrop. "" means SlowDisconnect.
	SlowPolicy string `json:"slow_policy"`
	// MaxSubscribers bounds the open streams; beyond it GET /events is
	// answered 503 with Retry-After. 0 means no bound.
	MaxSubscribers int `json:"max_subscribers"`
	// MaxStreams is the HTTP/2 limit of concurrent streams per connection.
	// 0 means DefaultMaxStreams.
	MaxStreams uint32 `json:"max_streams"`
	// MaxTopics bounds how many topics may exist; subscribing or publishing
	// to a new topic beyond it is answered 404. 0 means DefaultMaxTopics.
	MaxTopics int `json:"max_topics"`
	// ReadHeaderTimeout bounds reading a request's headers, and the TLS
	// handshake. 0 means DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration `json:"read_header_timeout"`
	// MaxHeaderBytes bounds a request's headers. 0 means
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int `json:"max_header_bytes"`
	// MaxPublishBytes bounds the body of a POST /publish; a larger one is
	// answered 413 and nothing is published. 0 means
	// DefaultMaxPublishBytes.
	MaxPublishBytes int `json:"max_publish_bytes"`

	// Token, when set, is required as "Authorization: Bearer <Token>" on
	// POST /publish; anything else is answered 401 and nothing is
	// published.
	Token string `json:"token"`
	// SubscribeToken, when set, is required on GET /events, as a bearer
	// token or as the access_token query parameter (RFC 6750 §2.3), since
	// browsers' EventSource cannot set headers.
	SubscribeToken string `json:"subscribe_token"`

	// TLSCertFile and TLSKeyFile name a PEM certificate chain and key;
	// with them the listener also speaks TLS (see Protocols).
	TLSCertFile string `json:"tls_cert_file"`
	// TLSKeyFile is the key of TLSCertFile.
	TLSKeyFile string `json:"tls_key_file"`
	// TLSSelfSigned generates a certificate in memory for localhost,
	// 127.0.0.1 and ::1 instead of reading one; Server.Certificate returns
	// it so that clients can trust it.
	TLSSelfSigned bool `json:"tls_self_signed"`
	// Protocols lists what the listener speaks: ProtoH1, ProtoH2C,
	// ProtoH1TLS, ProtoH2. Cleartext and TLS connections share the
	// listener; the first byte of a connection tells them apart. Nil means
	// h1 and h2c, plus h1-tls and h2 when TLS is configured.
	Protocols []string `json:"protocols"`

	// H2Engine is the implementation that serves HTTP/2, cleartext (h2c)
	// and over TLS (h2) alike: H2EngineFrames, the frame-level engine with
	// no goroutine per stream, or H2EngineStdlib, net/http's server. Both
	// apply the same limits and slow-subscriber policy. "" means
	// H2EngineFrames (or, for old scripts, what H2EngineEnv says).
	H2Engine string `json:"h2_engine"`

	// ShutdownTimeout bounds a graceful shutdown; connections still open
	// after it are closed. 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration `json:"shutdown_timeout"`
}

// Validate reports every invalid field at once, each error naming the flag
// that sets it.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case math.IsNaN(c.Rate) || c.Rate < 0:
		add("--rate must be >= 0, got %g", c.Rate)
	case c.Rate > MaxRate:
		add("--rate must be <= %g, got %g", MaxRate, c.Rate)
	}
	if c.PayloadBytes < 0 || c.PayloadBytes > MaxPayloadBytes {
		add("--payload must be between 0 and %d bytes, got %d", MaxPayloadBytes, c.PayloadBytes)
	}
	topics := map[string]bool{defaultTopic: true}
	for i, g := range c.Generators {
		if err := g.Validate(); err != nil {
			add("--generator %d (%s): %w", i+1, g, err)
		}
		topics[g.topic()] = true
	}
	// Slices, not maps, so that the errors come in a stable order.
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{
		{"--delay", c.Delay}, {"--retry", c.Retry}, {"--heartbeat", c.Heartbeat}, {"--flush-interval", c.FlushInterval},
		{"--read-header-timeout", c.ReadHeaderTimeout}, {"--shutdown-timeout", c.ShutdownTimeout},
	} {
		if d.v < 0 {
			add("%s must be >= 0, got %v", d.flag, d.v)
		}
	}
	if c.Replay < 0 || c.Replay > MaxReplay {
		add("--replay must be between 0 and %d events, got %d", MaxReplay, c.Replay)
	}
	if c.FlushMaxEvents < 0 {
		add("--flush-max-events must be >= 0, got %d", c.FlushMaxEvents)
	} else if c.FlushMaxEvents > 0 && c.FlushInterval == 0 {
		add("--flush-max-events needs --flush-interval (a window must end even when it never fills)")
	}
	for _, n := range []struct {
		flag string
		v    int
	}{
		{"--max-backlog", c.MaxBacklogBytes}, {"--max-subscribers", c.MaxSubscribers}, {"--max-topics", c.MaxTopics},
		{"--max-header-bytes", c.MaxHeaderBytes}, {"--max-publish-bytes", c.MaxPublishBytes},
	} {
		if n.v < 0 {
			add("%s must be >= 0, got %d", n.flag, n.v)
		}
	}
	if maxTopics := cmp.Or(c.MaxTopics, DefaultMaxTopics); len(topics) > maxTopics {
		add("--max-topics %d is fewer than the %d topics the generators need", maxTopics, len(topics))
	}
	switch c.SlowPolicy {
	case "", SlowDisconnect, SlowDrop:
	default:
		add("--slow-policy must be %s or %s, got %q", SlowDrop, SlowDisconnect, c.SlowPolicy)
	}
	for _, tok := range [][2]string{{"--token", c.Token}, {"--subscribe-token", c.SubscribeToken}} {
		if strings.ContainsFunc(tok[1], func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			add("%s must not contain spaces or control characters", tok[0])
		}
	}
	switch c.H2Engine {
	case "", H2EngineFrames, H2EngineStdlib:
	default:
		add("--h2-engine must be %s or %s, got %q", H2EngineFrames, H2EngineStdlib, c.H2Engine)
	}
	errs = append(errs, c.validateTLS()...)
	return errors.Join(errs...)
}

// validateTLS checks the TLS and protocol fields together.
func (c *Config) validateTLS() []error {
	var errs []error
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.TLSSelfSigned && c.TLSCertFile != "" {
		errs = append(errs, errors.New("--tls-self-signed and --tls-cert exclude each other"))
	}
	tls := c.TLSCertFile != "" || c.TLSSelfSigned
	anyTLS := false
	for _, p := range c.Protocols {
		switch p {
		case ProtoH1, ProtoH2C:
		case ProtoH1TLS, ProtoH2:
			anyTLS = true
			if !tls {
				errs = append(errs, fmt.Errorf("--protocols %s needs a certificate (--tls-cert and --tls-key, or --tls-self-signed)", p))
			}
		default:
			errs = append(errs, fmt.Errorf("--protocols: unknown protocol %q (have %s)", p, strings.Join(Protocols, ", ")))
		}
	}
	if tls && len(c.Protocols) > 0 && !anyTLS {
		errs = append(errs, fmt.Errorf("TLS is configured but --protocols %s enables neither %s nor %s",
			strings.Join(c.Protocols, ","), ProtoH1TLS, ProtoH2))
	}
	return errs
}

// hasTLS reports whether a certificate is configured.
func (c *Config) hasTLS() bool { return c.TLSCertFile != "" || c.TLSSelfSigned }

// serves reports whether protocol p is enabled. Call it on a Config with
// defaults filled in.
func (c *Config) serves(p string) bool { return slices.Contains(c.Protocols, p) }

// frames reports whether HTTP/2 is served by the frame-level engine. Call
// it on a Config with defaults filled in.
func (c *Config) frames() bool { return c.H2Engine == H2EngineFrames }

// withDefaults returns a copy with every "0 means default" field filled in.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	c.MaxStreams = cmp.Or(c.MaxStreams, DefaultMaxStreams)
	c.MaxBacklogBytes = cmp.Or(c.MaxBacklogBytes, DefaultMaxBacklogBytes)
	c.ShutdownTimeout = cmp.Or(c.ShutdownTimeout, DefaultShutdownTimeout)
	c.MaxTopics = cmp.Or(c.MaxTopics, DefaultMaxTopics)
	c.ReadHeaderTimeout = cmp.Or(c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	c.MaxHeaderBytes = cmp.Or(c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	c.MaxPublishBytes = cmp.Or(c.MaxPublishBytes, DefaultMaxPublishBytes)
	if c.SlowPolicy == "" {
		c.SlowPolicy = SlowDisconnect
	}
	if c.H2Engine == "" {
		c.H2Engine = H2EngineFrames
	}
	if len(c.Protocols) == 0 {
		c.Protocols = []string{ProtoH1, ProtoH2C}
		if c.hasTLS() {
			c.Protocols = append(c.Protocols, ProtoH1TLS, ProtoH2)
		}
	}
	return c
}
