package result

import "testing"

func TestReport_WarningCode(t *testing.T) {
	t.Parallel()
	r := &Report{}
	r.Warn(WarnInterrupted, "stopped early")
	r.Warn(WarnSaturated, "busy")
	if got := r.WarningCode(1); got != WarnSaturated {
		t.Errorf("WarningCode(1) = %q, want %q", got, WarnSaturated)
	}
	// A result written before codes: every warning is "unknown".
	old := &Report{Warnings: []string{"an old warning"}}
	if got := old.WarningCode(0); got != WarnUnknown {
		t.Errorf("old result: WarningCode(0) = %q, want %q", got, WarnUnknown)
	}
}
