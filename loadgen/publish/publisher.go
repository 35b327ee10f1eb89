package publish

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ssebench/ssebench/loadgen/transport"
	"github.com/ssebench/ssebench/reports/result"
)

// Publisher is publisher mode (loadgen's --publish-url): ssebench
// publishes the events itself and is also the run's latency source, an
// active one (loadgen.ActiveSource).
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
// k/rate (see steadyClock). A pool of Options.Concurrency workers takes
// requests in order; a worker sleeps until its request is due, so a slow
// server delays the sends only once every worker is waiting on it, and then
// each late request's latency is measured from when it was due, not when it
// went out (coordinated omission: a stalled server cannot hide behind the
// requests it kept ssebench from sending).
//
// Every subscriber calls Deliver for every event, concurrently: it searches
// the data for "ssebench-<run id>-", reads the seq after it, and subtracts
// the seq's send time from the receive time, both on the monotonic clock of
// this process, so the figure is true whatever the server's clock says.
type Publisher struct {
	o       Options
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
	// the epoch of the last join, leave or send (audience.go).
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

// Options configure a Publisher. loadgen fills them from its
// LatencyOptions, defaults applied; every field is required.
type Options struct {
	// URL receives the publish requests; http or https.
	URL string
	// Method is the request method.
	Method string
	// Header is added to every request; a "Host" entry sets the request's
	// Host. With the DefaultBody template and no Content-Type, requests
	// carry Content-Type: application/json.
	Header map[string][]string
	// Body is the body template (CheckBody): {marker} and the other
	// placeholders are replaced per request.
	Body string
	// Rate is the publishes per second: request k (from 0) is due when
	// the steady state has lasted k/Rate.
	Rate float64
	// Concurrency caps requests in flight.
	Concurrency int
	// Timeout bounds one request.
	Timeout time.Duration
	// Drain is how long the streams stay open after the steady state, at
	// most, for the events still in flight (Finish).
	Drain time.Duration
	// Steady is the longest the steady state can last; it sizes the
	// schedule.
	Steady time.Duration
	// Slots is the run's subscriber slots, 0 to Slots-1 (Join, Deliver).
	Slots int
	// TLS is the subscribers' TLS settings (--insecure, --ca,
	// --cert/--key), which the publish requests share.
	TLS transport.TLSOptions
}

// HeaderHold is how long every subscription request may be out with no
// answer before the steady state, and publishing, starts anyway: some
// servers answer a subscription only once there is an event.
const HeaderHold = time.Second

// New returns the publisher of o. Nothing is sent before Steady.
func New(o Options) (*Publisher, error) {
	header, host, err := checkHeader(o.Header)
	if err != nil {
		return nil, fmt.Errorf("publish: header: %w", err)
	}
	body, err := parseBodyTemplate(o.Body)
	if err != nil {
		return nil, fmt.Errorf("publish: body: %w", err)
	}
	if header.Get("Content-Type") == "" && o.Body == DefaultBody {
		header.Set("Content-Type", "application/json")
	}
	var id [6]byte
	_, _ = rand.Read(id[:]) // never fails (crypto/rand panics instead)
	p := &Publisher{
		o:       o,
		header:  header,
		host:    host,
		body:    body,
		runID:   hex.EncodeToString(id[:]),
		base:    time.Now(),
		members: make([]member, o.Slots),
		clock:   newSteadyClock(),
		latency: result.NewLatencyHistogram(),
	}
	if p.client, p.tr, err = newClient(o.Concurrency, o.Timeout, o.TLS); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	p.prefixS = "ssebench-" + p.runID + "-"
	p.prefix = []byte(p.prefixS)
	p.n = scheduleLen(o.Rate, o.Steady)
	p.table = newSeqTable(p.n)
	return p, nil
}

// Name names the latency source for the report: "publisher".
func (p *Publisher) Name() string { return "publisher" }

// Latency finds the run's marker in data and returns the time since its
// request was sent, counting the delivery (a loadgen.LatencySource). It
// does not allocate and takes no lock. Subscribers use Deliver instead,
// which counts each slot's delivery once.
func (p *Publisher) Latency(data []byte, received time.Time) (time.Duration, bool) {
	_, e := p.lookup(data)
	if e == nil {
		return 0, false
	}
	e.delivered.Add(1)
	return received.Sub(p.base) - time.Duration(e.sentNS.Load()-1), true
}

// HeaderHold returns the HeaderHold constant: the steady state may begin
// with subscribers still waiting for headers, because the publisher
// publishes only in the steady state.
func (p *Publisher) HeaderHold() time.Duration { return HeaderHold }

// Drains returns true: Finish keeps the streams open for the events still
// in flight.
func (p *Publisher) Drains() bool { return true }

// Steady tells the publisher that the steady state began (on) or ended at
// now. The first call starts the workers. It must not block: it runs on the
// runner's schedule driver.
func (p *Publisher) Steady(ctx context.Context, on bool, now time.Time) {
	p.clock.set(on, now)
	if !on {
		return
	}
	p.started.Do(func() {
		p.parent = ctx
		p.ctx, p.cancel = context.WithCancelCause(ctx)
		for range min(p.o.Concurrency, p.n) {
			p.workers.Go(p.work)
		}
	})
}
