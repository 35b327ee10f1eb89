package result

import (
	"errors"
	"fmt"
)

// Kind is what a metric measures. It fixes the metric's unit in a Report
// and the units a threshold or tolerance may use with it.
type Kind int

// Kinds of metric. The zero Kind is a count.
const (
	// KindCount is a plain number: events, subscribers, errors.
	KindCount Kind = iota
	// KindDuration is a time, in microseconds. Thresholds must give a
	// unit: ns, us (µs), ms, s, m or h.
	KindDuration
	// KindRatio is a fraction: 0.5 is 50%. Thresholds give it with % or
	// as a plain fraction.
	KindRatio
	// KindRate is a number per second. Thresholds give it as N, N/s or
	// N/m (per minute).
	KindRate
)

// Unit is how values of the kind are stored in a Report's thresholds:
// "us", "ratio", "per_s", or "" for a count.
func (k Kind) Unit() string {
	switch k {
	case KindDuration:
		return "us"
	case KindRatio:
		return "ratio"
	case KindRate:
		return "per_s"
	}
	return ""
}

// ErrNotMeasured is wrapped by Metric.Value when the run did not measure
// the metric: fan-out latency without a latency source, the delivery
// ratio outside publisher mode, a percentile of an empty distribution.
// A threshold on such a metric fails; it never passes by default.
var ErrNotMeasured = errors.New("not measured")

// notMeasured returns an error wrapping ErrNotMeasured that says why.
func notMeasured(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotMeasured, fmt.Sprintf(format, args...))
}

// Metric is one figure of a Report that thresholds and compare can name,
// such as "fanout.p99" or "errors.rate".
type Metric struct {
	// Name is the metric's name as written, e.g. "fanout.p99.9".
	Name string
	// Kind fixes the metric's unit.
	Kind Kind
	// Better is -1 when lower values are better (latency, errors), +1
	// when higher are (events/s, delivery ratio) and 0 when neither is
	// (counts that only describe the run).
	Better int

	value func(r *Report) (float64, error)
}

// Value returns the metric's value in r, in the unit of its Kind. The
// error wraps ErrNotMeasured when r lacks the figure.
func (m Metric) Value(r *Report) (float64, error) { return m.value(r) }

// distFamily is a distribution whose statistics are metrics: a latency
// (µs) or the per-subscriber event counts.
type distFamily struct {
	name string
	kind Kind
	// pre, when set, says why the run cannot have measured the
	// distribution at all (nil when it could).
	pre func(r *Report) error
	// pick returns the distribution.
	pick func(r *Report) Latency
	// empty says why a distribution may have no values.
	empty string
}

// distFamilies lists the distributions by metric prefix. Each gives
// NAME.count, .min, .mean, .max, .p50, .p90, .p95, .p99, .p999 and any
// other percentile .pN.
var distFamilies = []distFamily{
	{name: "fanout", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.Fanout },
		pre: func(r *Report) error {
			if r.LatencySource == "" {
				return notMeasured("the run had no fan-out latency source (--latency none, or a target whose events carry no stamp)")
			}
			return nil
		},
		empty: "no event carried a latency stamp the source could read"},
	{name: "connect", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.Connect },
		empty: "no subscriber connected"},
	{name: "first_event", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.FirstEvent },
		empty: "no subscriber received an event"},
	{name: "headers", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.Headers },
		empty: "no response headers were received"},
	{name: "inter_event", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.InterEvent },
		empty: "no stream received two events"},
	{name: "reconnect", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.Reconnect },
		empty: "no subscriber reconnected"},
	{name: "replayed", kind: KindDuration, pick: func(r *Report) Latency { return r.LatencyUS.Replayed },
		empty: "no reconnected stream delivered an event published before it began"},
	{name: "publish", kind: KindDuration,
		pick: func(r *Report) Latency {
			if r.Publish == nil {
				return Latency{}
			}
			return r.Publish.LatencyUS
		},
		pre: func(r *Report) error {
			if r.Publish == nil {
				return notMeasured("publish latency needs publisher mode (--publish-url)")
			}
			return nil
		},
		empty: "no publish request succeeded"},
	{name: "per_subscriber_events", kind: KindCount, pick: func(r *Report) Latency { return r.PerSubscriberEvents },
		empty: "no subscriber held a stream in the steady state"},
}

// get returns the distribution, or a not-measured error when the run
// could not measure it or it is empty.
func (f distFamily) get(r *Report) (Latency, error) {
	if f.pre != nil {
		if err := f.pre(r); err != nil {
			return Latency{}, err
		}
	}
	l := f.pick(r)
	if l.Count == 0 {
		return l, notMeasured("%s: %s", f.name, f.empty)
	}
	return l, nil
}

// distStats lists the statistics every distribution has besides pN, in
// the order MetricNames shows them.
var distStats = []string{"p50", "p90", "p95", "p99", "p999", "min", "mean", "max", "count"}

// scalarMetrics are the metrics that are not statistics of a
// distribution, by name.
var scalarMetrics = []Metric{
	{Name: "events.received", Kind: KindCount, Better: +1, value: func(r *Report) (float64, error) { return float64(r.Events.Received), nil }},
	{Name: "events.rate", Kind: KindRate, Better: +1, value: func(r *Report) (float64, error) { return r.Events.RatePerS, nil }},
	{Name: "events.bytes", Kind: KindCount, value: func(r *Report) (float64, error) { return float64(r.Events.Bytes), nil }},
	{Name: "events.bytes_rate", Kind: KindRate, value: func(r *Report) (float64, error) { return r.Events.BytesPerS, nil }},
	{Name: "events.gaps", Kind: KindCount, Better: -1, value: idCount(func(e *Events) uint64 { return e.Gaps })},
	{Name: "events.duplicates", Kind: KindCount, Better: -1, value: idCount(func(e *Events) uint64 { return e.Duplicates })},
	{Name: "events.lost_on_reconnect", Kind: KindCount, Better: -1, value: idCount(func(e *Events) uint64 { return e.LostOnReconnect })},
	{Name: "events.id_resets", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.Events.IDResets), nil }},
	{Name: "events.comments", Kind: KindCount, value: func(r *Report) (float64, error) { return float64(r.Events.Comments), nil }},
	{Name: "events.loss_ratio", Kind: KindRatio, Better: -1, value: func(r *Report) (float64, error) {
		// Gaps are the events known to be missing (by sequence id), so
		// received + gaps is what should have arrived.
		if err := idsMeasurable(r); err != nil {
			return 0, err
		}
		n := float64(r.Events.Received) + float64(r.Events.Gaps)
		if n == 0 {
			return 0, notMeasured("no events were received")
		}
		return float64(r.Events.Gaps) / n, nil
	}},
	{Name: "subscribers.requested", Kind: KindCount, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Requested), nil }},
	{Name: "subscribers.connected", Kind: KindCount, Better: +1, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Connected), nil }},
	{Name: "subscribers.failed", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Failed), nil }},
	{Name: "subscribers.dropped", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Dropped), nil }},
	{Name: "subscribers.reconnects", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Reconnects), nil }},
	{Name: "subscribers.redirects", Kind: KindCount, value: func(r *Report) (float64, error) { return float64(r.Subscribers.Redirects), nil }},
	{Name: "errors.count", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) { return float64(r.ErrorCount()), nil }},
	{Name: "errors.rate", Kind: KindRatio, Better: -1, value: errorRate},
	{Name: "delivery_ratio", Kind: KindRatio, Better: +1, value: func(r *Report) (float64, error) {
		if r.DeliveryRatio == nil {
			return 0, notMeasured("the delivery ratio needs publisher mode (--publish-url), where ssebench knows how many events were published")
		}
		return *r.DeliveryRatio, nil
	}},
	{Name: "publish.sent", Kind: KindCount, Better: +1, value: publishCount(func(p *Publish) uint64 { return p.Sent })},
	{Name: "publish.failed", Kind: KindCount, Better: -1, value: publishCount(func(p *Publish) uint64 { return p.Failed })},
	{Name: "publish.duplicates", Kind: KindCount, Better: -1, value: publishCount(func(p *Publish) uint64 { return p.Duplicates })},
	{Name: "publish.replayed", Kind: KindCount, value: publishCount(func(p *Publish) uint64 { return p.Replayed })},
	{Name: "publish.rate", Kind: KindRate, Better: +1, value: func(r *Report) (float64, error) {
		if r.Publish == nil {
			return 0, notMeasured("the publish rate needs publisher mode (--publish-url)")
		}
		return r.Publish.RatePerS, nil
	}},
	{Name: "transport.connections", Kind: KindCount, value: func(r *Report) (float64, error) { return float64(r.Transport.Connections), nil }},
	{Name: "self_check.cpu", Kind: KindRatio, Better: -1, value: func(r *Report) (float64, error) {
		if r.SelfCheck.Cores == 0 {
			return 0, notMeasured("the self-check did not run")
		}
		return r.SelfCheck.CPUPercent / 100, nil
	}},
	{Name: "self_check.reader_lag", Kind: KindDuration, Better: -1, value: func(r *Report) (float64, error) {
		if r.SelfCheck.Cores == 0 {
			return 0, notMeasured("the self-check did not run")
		}
		return float64(r.SelfCheck.ReaderLagUS), nil
	}},
	{Name: "self_check.saturated", Kind: KindCount, Better: -1, value: func(r *Report) (float64, error) {
		if r.SelfCheck.Saturated {
			return 1, nil
		}
		return 0, nil
	}},
}

// idsMeasurable returns a not-measured error when r's event ids are not
// sequences, so that gaps and duplicates say nothing (see Events.IDScheme).
func idsMeasurable(r *Report) error {
	switch r.Events.IDScheme {
	case "increasing":
		return notMeasured("the event ids increase by steps other than 1 (a counter shared by several streams, or timestamps), so a jump in them says nothing about loss")
	case "opaque":
		return notMeasured("the event ids are not sequence numbers (UUIDs or other opaque strings)")
	case "none":
		return notMeasured("the events carry no id")
	}
	return nil
}

// idCount reads a count that only sequence ids measure.
func idCount(f func(*Events) uint64) func(*Report) (float64, error) {
	return func(r *Report) (float64, error) {
		if err := idsMeasurable(r); err != nil {
			return 0, err
		}
		return float64(f(&r.Events)), nil
	}
}

// errorRate is errors.rate: failures of every class per connection
// attempt ssebench knows of, that is per subscriber plus per successful
// reconnect. Failed reconnect attempts add errors but no attempts, so the
// rate can exceed 100% when a server keeps refusing reconnections.
func errorRate(r *Report) (float64, error) {
	attempts := float64(r.Subscribers.Requested) + float64(r.Subscribers.Reconnects)
	if attempts == 0 {
		return 0, notMeasured("no subscriber was started")
	}
	return float64(r.ErrorCount()) / attempts, nil
}

// publishCount reads a publisher count, which only publisher mode has.
func publishCount(f func(*Publish) uint64) func(*Report) (float64, error) {
	return func(r *Report) (float64, error) {
		if r.Publish == nil {
			return 0, notMeasured("publish counts need publisher mode (--publish-url)")
		}
		return float64(f(r.Publish)), nil
	}
}

// ErrorClasses are the failure classes the load generator records, the
// keys of Report.Errors; errors.CLASS counts one of them. The list
// mirrors loadgen's Class constants (reports does not import loadgen).
var ErrorClasses = []string{"content_type", "dial", "eof", "fd_limit", "local_ports", "protocol",
	"protocol_mismatch", "read", "redirect", "status", "timeout", "tls", "too_large"}
