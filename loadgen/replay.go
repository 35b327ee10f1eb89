package loadgen

import (
	"sync"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// replayLog keeps the latency of replayed events apart from live fan-out:
// events a reconnected stream delivers that were published before the
// stream began (a server resuming from Last-Event-ID, or replaying
// history). Their latency measures the reconnection, not how fast the
// server fans out, so it goes to the result's latency_us.replayed. Replays
// come in bursts after reconnections only, so one mutex is enough. The zero
// value is ready to use.
type replayLog struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

// record adds one replayed event's latency, µs; values out of range are
// dropped (the fan-out path counts those).
func (l *replayLog) record(us int64) {
	if !latencyInRange(us) {
		return
	}
	l.mu.Lock()
	if l.h == nil {
		l.h = result.NewLatencyHistogram()
	}
	_ = l.h.RecordValue(us)
	l.mu.Unlock()
}

// summary returns the distribution for the result.
func (l *replayLog) summary() (result.Latency, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.h == nil {
		return result.Summarize(result.NewLatencyHistogram())
	}
	return result.Summarize(l.h)
}
