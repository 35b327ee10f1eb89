package reports_test

import (
	"os"

	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

// Several runs render together: csv puts every run's intervals in one
// table, named by the run's Label.
func ExampleLookupMulti() {
	a := &result.Report{Label: "before", Intervals: []result.Interval{{ElapsedS: 1, Connected: 10, Events: 100, EventsPerS: 100}}}
	b := &result.Report{Label: "after", Intervals: []result.Interval{{ElapsedS: 1, Connected: 10, Events: 120, EventsPerS: 120}}}
	render, err := reports.LookupMulti("csv")
	if err != nil {
		panic(err)
	}
	if err := render(os.Stdout, []*result.Report{a, b}); err != nil {
		panic(err)
	}
	// Output:
	// run,elapsed_s,connected,events,bytes,events_per_s,bytes_per_s,fanout_p50_us,fanout_p99_us,errors,reconnects
	// before,1.000,10,100,0,100.0,0.0,0,0,0,0
	// after,1.000,10,120,0,120.0,0.0,0,0,0,0
}
