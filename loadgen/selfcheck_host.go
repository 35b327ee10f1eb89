package loadgen

import "time"

// hostStat is the time the cores this process may run on spent, from
// /proc/stat (Linux; zero elsewhere).
type hostStat struct {
	busy  time.Duration // user, nice, system, irq, softirq: every process's work
	steal time.Duration // taken by the hypervisor
}

func (h hostStat) sub(o hostStat) hostStat {
	return hostStat{busy: h.busy - o.busy, steal: h.steal - o.steal}
}

func (h hostStat) add(o hostStat) hostStat {
	return hostStat{busy: h.busy + o.busy, steal: h.steal + o.steal}
}

// shares returns the CPU that other processes used (the cores' busy time
// less own, this process's CPU) and the steal, over wall, each in percent
// of one core.
func (h hostStat) shares(own, wall time.Duration) (otherPct, stealPct float64) {
	if wall <= 0 {
		return 0, 0
	}
	other := max(0, h.busy-own)
	return 100 * other.Seconds() / wall.Seconds(), 100 * max(0, h.steal).Seconds() / wall.Seconds()
}
