package capacity_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/capacity"
	"github.com/ssebench/ssebench/reports/result"
)

// ExampleSearch searches a model server that serves up to 300 subscribers:
// doubling from 100 finds 200 good and 400 bad, and the bisection narrows
// the interval to the exact limit.
func ExampleSearch() {
	model := func(_ context.Context, cfg loadgen.Config) (*result.Report, error) {
		n := cfg.Subscribers
		ok := min(n, 300)
		return &result.Report{
			DurationS:   cfg.Duration.Seconds(),
			Subscribers: result.Subscribers{Requested: n, Connected: ok, Failed: n - ok},
			Errors:      map[string]int64{"status": int64(n - ok)},
		}, nil
	}
	slo, _ := capacity.ParseSLO("errors.rate<0.1%")
	l, err := capacity.Search(context.Background(), capacity.Config{
		Base:         loadgen.Config{URL: "http://127.0.0.1:8080/events"},
		Start:        100,
		Max:          1000,
		StepDuration: time.Second,
		Bisect:       8,
		SLO:          slo,
		Run:          model,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range l.Steps {
		fmt.Printf("%s %g pass=%t\n", st.Phase, st.Load, st.Pass)
	}
	fmt.Println(l.Verdict, l.Best.Load, l.FirstBad.Load)
	// Output:
	// step 100 pass=true
	// step 200 pass=true
	// step 400 pass=false
	// bisect 300 pass=true
	// bisect 350 pass=false
	// bisect 325 pass=false
	// bisect 313 pass=false
	// bisect 307 pass=false
	// bisect 304 pass=false
	// bisect 302 pass=false
	// bisect 301 pass=false
	// server_limit 300 301
}

func ExampleParseStep() {
	for _, s := range []string{"x2", "+500"} {
		st, _ := capacity.ParseStep(s)
		fmt.Println(s, "→", st.Next(1000))
	}
	// Output:
	// x2 → 2000
	// +500 → 1500
}
