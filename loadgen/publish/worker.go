package publish

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// The workers send the requests on an open-model schedule: request k is due
// when the steady state has lasted k/Rate, whether or not earlier ones were
// answered.

// due returns when request k is due, in steady-state time.
func (p *Publisher) due(k int) time.Duration {
	return time.Duration(float64(k) * float64(time.Second) / p.o.Rate)
}

// scheduleLen returns how many requests are due within steady time d.
func scheduleLen(rate float64, d time.Duration) int {
	due := func(k int) time.Duration { return time.Duration(float64(k) * float64(time.Second) / rate) }
	n := int(math.Ceil(rate * d.Seconds()))
	for n > 0 && due(n-1) >= d {
		n--
	}
	for due(n) < d {
		n++
	}
	return n
}

// work sends requests in schedule order until none is left or the run
// stops.
func (p *Publisher) work() {
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	var buf []byte
	for {
		k := int(p.next.Add(1) - 1)
		if k >= p.n {
			return
		}
		sd := p.due(k)
	wait:
		for {
			wall, known, never, change := p.clock.wallAt(sd)
			switch {
			case never:
				return
			case known && !time.Now().Before(wall):
				buf = p.send(k, wall, buf)
				break wait
			case known:
				t.Reset(time.Until(wall))
				select {
				case <-t.C:
				case <-change: // the window closed: recompute
					t.Stop()
				case <-p.ctx.Done():
					return
				}
			default:
				select {
				case <-change:
				case <-p.ctx.Done():
					return
				}
			}
		}
	}
}

// send publishes request k, due at due, and records the outcome. buf is the
// worker's body buffer, returned for reuse.
func (p *Publisher) send(k int, due time.Time, buf []byte) []byte {
	if p.ctx.Err() != nil {
		return buf
	}
	now := time.Now()
	buf = p.body.render(buf[:0], p.prefixS, p.runID, uint64(k)+1, now.UnixNano())
	req, err := http.NewRequestWithContext(p.ctx, p.o.Method, p.o.URL, bytes.NewReader(buf))
	if err != nil {
		p.record(nil, 0, err)
		return buf
	}
	req.Header = p.header.Clone()
	if p.host != "" {
		req.Host = p.host
	}
	e := p.table.entry(k)
	p.stamp(e, now)
	resp, err := p.client.Do(req)
	// A subscriber that joined or left while the request was in flight
	// may or may not have been subscribed when the server fanned it out.
	if uint32(p.audience()) != e.expect.Load() {
		e.unsettled.Store(true)
	}
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			err = fmt.Errorf("HTTP %s", resp.Status)
		}
	}
	p.record(e, time.Since(due), err)
	return buf
}

// record counts one request's outcome; lat is from its due time.
func (p *Publisher) record(e *pubEntry, lat time.Duration, err error) {
	if err != nil && p.parent.Err() != nil {
		return // cut short by the user: neither sent nor failed
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if e != nil {
			e.state.Store(pubFailed)
		}
		p.failed++
		if p.firstErr == "" {
			if c := context.Cause(p.ctx); c != nil {
				err = c
			}
			p.firstErr = err.Error()
		}
		return
	}
	e.state.Store(pubOK)
	p.sent++
	if us := lat.Microseconds(); us >= 0 && us <= result.MaxLatencyUS {
		_ = p.latency.RecordValue(us)
	}
}
