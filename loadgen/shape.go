package loadgen

import (
	"fmt"
	"time"
)

// ShapeOptions shape the load over time: how subscribers arrive and how they
// reconnect. Give at most one of Ramp, ConnectRate and Stages; with none,
// every subscriber starts at once (at most MaxDials handshakes in flight).
type ShapeOptions struct {
	// Ramp spreads the subscribers' first connections linearly over this
	// long: subscriber i (from 0) starts at (i+1)·Ramp/Subscribers. The
	// steady state begins once the ramp is over and every subscriber has
	// connected or failed. 0 starts them all at once.
	Ramp time.Duration `json:"ramp"`
	// ConnectRate starts subscribers at this many per second, a ramp of
	// Subscribers/ConnectRate seconds. 0 means no pacing (see Ramp).
	ConnectRate float64 `json:"connect_rate"`
	// Stages is a k6-style schedule (see Stages and ParseStages). The
	// highest target sets Subscribers and the stages' total length sets the
	// run's, so Subscribers (unless equal to that target) and Duration must
	// be 0. Closing subscribers on a ramp-down is not a failure.
	Stages Stages `json:"stages,omitempty"`
	// ReconnectDelay is how long a subscriber waits before reconnecting
	// after its stream ended, when the server sent no retry: field (the
	// server's value wins). 0 means DefaultReconnectDelay.
	ReconnectDelay time.Duration `json:"reconnect_delay"`
	// NoReconnect, when true, leaves a subscriber whose stream ended
	// without a stream until the run ends (it counts as dropped).
	NoReconnect bool `json:"no_reconnect"`
}

// validate lists the problems with o on its own.
func (o *ShapeOptions) validate() []error {
	var errs []error
	if o.Ramp < 0 {
		errs = append(errs, fmt.Errorf("--ramp must be >= 0, got %s", o.Ramp))
	}
	if o.ConnectRate < 0 {
		errs = append(errs, fmt.Errorf("--connect-rate must be >= 0, got %g/s", o.ConnectRate))
	}
	if o.Ramp > 0 && o.ConnectRate > 0 {
		errs = append(errs, fmt.Errorf("--ramp and --connect-rate both set how fast subscribers start; give one"))
	}
	if len(o.Stages) > 0 && (o.Ramp > 0 || o.ConnectRate > 0) {
		errs = append(errs, fmt.Errorf("--stages sets how fast subscribers start; it cannot be combined with --ramp or --connect-rate"))
	}
	if o.ReconnectDelay < 0 {
		errs = append(errs, fmt.Errorf("--reconnect-delay must be >= 0, got %s", o.ReconnectDelay))
	}
	return append(errs, o.Stages.validate()...)
}

// validateShape lists the problems with c's shape options, including those
// that involve other fields of c.
func (c *Config) validateShape() []error {
	errs := c.ShapeOptions.validate()
	if len(c.Stages) == 0 {
		return errs
	}
	if m := c.Stages.Max(); c.Subscribers != 0 && c.Subscribers != m {
		errs = append(errs, fmt.Errorf("--subscribers %d cannot be combined with --stages: the highest stage target (%d) is the number of subscribers", c.Subscribers, m))
	}
	if c.Duration != 0 {
		errs = append(errs, fmt.Errorf("--duration cannot be combined with --stages: the stages (%s in total) set the run's length", c.Stages.Duration()))
	}
	return errs
}

// withShapeDefaults fills the shape defaults; it runs last in withDefaults,
// so that with Stages it overrides the Subscribers and Duration defaults.
func (c Config) withShapeDefaults() Config {
	if c.ReconnectDelay == 0 {
		c.ReconnectDelay = DefaultReconnectDelay
	}
	if len(c.Stages) > 0 {
		c.Subscribers = c.Stages.Max()
		c.Duration = 0
	}
	return c
}

// schedule returns the run's Schedule and how long its steady state lasts
// (0: until the schedule is Done). c must have its defaults.
func (c *Config) schedule() (Schedule, time.Duration) {
	if len(c.Stages) > 0 {
		return c.Stages, 0
	}
	over := c.Ramp
	if c.ConnectRate > 0 {
		over = time.Duration(float64(c.Subscribers) / c.ConnectRate * float64(time.Second))
	}
	return Linear{To: c.Subscribers, Over: over}, c.Duration
}

// plannedSteady returns how long the steady state should last in total: the
// holds above 0 of the stages, or Duration.
func (c *Config) plannedSteady() time.Duration {
	if len(c.Stages) == 0 {
		return c.Duration
	}
	var d time.Duration
	from := 0
	for _, st := range c.Stages {
		if st.Target == from && st.Target > 0 {
			d += st.Duration
		}
		from = st.Target
	}
	return d
}
