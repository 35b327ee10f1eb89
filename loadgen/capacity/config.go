package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports/result"
)

// Defaults for Config's zero values and the flags of `ssebench limits`.
const (
	// DefaultStartSubscribers and DefaultMaxSubscribers bound a search over
	// subscribers. The maximum stays below the ~19k one process can hold
	// with the usual 20k descriptor limit, so the default search never
	// mistakes the client's limit for the server's.
	DefaultStartSubscribers = 100
	DefaultMaxSubscribers   = 10_000
	// DefaultStartRate and DefaultMaxRate bound a search over the publish
	// rate, in events per second.
	DefaultStartRate = 10.0
	DefaultMaxRate   = 100_000.0
	// DefaultStepDuration is how long each step is held. Ten seconds of
	// steady state give a p99 from thousands of events even at low rates.
	DefaultStepDuration = 10 * time.Second
	// DefaultBisect is the --bisect default: four halvings narrow the
	// interval between the last good and the first bad step to 1/16.
	DefaultBisect = 4
	// DefaultCooldown is the --cooldown default: long enough for a server
	// to notice the closed streams of the previous step (the reference
	// server checks every second) before the next one connects.
	DefaultCooldown = 2 * time.Second
	// DefaultKneeFactor is how many times the baseline p99 marks the knee.
	DefaultKneeFactor = 2.0
	// DefaultKneeFloor is the least climb that counts as a knee: a p99 of
	// 0.4 ms against 0.2 ms is noise, not a knee.
	DefaultKneeFloor = time.Millisecond
)

// A Runner runs one load step and returns its report, as loadgen.Run does.
type Runner func(ctx context.Context, cfg loadgen.Config) (*result.Report, error)

// Config configures a Search. The zero value of each field means its default.
type Config struct {
	// Base is the run every step starts from: target, protocol,
	// connections, latency source, publisher settings. Each step sets its
	// Duration to StepDuration and, when varying subscribers, its
	// Subscribers to the step's load; when varying the rate, Subscribers
	// is the fixed number of subscribers.
	Base loadgen.Config
	// Vary is what the steps increase: reports.VarySubscribers (""
	// means that) or reports.VaryRate. Varying the rate needs publisher
	// mode (Base.PublishURL: each step sets PublishRate) or a Prepare hook
	// that sets a server's own rate.
	Vary string
	// Start is the first step's load. 0 means DefaultStartSubscribers or
	// DefaultStartRate.
	Start float64
	// Step is how the load grows. The zero Step means DefaultStep (x2).
	Step Step
	// Max is the highest load tried; the last step is clamped to it. 0
	// means DefaultMaxSubscribers or DefaultMaxRate.
	Max float64
	// StepDuration is each step's steady state. 0 means
	// DefaultStepDuration.
	StepDuration time.Duration
	// Bisect is how many bisection steps run between the last good and
	// the first bad load; fewer when they are Resolution apart. 0 means
	// none.
	Bisect int
	// Resolution is the smallest load difference worth a bisection step.
	// 0 means 1 (one subscriber, or one event per second).
	Resolution float64
	// SLO are the objectives every step must meet. nil means
	// DefaultSLOPublisher in publisher mode, else DefaultSLO.
	SLO []Objective
	// KneeFactor and KneeFloor define the knee (see Knee). 0 means
	// DefaultKneeFactor and DefaultKneeFloor.
	KneeFactor float64
	// KneeFloor is the least p99 climb over the baseline that counts.
	KneeFloor time.Duration
	// Cooldown is the pause between steps, so the server can free what the
	// previous step held. 0 means none.
	Cooldown time.Duration

	// Prepare, when set, is called before each step with the step's load
	// and the step's run configuration, which it may change (e.g. point
	// URL at a server started with the step's event rate). release, when
	// not nil, is called after the step.
	Prepare func(ctx context.Context, load float64, cfg *loadgen.Config) (release func(), err error)
	// Settle, when set, is called after each step's Cooldown and before the
	// next step, e.g. to wait until a server in this process has no
	// subscribers left. An error ends the search.
	Settle func(ctx context.Context) error
	// OnStep, when set, is called after every step with its outcome, from
	// the searching goroutine. It should return quickly.
	OnStep func(result.LimitStep)
	// Run runs a step. nil means loadgen.Run; tests give fakes.
	Run Runner
}

// Validate reports every problem with c at once, each naming its flag.
func (c *Config) Validate() error {
	var errs []error
	vary := c.Vary
	switch vary {
	case "":
		vary = result.VarySubscribers
	case result.VarySubscribers, result.VaryRate:
	default:
		errs = append(errs, fmt.Errorf("--vary must be %s or %s, got %q", result.VarySubscribers, result.VaryRate, c.Vary))
	}
	if vary == result.VaryRate && c.Base.PublishURL == "" && c.Prepare == nil {
		errs = append(errs, errors.New("--vary rate against a URL needs publisher mode (--publish-url): ssebench can only vary the rate of the events it publishes itself"))
	}
	if bad(c.Start) || c.Start < 0 {
		errs = append(errs, fmt.Errorf("--start must be > 0, got %g", c.Start))
	}
	if bad(c.Max) || c.Max < 0 {
		errs = append(errs, fmt.Errorf("--max must be > 0, got %g", c.Max))
	}
	d := c.withDefaults()
	if d.Start > d.Max {
		errs = append(errs, fmt.Errorf("--start %g is above --max %g", d.Start, d.Max))
	}
	if vary == result.VarySubscribers && d.Start < 1 {
		errs = append(errs, fmt.Errorf("--start must be at least 1 subscriber, got %g", d.Start))
	}
	if c.Step != (Step{}) {
		if err := c.Step.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.StepDuration < 0 {
		errs = append(errs, fmt.Errorf("--step-duration must be > 0, got %s", c.StepDuration))
	}
	if c.Bisect < 0 {
		errs = append(errs, fmt.Errorf("--bisect must be >= 0, got %d", c.Bisect))
	}
	if bad(c.Resolution) || c.Resolution < 0 {
		errs = append(errs, fmt.Errorf("resolution must be >= 0, got %g", c.Resolution))
	}
	if bad(c.KneeFactor) || c.KneeFactor < 0 || (c.KneeFactor > 0 && c.KneeFactor <= 1) {
		errs = append(errs, fmt.Errorf("--knee-factor must be above 1, got %g", c.KneeFactor))
	}
	if c.KneeFloor < 0 {
		errs = append(errs, fmt.Errorf("knee floor must be >= 0, got %s", c.KneeFloor))
	}
	if c.Cooldown < 0 {
		errs = append(errs, fmt.Errorf("--cooldown must be >= 0, got %s", c.Cooldown))
	}
	if len(c.Base.Stages) > 0 {
		errs = append(errs, errors.New("--stages cannot be used with limits: each step holds one load"))
	}
	return errors.Join(errs...)
}

// bad reports NaN and infinities.
func bad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// withDefaults returns c with zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Vary == "" {
		c.Vary = result.VarySubscribers
	}
	if c.Start == 0 {
		c.Start = DefaultStartSubscribers
		if c.Vary == result.VaryRate {
			c.Start = DefaultStartRate
		}
	}
	if c.Max == 0 {
		c.Max = DefaultMaxSubscribers
		if c.Vary == result.VaryRate {
			c.Max = DefaultMaxRate
		}
	}
	if c.Step == (Step{}) {
		c.Step = DefaultStep
	}
	if c.StepDuration == 0 {
		c.StepDuration = DefaultStepDuration
	}
	if c.Resolution == 0 {
		c.Resolution = 1
	}
	if c.SLO == nil {
		def := DefaultSLO
		if c.Base.PublishURL != "" {
			def = DefaultSLOPublisher
		}
		c.SLO, _ = ParseSLO(def) // constants known to parse
	}
	if c.KneeFactor == 0 {
		c.KneeFactor = DefaultKneeFactor
	}
	if c.KneeFloor == 0 {
		c.KneeFloor = DefaultKneeFloor
	}
	if c.Run == nil {
		c.Run = loadgen.Run
	}
	return c
}

// round makes a load one the search can run: whole subscribers (at least
// one), or a rate to 1/100 event per second.
func (c *Config) round(load float64) float64 {
	if c.Vary == result.VarySubscribers {
		return math.Max(1, math.Round(load))
	}
	return math.Round(load*100) / 100
}

// unit names the load's unit for people.
func (c *Config) unit() string {
	if c.Vary == result.VaryRate {
		return "events/s"
	}
	return "subscribers"
}
