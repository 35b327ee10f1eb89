package bench

import (
	"sync"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports/result"
)

// memEvery is how often the meter reads the tree's memory in the steady
// state.
const memEvery = 250 * time.Millisecond

// costMeter measures a target's process tree during one run: CPU time
// between the first and the last progress report of the steady state
// (both inside it), and memory every memEvery while the steady state is
// open.
type costMeter struct {
	root int
	idle treeSample

	mu             sync.Mutex
	steady         bool
	first, last    treeSample
	t0, t1         time.Time
	windows        int
	mem            []int64
	peak           int64
	procs          int
	pss            bool
	stop, finished chan struct{}
}

// newCostMeter starts metering root; idle is its reading before the load.
func newCostMeter(root int, idle treeSample) *costMeter {
	m := &costMeter{root: root, idle: idle, pss: idle.pss, procs: idle.procs, stop: make(chan struct{}), finished: make(chan struct{})}
	go m.loop()
	return m
}

func (m *costMeter) loop() {
	defer close(m.finished)
	t := time.NewTicker(memEvery)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
		m.mu.Lock()
		steady := m.steady
		m.mu.Unlock()
		if !steady {
			continue
		}
		s, err := sampleTree(m.root)
		if err != nil {
			continue
		}
		m.mu.Lock()
		m.addMem(s)
		m.mu.Unlock()
	}
}

// addMem records one memory reading; m.mu is held.
func (m *costMeter) addMem(s treeSample) {
	m.mem = append(m.mem, s.memKiB)
	m.peak = max(m.peak, s.memKiB)
	m.procs = max(m.procs, s.procs)
	m.pss = m.pss && s.pss
}

// observe is chained into loadgen's Progress: each report inside the
// steady state reads the tree's CPU time, so the CPU window lies wholly in
// the steady state. It reads /proc once (a millisecond or so).
func (m *costMeter) observe(p loadgen.Progress) {
	if !p.Steady {
		m.mu.Lock()
		m.steady = false
		m.mu.Unlock()
		return
	}
	s, err := sampleTree(m.root)
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.steady = true
	if err != nil {
		return
	}
	if m.windows == 0 {
		m.first, m.t0 = s, now
	}
	m.windows++
	m.last, m.t1 = s, now
	m.addMem(s)
}

// finish stops the meter and returns the cost; nil when the steady state
// was too short to meter (fewer than two progress reports in it).
func (m *costMeter) finish(rep *result.Report) *result.ServerCost {
	close(m.stop)
	<-m.finished
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.windows < 2 || !m.t1.After(m.t0) {
		return nil
	}
	cores := (m.last.cpuUS() - m.first.cpuUS()) / float64(m.t1.Sub(m.t0).Microseconds())
	c := &result.ServerCost{
		CPUPercent: cores * 100,
		MemIdleKiB: m.idle.memKiB,
		MemPeakKiB: m.peak,
		MemMeasure: "rss",
		Processes:  m.procs,
		Samples:    len(m.mem),
	}
	if m.pss {
		c.MemMeasure = "pss"
	}
	if rep != nil && rep.Events.RatePerS > 0 {
		c.CPUUSPerEvent = cores * 1e6 / rep.Events.RatePerS
	}
	var sum int64
	for _, v := range m.mem {
		sum += v
	}
	if len(m.mem) > 0 {
		c.MemMeanKiB = sum / int64(len(m.mem))
	}
	if rep != nil && rep.Subscribers.Connected > 0 {
		c.KiBPerSubscriber = float64(c.MemMeanKiB-c.MemIdleKiB) / float64(rep.Subscribers.Connected)
	}
	return c
}
