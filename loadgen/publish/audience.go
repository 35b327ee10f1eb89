package publish

import (
	"bytes"
	"time"
)

// The delivery ratio counts unique (event, subscriber) deliveries against
// the deliveries a lossless server makes: each published event once for
// every subscriber that held a stream when it was published. To keep the
// two sides exactly comparable, the publisher keeps its own audience: a
// subscriber joins it when a stream is up and leaves when it ends, and a
// publish reads the audience's size, under the same lock, with an epoch
// that orders it against every join and leave. A delivery then counts only
// when its subscriber was in the audience at the event's epoch, so the ratio
// can never exceed 1; a marker a subscriber already had is a duplicate,
// counted apart; and an event published before the stream that delivered it
// joined is a replay, whose latency (it measures the reconnection) is kept
// apart from live fan-out.

// delivery is what one marked event was to its subscriber.
type delivery int

const (
	deliveryNone      delivery = iota // no marker of this run, or never sent
	deliveryLive                      // published while the stream was up
	deliveryReplayed                  // published before the stream joined
	deliveryDuplicate                 // the subscriber already had it
)

// streamEpochs are the audience epochs of a subscriber's current stream
// (up) and of its previous one (prevUp, prevDown); 0 means none.
type streamEpochs struct {
	up, prevUp, prevDown uint64
}

// member is one subscriber slot's place in the audience: the epochs of its
// streams and the markers it received. Only the slot's session goroutine
// touches it.
type member struct {
	epochs streamEpochs
	seen   seenSet
}

// Join implements loadgen.ActiveSource: slot's stream joins the audience.
func (p *Publisher) Join(slot int) {
	p.members[slot].epochs.up = p.join()
}

// Leave implements loadgen.ActiveSource: slot's stream leaves the audience.
func (p *Publisher) Leave(slot int) {
	m := &p.members[slot]
	m.epochs = streamEpochs{prevUp: m.epochs.up, prevDown: p.leave()}
}

// Deliver implements loadgen.ActiveSource: it judges the event against slot's
// streams and the markers the slot already had (deliver).
func (p *Publisher) Deliver(slot int, data []byte, at time.Time) (d time.Duration, replayed, ok bool) {
	m := &p.members[slot]
	d, kind := p.deliver(&m.seen, data, at, m.epochs)
	switch kind {
	case deliveryLive:
		return d, false, true
	case deliveryReplayed:
		return d, true, true
	}
	return 0, false, false
}

// join adds a stream to the audience and returns its epoch.
func (p *Publisher) join() uint64 {
	p.aud.Lock()
	defer p.aud.Unlock()
	p.audN++
	p.epoch++
	return p.epoch
}

// leave removes a stream from the audience and returns its epoch.
func (p *Publisher) leave() uint64 {
	p.aud.Lock()
	defer p.aud.Unlock()
	p.audN--
	p.epoch++
	return p.epoch
}

// audience returns the streams held now.
func (p *Publisher) audience() int {
	p.aud.Lock()
	defer p.aud.Unlock()
	return p.audN
}

// stamp marks e sent now: its send time, its audience and its epoch, taken
// together under the audience lock.
func (p *Publisher) stamp(e *pubEntry, now time.Time) {
	p.aud.Lock()
	p.epoch++
	e.epoch.Store(p.epoch)
	e.expect.Store(uint32(p.audN))
	e.sentNS.Store(int64(now.Sub(p.base)) + 1)
	p.aud.Unlock()
}

// lookup finds the run's marker in data and returns its request index and
// entry, or nil when there is none or it was never sent.
func (p *Publisher) lookup(data []byte) (int, *pubEntry) {
	i := bytes.Index(data, p.prefix)
	if i < 0 {
		return 0, nil
	}
	var seq uint64
	j := i + len(p.prefix)
	for ; j < len(data) && isDigit(data[j]) && j-i-len(p.prefix) < 19; j++ {
		seq = seq*10 + uint64(data[j]-'0')
	}
	if seq == 0 || seq > uint64(p.n) {
		return 0, nil
	}
	e := p.table.get(int(seq) - 1)
	if e == nil || e.sentNS.Load() == 0 {
		return 0, nil
	}
	return int(seq) - 1, e
}

// deliver accounts for an event with this data received at received by the
// subscriber whose deliveries so far are seen and whose stream epochs are
// w. It returns the event's latency and what the delivery was. It takes no
// lock and does not allocate, except a chunk of seen now and then.
func (p *Publisher) deliver(seen *seenSet, data []byte, received time.Time, w streamEpochs) (time.Duration, delivery) {
	k, e := p.lookup(data)
	if e == nil {
		return 0, deliveryNone
	}
	if seen.testAndSet(k) {
		p.duplicates.Add(1)
		return 0, deliveryDuplicate
	}
	d := received.Sub(p.base) - time.Duration(e.sentNS.Load()-1)
	at := e.epoch.Load()
	if at > w.up {
		e.delivered.Add(1)
		return d, deliveryLive
	}
	// Published before this stream joined: expected only if the previous
	// stream was up then (the server resumed what it had missed).
	if w.prevUp != 0 && at > w.prevUp && at < w.prevDown {
		e.delivered.Add(1)
	}
	p.replayed.Add(1)
	return d, deliveryReplayed
}

// seenChunkBits is how many request indexes one chunk of a seenSet covers.
const seenChunkBits = 4096

// seenSet is the set of request indexes one subscriber slot has received:
// a bitmap allocated in chunks as the indexes are reached, one bit per
// published event per subscriber.
type seenSet struct {
	chunks []*[seenChunkBits / 64]uint64
}

// testAndSet adds i and reports whether it was there already.
func (s *seenSet) testAndSet(i int) bool {
	c := i / seenChunkBits
	for len(s.chunks) <= c {
		s.chunks = append(s.chunks, nil)
	}
	if s.chunks[c] == nil {
		s.chunks[c] = new([seenChunkBits / 64]uint64)
	}
	w := &s.chunks[c][i%seenChunkBits/64]
	bit := uint64(1) << (i % 64)
	had := *w&bit != 0
	*w |= bit
	return had
}
