package refserver

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Defaults for Config and for the flags of `ssebench serve`.
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
)

// Bounds that Validate enforces. They catch typos (an extra zero or two)
// rather than describe what the hardware can do.
const (
	// MaxRate is the highest Config.Rate, in events per second.
	MaxRate = 1e7
	// MaxPayloadBytes is the largest Config.PayloadBytes.
	MaxPayloadBytes = 16 << 20
)

// Config configures a Server. One field maps to one flag of `ssebench serve`
// and one JSON key. The zero value is a valid, silent server: no generated
// events, defaults for everything else.
type Config struct {
	// Addr is the TCP address Start listens on; "127.0.0.1:0" picks a free
	// port. Empty means DefaultAddr. Serve ignores it.
	Addr string `json:"addr"`
	// Rate is how many events per second are generated on the default
	// topic, fractions allowed. 0 means none (the flag default is
	// DefaultRate).
	Rate float64 `json:"rate"`
	// PayloadBytes is the length of each generated event's data value.
	// Values below the length without padding (about 39) give the shortest
	// data possible; 0 is such a value.
	PayloadBytes int `json:"payload_bytes"`
	// Delay holds every event this long after it was stamped and before it
	// is sent, so clients measure about Delay more latency. 0 sends at once.
	Delay time.Duration `json:"delay"`
	// MaxStreams is the HTTP/2 limit of concurrent streams per connection.
	// 0 means DefaultMaxStreams.
	MaxStreams uint32 `json:"max_streams"`
	// MaxBacklogBytes bounds the bytes queued on the server for one
	// subscriber that reads too slowly; beyond it the subscriber is
	// disconnected and counted in Stats.SlowDisconnects. 0 means
	// DefaultMaxBacklogBytes.
	MaxBacklogBytes int `json:"max_backlog_bytes"`
	// ShutdownTimeout bounds a graceful shutdown; connections still open
	// after it are closed. 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration `json:"shutdown_timeout"`
}

// Validate reports every invalid field at once, each error naming the flag
// that sets it.
func (c *Config) Validate() error {
	var errs []error
	switch {
	case math.IsNaN(c.Rate) || c.Rate < 0:
		errs = append(errs, fmt.Errorf("--rate must be >= 0, got %g", c.Rate))
	case c.Rate > MaxRate:
		errs = append(errs, fmt.Errorf("--rate must be <= %g, got %g", MaxRate, c.Rate))
	}
	if c.PayloadBytes < 0 || c.PayloadBytes > MaxPayloadBytes {
		errs = append(errs, fmt.Errorf("--payload must be between 0 and %d bytes, got %d", MaxPayloadBytes, c.PayloadBytes))
	}
	if c.Delay < 0 {
		errs = append(errs, fmt.Errorf("--delay must be >= 0, got %v", c.Delay))
	}
	if c.MaxBacklogBytes < 0 {
		errs = append(errs, fmt.Errorf("--max-backlog must be >= 0, got %d", c.MaxBacklogBytes))
	}
	if c.ShutdownTimeout < 0 {
		errs = append(errs, fmt.Errorf("--shutdown-timeout must be >= 0, got %v", c.ShutdownTimeout))
	}
	return errors.Join(errs...)
}

// withDefaults returns a copy with every "0 means default" field filled in.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxStreams == 0 {
		c.MaxStreams = DefaultMaxStreams
	}
	if c.MaxBacklogBytes == 0 {
		c.MaxBacklogBytes = DefaultMaxBacklogBytes
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	return c
}
