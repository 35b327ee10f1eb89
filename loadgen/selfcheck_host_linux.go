//go:build linux

package loadgen

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// userHZ is the unit of /proc/stat's times: 100 per second on every Linux
// architecture Go supports (USER_HZ is fixed by the kernel ABI).
const userHZ = 100

// readHostStat sums /proc/stat's times over the CPUs this process may run
// on (its affinity mask), so that a server pinned to other cores does not
// count as "the host is busy". Zero when the file cannot be read.
func readHostStat() hostStat {
	var set unix.CPUSet
	haveSet := unix.SchedGetaffinity(0, &set) == nil
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return hostStat{}
	}
	var h hostStat
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 9 || !bytes.HasPrefix(f[0], []byte("cpu")) || len(f[0]) == 3 {
			continue // not a per-CPU line ("cpu" alone is the total)
		}
		n, err := strconv.Atoi(string(f[0][3:]))
		if err != nil || (haveSet && !set.IsSet(n)) {
			continue
		}
		v := func(i int) time.Duration {
			x, _ := strconv.ParseUint(string(f[i]), 10, 64)
			return time.Duration(x) * time.Second / userHZ
		}
		// user nice system idle iowait irq softirq steal …
		h.busy += v(1) + v(2) + v(3) + v(6) + v(7)
		h.steal += v(8)
	}
	return h
}
