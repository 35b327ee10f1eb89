package loadgen

import (
	"github.com/ssebench/ssebench/loadgen/ids"
)

// idsSummary is what the event ids told about the run (package ids): their
// scheme, the resets in the steady state, and whether loss could be
// measured at all. reportBuilder puts it in the Report.
type idsSummary struct {
	scheme string
	resets uint64
	// measurable is false when the ids are not sequences: the gap and
	// duplicate counts (counted as though they were, because the scheme is
	// only known at the end) are then dropped.
	measurable bool
	// nonSequence is true when some event carried an id that is not a plain
	// sequence, or none: the report then says why loss was not measured.
	nonSequence bool
}

// idsOf returns what agg's event ids tell. Call it after the last collect.
func idsOf(agg *aggregator) idsSummary {
	var t ids.Tally
	for i := range agg.totals {
		t.Add(agg.totals[i].c.ids)
	}
	scheme := ids.SchemeOf(t)
	return idsSummary{
		scheme:      scheme,
		resets:      agg.totals[phaseSteady].c.idResets,
		measurable:  ids.Measurable(scheme),
		nonSequence: t.Plain+t.Composite+t.Opaque+t.NoID > 0,
	}
}
