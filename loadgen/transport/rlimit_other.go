//go:build !unix

package transport

// RaiseFDLimit does nothing where there is no RLIMIT_NOFILE; 0 skips the
// descriptor precheck.
func RaiseFDLimit() (soft, hard int) { return 0, 0 }

// OpenFDs is unknown here.
func OpenFDs() int { return 0 }
