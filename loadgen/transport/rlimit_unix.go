//go:build unix

package transport

import (
	"math"
	"os"
	"syscall"
)

// RaiseFDLimit raises RLIMIT_NOFILE's soft limit to the hard limit and
// returns the limits as they are afterwards.
//
// Since Go 1.19 the os package already does this at startup on Unix (and
// restores the old soft limit for exec'd children), so in the ssebench
// binary this is normally a no-op and soft == hard on entry. A run does it
// again because loadgen is a library: a host program may have lowered the
// limit since, and the precheck must see the limit that applies. When the
// raise fails (macOS caps the soft limit at OPEN_MAX), the current soft
// limit stands and the precheck uses it.
func RaiseFDLimit() (soft, hard int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			lim = raised
		}
	}
	return clampInt(lim.Cur), clampInt(lim.Max)
}

// clampInt converts a limit (uint64 on Linux and macOS, int64 on some BSDs)
// to an int.
func clampInt[T int64 | uint64](v T) int {
	if uint64(v) > math.MaxInt32 {
		return math.MaxInt32 // RLIM_INFINITY and the like: no practical limit
	}
	return int(v)
}

// OpenFDs counts the descriptors open in this process, or returns 0 when
// it cannot tell (the caller keeps a reserve for them).
func OpenFDs() int {
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		if ents, err := os.ReadDir(dir); err == nil {
			return len(ents)
		}
	}
	return 0
}
