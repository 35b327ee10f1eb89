//go:build !unix

package loadgen

import "time"

// processCPU returns 0: getrusage is Unix-only, so the self-check reports
// no CPU figure here and relies on the lag probe alone.
func processCPU() time.Duration { return 0 }
