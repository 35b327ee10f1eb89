package loadgen

import (
	"fmt"

	"github.com/ssebench/ssebench/loadgen/ids"
	"github.com/ssebench/ssebench/reports/result"
)

// fillIDs puts what the event ids tell into rep: the run's id scheme and
// resets, and, when the ids are not sequences, drops the gap and duplicate
// counts (they were counted as though the ids were consecutive, because
// the scheme is only known at the end) with a warning that says why loss
// was not measured. It also fills the replayed latency. Call it after the
// last collect and after fillShape.
func fillIDs(rep *result.Report, agg *aggregator) error {
	var t ids.Tally
	for i := range agg.totals {
		t.Add(agg.totals[i].c.ids)
	}
	scheme := ids.SchemeOf(t)
	rep.Events.IDScheme = scheme
	rep.Events.IDResets = agg.totals[phaseSteady].c.idResets
	if !ids.Measurable(scheme) {
		rep.Events.Gaps, rep.Events.Duplicates, rep.Events.LostOnReconnect = 0, 0, 0
		if t.Plain+t.Composite+t.Opaque+t.NoID > 0 {
			rep.Warn(result.WarnLossNotMeasured, fmt.Sprintf("event loss was not measured (gaps, duplicates, loss ratio): %s", ids.Why(scheme)))
		}
	}
	if n := rep.Events.IDResets; n > 0 {
		rep.Warn(result.WarnIDResets, fmt.Sprintf("event ids started again from a lower number %d times after a reconnect (a server restart?); counting went on from the new ids", n))
	}
	var err error
	rep.LatencyUS.Replayed, err = agg.replay.summary()
	return err
}
