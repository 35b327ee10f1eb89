package bench

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ParseCPUs reads a CPU list as taskset takes it: "0", "0-3", "0,2,4-5".
func ParseCPUs(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var cpus []int
	seen := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a || b >= maxCPUs {
			return nil, fmt.Errorf("CPU list %q: want numbers and ranges such as 0,2-3", s)
		}
		for c := a; c <= b; c++ {
			if !seen[c] {
				seen[c] = true
				cpus = append(cpus, c)
			}
		}
	}
	var online unix.CPUSet
	if err := unix.SchedGetaffinity(0, &online); err == nil {
		for _, c := range cpus {
			if !online.IsSet(c) {
				return nil, fmt.Errorf("CPU list %q: CPU %d is not available to this process (%d usable)", s, c, online.Count())
			}
		}
	}
	return cpus, nil
}

func cpuSet(cpus []int) *unix.CPUSet {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return &set
}

// PinSelf pins every thread of this process to cpus, and sets GOMAXPROCS
// to their number so that the self-check judges saturation against the
// cores the client really has. sched_setaffinity acts on one thread, so
// each thread in /proc/self/task is set; threads started later inherit it
// from their creator.
func PinSelf(cpus []int) error {
	if len(cpus) == 0 {
		return nil
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	set := cpuSet(cpus)
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("pin ssebench to CPUs %v: %w", cpus, err)
		}
	}
	runtime.GOMAXPROCS(len(cpus))
	return nil
}

// startPinned starts cmd with its CPU affinity set to cpus. A child
// inherits the affinity of the thread that forks it, so the forking thread
// is pinned for the moment of the fork and then restored: no taskset
// needed, and every process the target starts stays on cpus.
func startPinned(cmd *exec.Cmd, cpus []int) error {
	if len(cpus) == 0 {
		return cmd.Start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return err
	}
	if err := unix.SchedSetaffinity(0, cpuSet(cpus)); err != nil {
		return fmt.Errorf("pin the target to CPUs %v: %w", cpus, err)
	}
	err := cmd.Start()
	if rerr := unix.SchedSetaffinity(0, &old); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// affinityOf returns the CPUs pid may run on.
func affinityOf(pid int) ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &set); err != nil {
		return nil, err
	}
	var cpus []int
	for c := 0; c < maxCPUs && len(cpus) < set.Count(); c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// maxCPUs is the size of a unix.CPUSet.
const maxCPUs = 1024
