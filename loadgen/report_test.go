package loadgen

import (
	"slices"
	"testing"

	"github.com/ssebench/ssebench/loadgen/ids"
	"github.com/ssebench/ssebench/reports/result"
)

// TestReportBuilder_warningOrder raises every warning the builder knows at
// once: they come in the one documented order, the active source's own in
// its place, whatever order the parts were computed in.
func TestReportBuilder_warningOrder(t *testing.T) {
	t.Parallel()
	b := &reportBuilder{
		cfg:         &Config{Subscribers: 10, Embedded: true, ShapeOptions: ShapeOptions{NoReconnect: true}},
		interrupted: true,
		active:      noActive{},
		saturated:   "the load generator was saturated",
		heldHeaders: 2,
	}
	rep := &result.Report{
		Interrupted: true,
		Subscribers: result.Subscribers{Requested: 10, Failed: 3, Dropped: 1},
		Events:      result.Events{IDResets: 2},
		Errors:      map[string]int64{ClassNoContent: 1, ClassProtocolMismatch: 4},
	}
	agg := &aggSummary{outOfRange: 5}
	id := idsSummary{scheme: ids.SchemeOf(ids.Tally{Opaque: 1}), nonSequence: true}
	pub := []result.Warning{{Code: result.WarnPublishFailed, Message: "publish failed"}}

	var got []string
	for _, w := range b.warnings(rep, agg, id, pub) {
		if w.Message == "" {
			t.Errorf("warning %s has no sentence", w.Code)
		}
		got = append(got, w.Code)
	}
	want := []string{
		result.WarnInterrupted, result.WarnNoLatencySource, result.WarnLatencyOutOfRange,
		result.WarnSubscribersFailed, result.WarnEmbeddedServer, result.WarnPublishFailed,
		result.WarnSessionsDropped, result.WarnServerSaidStop, result.WarnLossNotMeasured,
		result.WarnIDResets, result.WarnProtocolMismatch, result.WarnSaturated, result.WarnHeadersHeld,
	}
	if !slices.Equal(got, want) {
		t.Errorf("warning codes =\n%q\nwant\n%q", got, want)
	}
}
