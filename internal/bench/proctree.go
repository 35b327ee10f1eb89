package bench

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat.
// Linux has fixed it at 100 on every architecture Go supports.
const clockTicks = 100

// treeSample is one reading of a process tree's cost.
type treeSample struct {
	cpuTicks uint64 // user + system time of every live process, in clock ticks
	memKiB   int64  // proportional set size (or RSS) of every process
	procs    int    // processes in the tree
	pss      bool   // memKiB is PSS for every process
}

// cpuUS is the tree's CPU time in µs.
func (s treeSample) cpuUS() float64 { return float64(s.cpuTicks) * 1e6 / clockTicks }

// sampleTree reads the CPU time and memory of root and all its
// descendants from /proc. Memory is PSS (from smaps_rollup), so that pages
// nginx's master and worker share count once; RSS where PSS cannot be
// read. A process that exits during the walk is skipped.
func sampleTree(root int) (treeSample, error) {
	pids, err := descendants(root)
	if err != nil {
		return treeSample{}, err
	}
	s := treeSample{pss: true}
	for _, pid := range pids {
		st, err := readStat(pid)
		if err != nil {
			continue
		}
		s.procs++
		s.cpuTicks += st.utime + st.stime
		if kib, ok := readPSS(pid); ok {
			s.memKiB += kib
		} else {
			s.pss = false
			s.memKiB += st.rssPages * int64(os.Getpagesize()) / 1024
		}
	}
	return s, nil
}

// procStat holds the fields of /proc/PID/stat that are used.
type procStat struct {
	ppid         int
	utime, stime uint64
	rssPages     int64
}

// readStat parses /proc/PID/stat. The command name (field 2) may hold
// spaces and parentheses, so fields are counted after its last ')'.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, os.ErrInvalid
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): field n is f[n-3].
	if len(f) < 22 {
		return procStat{}, os.ErrInvalid
	}
	var st procStat
	st.ppid, _ = strconv.Atoi(f[1])
	st.utime, _ = strconv.ParseUint(f[11], 10, 64)
	st.stime, _ = strconv.ParseUint(f[12], 10, 64)
	st.rssPages, _ = strconv.ParseInt(f[21], 10, 64)
	return st, nil
}

// readPSS returns the Pss line of /proc/PID/smaps_rollup, in KiB.
func readPSS(pid int) (int64, bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kib, err == nil
		}
	}
	return 0, false
}

// descendants returns root and every process below it, found through the
// parent ids of /proc/*/stat.
func descendants(root int) ([]int, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return nil, err
	}
	children := map[int][]int{}
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == root {
			continue
		}
		st, err := readStat(pid)
		if err != nil {
			continue
		}
		children[st.ppid] = append(children[st.ppid], pid)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(root)); err != nil {
		return nil, err
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out, nil
}

// readState returns the state letter of /proc/PID/stat (R, S, Z, …).
func readState(pid int) (byte, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, os.ErrInvalid
	}
	return b[i+2], nil
}
