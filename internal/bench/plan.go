package bench

// Job is one run of the plan: one target, one scenario, one repeat.
type Job struct {
	// Scenario is the load; ScenarioIndex its place in Suite.Scenarios.
	Scenario Scenario
	// ScenarioIndex is the scenario's index, from 0.
	ScenarioIndex int
	// Target is what is measured.
	Target *Target
	// Repeat counts from 1.
	Repeat int
}

// Plan lists every run in the order they run: scenario by scenario, and
// inside a scenario the repeats interleaved, every target once per repeat
// (A B C A B C …), so that drift on a shared machine hits every target
// alike. A target that does not speak a scenario's protocol is left out of
// it.
func Plan(s *Suite) []Job {
	var jobs []Job
	for i, sc := range s.Scenarios() {
		for r := 1; r <= s.Repeats; r++ {
			for t := range s.Targets {
				if !s.Targets[t].Speaks(sc.Protocol) {
					continue
				}
				jobs = append(jobs, Job{Scenario: sc, ScenarioIndex: i, Target: &s.Targets[t], Repeat: r})
			}
		}
	}
	return jobs
}
