package refserver

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// defaultTopic is the topic of a subscription or publication that names
// none, and the one Config.Rate feeds.
const defaultTopic = "default"

// maxTopicLen bounds a topic name, in bytes.
const maxTopicLen = 128

// Errors of topic lookups. Handlers map them to 400 and 404.
var (
	errBadTopic      = errors.New("refserver: bad topic name")
	errTooManyTopics = errors.New("refserver: too many topics")
)

// A topic is a named stream of events with its own id sequence, from 1.
// Topics are created on first use, by a subscriber or a publisher, up to
// Config.MaxTopics, and live as long as the server.
type topic struct {
	name string

	// mu is held by whoever publishes, from assigning ids to releasing
	// the frames, so that a topic's frames reach every stage in id order.
	mu  sync.Mutex
	seq uint64 // the last id assigned

	ring ring // what was released, for resuming subscribers

	// Counters for /metrics and /stats.
	subscribers atomic.Int64  // open streams that include this topic
	published   atomic.Uint64 // events assigned an id
	delivered   atomic.Uint64 // events handed to a stream (written or queued)
	dropped     atomic.Uint64 // events a stream skipped (SlowDrop) or lost as it was disconnected
}

func newTopic(name string, replay int) *topic {
	return &topic{name: name, ring: ring{max: replay}}
}

// lastID returns the last id assigned.
func (t *topic) lastID() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seq
}

// validTopic checks a topic name: 1 to 128 bytes of ASCII letters, digits
// and "-._~" (RFC 3986's unreserved characters). That keeps names safe in a
// query string, in JSON without escaping, and in a composite id, whose
// separators are ':' and ','.
func validTopic(name string) error {
	if name == "" || len(name) > maxTopicLen {
		return fmt.Errorf("%w %q: want 1 to %d characters", errBadTopic, name, maxTopicLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return fmt.Errorf("%w %q: want letters, digits and -._~ only", errBadTopic, name)
		}
	}
	return nil
}

// topicSet holds the server's topics.
type topicSet struct {
	max    int // Config.MaxTopics
	replay int // Config.Replay

	mu sync.RWMutex
	m  map[string]*topic
}

func newTopicSet(max, replay int) *topicSet {
	ts := &topicSet{max: max, replay: replay, m: make(map[string]*topic)}
	ts.get(defaultTopic) // always there, so /metrics shows it from the start
	return ts
}

// get returns the topic name, creating it if needed; "" means the default
// topic.
func (ts *topicSet) get(name string) (*topic, error) {
	if name == "" {
		name = defaultTopic
	}
	ts.mu.RLock()
	t := ts.m[name]
	ts.mu.RUnlock()
	if t != nil {
		return t, nil
	}
	if err := validTopic(name); err != nil {
		return nil, err
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t := ts.m[name]; t != nil {
		return t, nil
	}
	if len(ts.m) >= ts.max {
		return nil, fmt.Errorf("%w: %q would be topic %d, and --max-topics is %d", errTooManyTopics, name, len(ts.m)+1, ts.max)
	}
	t = newTopic(name, ts.replay)
	ts.m[name] = t
	return t, nil
}

// list returns the topics names name, without repeats, in the order named;
// no names means the default topic.
func (ts *topicSet) list(names []string) ([]*topic, error) {
	if len(names) == 0 {
		names = []string{defaultTopic}
	}
	out := make([]*topic, 0, len(names))
	for _, n := range names {
		if n == "" { // ?topic= names no topic; it is not the default
			return nil, validTopic(n)
		}
		t, err := ts.get(n)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// all returns every topic, sorted by name.
func (ts *topicSet) all() []*topic {
	ts.mu.RLock()
	out := make([]*topic, 0, len(ts.m))
	for _, t := range ts.m {
		out = append(out, t)
	}
	ts.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// count returns how many topics exist.
func (ts *topicSet) count() int {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	return len(ts.m)
}
