package capacity

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// Default objectives, the --slo default: what users of a live feed notice
// first. In publisher mode ssebench knows how many events were published,
// so delivery_ratio is measured; otherwise the events lost by sequence id
// (events.loss_ratio) stand in for it, which needs numeric event ids.
const (
	DefaultSLO          = "fanout.p99<100ms,errors.rate<0.1%,events.loss_ratio<0.1%"
	DefaultSLOPublisher = "fanout.p99<100ms,errors.rate<0.1%,delivery_ratio>99.9%"
)

// An Objective is one service-level objective a load step must meet.
//
// ParseSLO builds Objectives from the threshold expressions of `ssebench
// run --threshold` (reports.ParseThreshold), so both commands share one
// grammar and one set of metric names. The interface keeps the search
// independent of that grammar: tests and other callers can give their own.
// Check is called from the searching goroutine only.
type Objective interface {
	// String is the objective as written, e.g. "fanout.p99<100ms".
	String() string
	// Check evaluates the objective against one step's report. A metric
	// the report lacks fails the check, with NoData set.
	Check(r *result.Report) result.SLOCheck
}

// ParseSLO parses a comma-separated list of objectives, each a threshold
// expression METRIC OP VALUE (see reports.ParseThreshold), e.g.
// "fanout.p99<100ms,errors.rate<0.1%,delivery_ratio>99.9%". Every problem
// is reported at once.
func ParseSLO(s string) ([]Objective, error) {
	var objs []Objective
	var errs []error
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		t, err := result.ParseThreshold(part)
		if err != nil {
			errs = append(errs, fmt.Errorf("--slo: %w", err))
			continue
		}
		objs = append(objs, threshold{t})
	}
	if len(errs) == 0 && len(objs) == 0 {
		errs = append(errs, errors.New("--slo: no objective given"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return objs, nil
}

// threshold adapts a reports.Threshold to an Objective.
type threshold struct{ t result.Threshold }

var _ Objective = threshold{}

// String implements Objective.
func (o threshold) String() string { return o.t.Expr }

// Check implements Objective.
func (o threshold) Check(r *result.Report) result.SLOCheck {
	res := o.t.Evaluate(r)
	c := result.SLOCheck{Objective: o.t.Expr, Measured: res.MeasuredText(), Unit: res.Unit, Pass: res.Pass, Message: res.Message}
	if res.Measured == nil {
		c.NoData = true
	} else {
		c.Value = *res.Measured
	}
	return c
}

// value returns the named metric of r (reports.LookupMetric), and false
// when r did not measure it.
func value(name string, r *result.Report) (float64, bool) {
	m, err := result.LookupMetric(name)
	if err != nil {
		return 0, false
	}
	v, err := m.Value(r)
	return v, err == nil
}

// deliveryRatio is the share of events that arrived: the publisher's
// delivery_ratio in publisher mode, else 1 − events.loss_ratio (what the
// event ids say went missing on the streams held).
func deliveryRatio(r *result.Report) (float64, bool) {
	if v, ok := value("delivery_ratio", r); ok {
		return v, true
	}
	if v, ok := value("events.loss_ratio", r); ok {
		return 1 - v, true
	}
	return 0, false
}
