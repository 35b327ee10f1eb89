//go:build !unix

package loadgen

// raiseFDLimit does nothing where there is no RLIMIT_NOFILE; 0 skips the
// descriptor precheck.
func raiseFDLimit() (soft, hard int) { return 0, 0 }

// openFDs is unknown here.
func openFDs() int { return 0 }
