package main

import (
	"bytes"
	"flag"
	"strings"
	"testing"
)

// TestRunExtensions_addFlagsAndAdjustThePlan registers a flag group the
// way another file of this command would, and checks that its flag
// parses and that its function adjusts the plan before validation.
func TestRunExtensions_addFlagsAndAdjustThePlan(t *testing.T) {
	var half bool
	ext := func(fs *flag.FlagSet, p *runPlan) func() error {
		fs.BoolVar(&half, "half", false, "test only: halve --subscribers")
		return func() error {
			if half {
				p.cfg.Subscribers /= 2
			}
			return nil
		}
	}
	runExtensions = append(runExtensions, ext)
	defer func() { runExtensions = runExtensions[:len(runExtensions)-1] }()
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"run", "--dry-run", "--subscribers", "10", "--half"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "subscribers: 5\n") || !strings.Contains(stdout.String(), "half: true") {
		t.Errorf("dry run:\n%s\nwant subscribers: 5 and half: true", stdout.String())
	}
}
