package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// publisher is publisher mode (LatencyOptions.PublishURL): ssebench
// publishes the events itself and is also the run's LatencySource.
//
//	steady state ─► workers (open-model schedule) ─► POST {marker} ─► server
//	                   │ sentNS[seq] (monotonic)                        │ fan-out
//	subscriber ◄───────┴──── Latency: find marker, look up seq ◄────────┘
//
// Publishing happens in the steady state only, never during the ramp: an
// event published while subscribers are still connecting reaches only some
// of them, so the delivery ratio would need a different audience per event,
// and its latency would be mixed with the connection storm's.
//
// Request k (from 0, seq k+1) is due when the steady state has lasted
// k/rate (see steadyClock). A pool of PublishConcurrency workers takes
// requests in order; a worker sleeps until its request is due, so a slow
// server delays the sends only once every worker is waiting on it, and then
// each late request's latency is measured from when it was due, not when it
// went out (coordinated omission: a stalled server cannot hide behind the
// requests it kept ssebench from sending).
//
// Every subscriber calls Latency for every event, concurrently: it searches
// the data for "ssebench-<run id>-", reads the seq after it, and subtracts
// the seq's send time from the receive time, both on the monotonic clock of
// this process, so the figure is true whatever the server's clock says.
type publisher struct {
	o       LatencyOptions // with defaults
	header  http.Header
	host    string // Host of the requests; "" means the URL's
	body    bodyTemplate
	client  *http.Client
	tr      *http.Transport
	runID   string
	prefix  []byte    // "ssebench-<run id>-", searched for in every event
	prefixS string    // the same, for rendering bodies
	base    time.Time // origin of the send times, read on the monotonic clock
	n       int       // requests the schedule can hold
	table   *seqTable
	clock   *steadyClock

	// The audience: each slot's place in it, the streams held now and
	// the epoch of the last join, leave or send (publisher_audience.go).
	members []member
	aud     sync.Mutex
	audN    int
	epoch   uint64
	// duplicates counts markers a subscriber received again; replayed,
	// events published before the stream that delivered them joined.
	duplicates, replayed atomic.Uint64

	next    atomic.Int64 // the next request index a worker takes
	started sync.Once
	parent  context.Context // the run's: done when the run is interrupted
	ctx     context.Context
	cancel  context.CancelCauseFunc
	workers sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	latency  *hdrhistogram.Histogram
	sent     uint64
	failed   uint64
	firstErr string
	// Set by finish: whether every delivery arrived, and the latest send
	// time (base offset) an event may have to count in the ratio.
	complete bool
	cutoff   time.Duration
}

// Causes of stopping the workers early.
var (
	errRunInterrupted = errors.New("the run was interrupted")
	errDrainDeadline  = errors.New("not sent or answered within --publish-drain after the steady state: every --publish-concurrency worker was busy")
)

var (
	_ LatencySource = (*publisher)(nil)
	_ ActiveSource  = (*publisher)(nil)
)

// newActiveSource returns the run's active source: the publisher of cfg
// with PublishURL, else noActive.
func newActiveSource(cfg *Config) (ActiveSource, error) {
	if cfg.PublishURL == "" {
		return noActive{}, nil
	}
	return newPublisher(cfg)
}

// newPublisher returns the publisher of cfg, which has a PublishURL.
func newPublisher(cfg *Config) (*publisher, error) {
	o := cfg.LatencyOptions.withDefaults()
	header, host, err := publishHeader(o.PublishHeader)
	if err != nil {
		return nil, fmt.Errorf("loadgen: --publish-header: %w", err)
	}
	body, err := parseBodyTemplate(o.PublishBody)
	if err != nil {
		return nil, fmt.Errorf("loadgen: --publish-body: %w", err)
	}
	if header.Get("Content-Type") == "" && o.PublishBody == DefaultPublishBody {
		header.Set("Content-Type", "application/json")
	}
	var id [6]byte
	_, _ = rand.Read(id[:]) // never fails (crypto/rand panics instead)
	steadyMax := cfg.Duration
	if len(cfg.Stages) > 0 {
		steadyMax = cfg.Stages.Duration()
	}
	p := &publisher{
		o:       o,
		header:  header,
		host:    host,
		body:    body,
		runID:   hex.EncodeToString(id[:]),
		base:    time.Now(),
		members: make([]member, cfg.Subscribers),
		clock:   newSteadyClock(),
		latency: result.NewLatencyHistogram(),
	}
	if p.client, p.tr, err = newPublishClient(o.PublishConcurrency, o.PublishTimeout, cfg.TLSOptions()); err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	p.prefixS = "ssebench-" + p.runID + "-"
	p.prefix = []byte(p.prefixS)
	p.n = scheduleLen(o.PublishRate, steadyMax)
	p.table = newSeqTable(p.n)
	return p, nil
}

// due returns when request k is due, in steady-state time.
func (p *publisher) due(k int) time.Duration {
	return time.Duration(float64(k) * float64(time.Second) / p.o.PublishRate)
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

// Name implements LatencySource.
func (p *publisher) Name() string { return "publisher" }

// Latency implements LatencySource: it finds the run's marker in data and
// returns the time since its request was sent, counting the delivery. It
// does not allocate and takes no lock. Subscribers use deliver instead,
// which counts each subscriber's delivery once.
func (p *publisher) Latency(data []byte, received time.Time) (time.Duration, bool) {
	_, e := p.lookup(data)
	if e == nil {
		return 0, false
	}
	e.delivered.Add(1)
	return received.Sub(p.base) - time.Duration(e.sentNS.Load()-1), true
}

// HeaderHold implements ActiveSource: some servers answer a subscription
// only once there is an event, and the publisher publishes only in the
// steady state.
func (p *publisher) HeaderHold() time.Duration { return headerHoldGrace }

// Drains implements ActiveSource: Finish keeps the streams open for the
// events still in flight.
func (p *publisher) Drains() bool { return true }

// Steady implements ActiveSource: the steady state began (on) or ended at
// now. The first call starts the workers. It must not block: it runs on the
// runner's schedule driver.
func (p *publisher) Steady(ctx context.Context, on bool, now time.Time) {
	p.clock.set(on, now)
	if !on {
		return
	}
	p.started.Do(func() {
		p.parent = ctx
		p.ctx, p.cancel = context.WithCancelCause(ctx)
		for range min(p.o.PublishConcurrency, p.n) {
			p.workers.Go(p.work)
		}
	})
}

// work sends requests in schedule order until none is left or the run
// stops.
func (p *publisher) work() {
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
func (p *publisher) send(k int, due time.Time, buf []byte) []byte {
	if p.ctx.Err() != nil {
		return buf
	}
	now := time.Now()
	buf = p.body.render(buf[:0], p.prefixS, p.runID, uint64(k)+1, now.UnixNano())
	req, err := http.NewRequestWithContext(p.ctx, p.o.PublishMethod, p.o.PublishURL, bytes.NewReader(buf))
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
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxPublishResponseBytes))
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			err = fmt.Errorf("HTTP %s", resp.Status)
		}
	}
	p.record(e, time.Since(due), err)
	return buf
}

// record counts one request's outcome; lat is from its due time.
func (p *publisher) record(e *pubEntry, lat time.Duration, err error) {
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
	if us := lat.Microseconds(); latencyInRange(us) {
		_ = p.latency.RecordValue(us)
	}
}
