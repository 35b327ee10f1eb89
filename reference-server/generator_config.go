package refserver

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Arrival patterns of a generator, the values of GeneratorConfig.Pattern.
const (
	// PatternConstant spaces events evenly: event k is due at k/Rate
	// seconds after the start. It is the default.
	PatternConstant = "constant"
	// PatternPoisson draws the gaps between events from an exponential
	// distribution with mean 1/Rate, as independent arrivals would be.
	PatternPoisson = "poisson"
	// PatternBurst publishes BurstEvents events at once every
	// BurstInterval.
	PatternBurst = "burst"
)

// A GeneratorConfig describes one built-in publisher of synthetic events in
// the documented wire format (see WireFormat). Each event is stamped with
// the time it was scheduled for, not the time the generator got to it, so a
// generator that falls behind shows as latency instead of hiding it
// (coordinated omission).
//
// On the command line it is written as comma-separated key=value pairs,
// see ParseGenerator:
//
//	topic=prices,rate=200,payload=64,pattern=poisson
//	topic=news,pattern=burst,burst=100,every=1s
type GeneratorConfig struct {
	// Topic is where the events go. "" means the default topic.
	Topic string `json:"topic"`
	// Pattern is PatternConstant, PatternPoisson or PatternBurst. "" means
	// PatternConstant.
	Pattern string `json:"pattern"`
	// Rate is the mean number of events per second of the constant and
	// poisson patterns, fractions allowed. It must be 0 for bursts.
	Rate float64 `json:"rate"`
	// PayloadBytes is the length of each event's data value, as in
	// Config.PayloadBytes.
	PayloadBytes int `json:"payload_bytes"`
	// BurstEvents is how many events a burst holds.
	BurstEvents int `json:"burst_events"`
	// BurstInterval is the time between bursts; the first comes one
	// interval after the start.
	BurstInterval time.Duration `json:"burst_interval"`
	// Seed seeds the poisson pattern's random numbers, so that a run can
	// be repeated. 0 picks a random seed.
	Seed uint64 `json:"seed"`
}

// topic returns the topic name with the default filled in.
func (g GeneratorConfig) topic() string { return cmp.Or(g.Topic, defaultTopic) }

// pattern returns the pattern with the default filled in.
func (g GeneratorConfig) pattern() string { return cmp.Or(g.Pattern, PatternConstant) }

// Validate reports every invalid field at once.
func (g GeneratorConfig) Validate() error {
	var errs []error
	if err := validTopic(g.topic()); err != nil {
		errs = append(errs, err)
	}
	if g.PayloadBytes < 0 || g.PayloadBytes > MaxPayloadBytes {
		errs = append(errs, fmt.Errorf("payload must be between 0 and %d bytes, got %d", MaxPayloadBytes, g.PayloadBytes))
	}
	switch g.pattern() {
	case PatternConstant, PatternPoisson:
		if math.IsNaN(g.Rate) || g.Rate <= 0 || g.Rate > MaxRate {
			errs = append(errs, fmt.Errorf("rate must be > 0 and <= %g events/s, got %g", MaxRate, g.Rate))
		}
		if g.BurstEvents != 0 || g.BurstInterval != 0 {
			errs = append(errs, errors.New("burst and every are for pattern=burst"))
		}
	case PatternBurst:
		if g.Rate != 0 {
			errs = append(errs, errors.New("a burst's rate is burst/every; leave rate out"))
		}
		if g.BurstEvents < 1 || g.BurstEvents > maxCatchUp {
			errs = append(errs, fmt.Errorf("burst must be between 1 and %d events, got %d", maxCatchUp, g.BurstEvents))
		}
		if g.BurstInterval <= 0 {
			errs = append(errs, fmt.Errorf("every must be > 0, got %v", g.BurstInterval))
		} else if float64(g.BurstEvents)/g.BurstInterval.Seconds() > MaxRate {
			errs = append(errs, fmt.Errorf("burst/every must be <= %g events/s", MaxRate))
		}
	default:
		errs = append(errs, fmt.Errorf("pattern must be %s, %s or %s, got %q", PatternConstant, PatternPoisson, PatternBurst, g.Pattern))
	}
	return errors.Join(errs...)
}

// String returns g in the syntax ParseGenerator reads.
func (g GeneratorConfig) String() string {
	s := "topic=" + g.topic() + ",pattern=" + g.pattern()
	if g.Rate != 0 {
		s += ",rate=" + strconv.FormatFloat(g.Rate, 'g', -1, 64)
	}
	s += ",payload=" + strconv.Itoa(g.PayloadBytes)
	if g.BurstEvents != 0 || g.BurstInterval != 0 {
		s += ",burst=" + strconv.Itoa(g.BurstEvents) + ",every=" + g.BurstInterval.String()
	}
	if g.Seed != 0 {
		s += ",seed=" + strconv.FormatUint(g.Seed, 10)
	}
	return s
}

// ParseGenerator reads a generator from comma-separated key=value pairs:
// topic, pattern (constant, poisson or burst), rate (events/s), payload
// (bytes, default DefaultPayloadBytes), burst (events), every (a duration)
// and seed. It checks the syntax; Validate checks the values.
func ParseGenerator(s string) (GeneratorConfig, error) {
	g := GeneratorConfig{PayloadBytes: DefaultPayloadBytes}
	seen := map[string]bool{}
	for kv := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || v == "" {
			return g, fmt.Errorf("generator %q: %q is not key=value", s, kv)
		}
		if seen[k] {
			return g, fmt.Errorf("generator %q: %s given twice", s, k)
		}
		seen[k] = true
		var err error
		switch k {
		case "topic":
			g.Topic = v
		case "pattern":
			g.Pattern = v
		case "rate":
			g.Rate, err = strconv.ParseFloat(v, 64)
		case "payload":
			g.PayloadBytes, err = strconv.Atoi(v)
		case "burst":
			g.BurstEvents, err = strconv.Atoi(v)
		case "every":
			g.BurstInterval, err = time.ParseDuration(v)
		case "seed":
			g.Seed, err = strconv.ParseUint(v, 10, 64)
		default:
			return g, fmt.Errorf("generator %q: unknown key %q (have topic, pattern, rate, payload, burst, every, seed)", s, k)
		}
		if err != nil {
			return g, fmt.Errorf("generator %q: %s: %w", s, k, err)
		}
	}
	return g, nil
}
