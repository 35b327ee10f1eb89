package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/ssebench/ssebench/loadgen/publish"
	"github.com/ssebench/ssebench/reports/result"
)

// An ActiveSource is a latency source that takes part in the run instead of
// reading a stamp the events carry: it publishes the events itself (publisher
// mode), keeps the audience of streams expected to receive them, judges each
// delivery, and contributes its own part of the report. Run makes it once
// (newActiveSource) and wires it into the driver, the subscribers (through
// Config.activeSource) and the report builder; a run without one gets
// noActive, whose hooks do nothing, so neither the runner nor the
// subscriber special-cases the mode. The Publisher of package publish is
// the one implementation.
//
// Slots are the subscriber positions of the run, 0 to Config.Subscribers-1.
// Join, Leave and Deliver for one slot are called by that slot's session
// goroutine only (sessions of a slot never overlap); different slots call
// concurrently. Steady and Finish are called by the runner's driver.
type ActiveSource interface {
	// Name describes the source for the report, e.g. "publisher"; "" for
	// none.
	Name() string
	// Join adds slot's new stream to the audience. The subscriber calls it
	// once the stream is up, before it counts as answered.
	Join(slot int)
	// Leave removes slot's stream from the audience when the stream ends.
	Leave(slot int)
	// Deliver judges an event with this data that slot's stream received
	// at at. ok is false when the event is not the source's or the slot
	// already had it; else d is its latency, and replayed is true for an
	// event published before the stream joined (a replay after a
	// reconnection, kept apart from live fan-out). It is called for every
	// event: it must not block and should not allocate.
	Deliver(slot int, data []byte, at time.Time) (d time.Duration, replayed, ok bool)
	// HeaderHold is how long the steady state may wait for subscribers
	// whose request is out with no answer: a server may hold its response
	// headers until its first event, which the source publishes only in
	// the steady state. 0 means the steady state waits for every answer.
	HeaderHold() time.Duration
	// Steady tells the source that the steady state began (on) or ended at
	// now. It must not block: it runs on the driver's schedule.
	Steady(ctx context.Context, on bool, now time.Time)
	// Drains tells whether Finish keeps the streams open for events
	// published in the steady state: what arrives until it returns then
	// still belongs to the steady state.
	Drains() bool
	// Finish ends the source's work after the steady state ended at end,
	// before the streams close. ctx is the run's: when it has ended (an
	// interrupted run) the streams are already closing.
	Finish(ctx context.Context, end time.Time)
	// Report returns the source's part of the report (nil for none) and the
	// warnings it calls for, in order, for a steady state of durationS
	// seconds. Call it after Finish.
	Report(durationS float64, interrupted bool) (*result.Publish, []result.Warning, error)
}

// noActive is the ActiveSource of a run without one: every hook is a no-op.
type noActive struct{}

var _ ActiveSource = noActive{}

func (noActive) Name() string { return "" }
func (noActive) Join(int)     {}
func (noActive) Leave(int)    {}
func (noActive) Drains() bool { return false }
func (noActive) HeaderHold() time.Duration {
	return 0
}
func (noActive) Deliver(int, []byte, time.Time) (time.Duration, bool, bool) {
	return 0, false, false
}
func (noActive) Steady(context.Context, bool, time.Time) {}
func (noActive) Finish(context.Context, time.Time)       {}
func (noActive) Report(float64, bool) (*result.Publish, []result.Warning, error) {
	return nil, nil, nil
}

var _ ActiveSource = (*publish.Publisher)(nil)

// newActiveSource returns the run's active source: in publisher mode
// (PublishURL) the publisher of cfg, which has its defaults; else noActive.
func newActiveSource(cfg *Config) (ActiveSource, error) {
	if cfg.PublishURL == "" {
		return noActive{}, nil
	}
	o := cfg.LatencyOptions.withDefaults()
	steady := cfg.Duration
	if len(cfg.Stages) > 0 {
		steady = cfg.Stages.Duration()
	}
	p, err := publish.New(publish.Options{
		URL:         o.PublishURL,
		Method:      o.PublishMethod,
		Header:      o.PublishHeader,
		Body:        o.PublishBody,
		Rate:        o.PublishRate,
		Concurrency: o.PublishConcurrency,
		Timeout:     o.PublishTimeout,
		Drain:       o.PublishDrain,
		Steady:      steady,
		Slots:       cfg.Subscribers,
		TLS:         cfg.TLSOptions(),
	})
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	return p, nil
}

// activeSource returns the run's active source, noActive without one.
func (c *Config) activeSource() ActiveSource {
	if c.active == nil {
		return noActive{}
	}
	return c.active
}
