package refserver

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxEventTypeLen bounds the event query parameter of POST /publish.
const maxEventTypeLen = 256

// validEventType checks an event type given to POST /publish. A line break
// would end the event: line early, and "lost" is the server's own.
func validEventType(ev string) error {
	switch {
	case len(ev) > maxEventTypeLen:
		return fmt.Errorf("event type longer than %d bytes", maxEventTypeLen)
	case strings.ContainsAny(ev, "\r\n\x00"):
		return errors.New("event type contains a line break or NUL")
	case ev == LostEvent:
		return fmt.Errorf("event type %q is reserved for the server's lost-events notice", LostEvent)
	}
	return nil
}

// readBody reads a publish body of at most Config.MaxPublishBytes. It
// answers the error itself (413, or 400) and returns ok false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body []byte, ok bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(s.cfg.MaxPublishBytes)))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, fmt.Sprintf("413 the body exceeds --max-publish-bytes (%d bytes); nothing was published", tooLarge.Limit),
				http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "400 reading the body: "+err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

// publishAllowed checks what every publish request needs, and answers
// the request when it fails.
func (s *Server) publishAllowed(w http.ResponseWriter, r *http.Request) bool {
	if !s.token.allows(r, false) {
		s.unauthorized(w)
		return false
	}
	if s.hub.closed() {
		http.Error(w, ErrClosed.Error(), http.StatusServiceUnavailable)
		return false
	}
	return true
}

// handlePublish serves POST /publish?topic=T&event=TYPE: the body is the
// data of one event. The answer is {"id":N}, the id the event got.
func (s *Server) handlePublish(w http.ResponseWriter, r *http.Request) {
	if !s.publishAllowed(w, r) {
		return
	}
	q := r.URL.Query()
	ev := q.Get("event")
	if err := validEventType(ev); err != nil {
		http.Error(w, "400 "+err.Error(), http.StatusBadRequest)
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	t, err := s.hub.topics.get(q.Get("topic"))
	if err != nil {
		topicError(w, err)
		return
	}
	id := s.hub.publish(t, []message{{event: ev, data: body}})
	s.counters.publishRequests.Add(1)
	writeJSON(w, struct {
		ID uint64 `json:"id"`
	}{id})
}

// BatchEvent is one element of the JSON array POST /publish/batch takes.
type BatchEvent struct {
	// Topic is where the event goes; "" means the request's topic
	// parameter, or else the default topic.
	Topic string `json:"topic"`
	// Event is the event type; "" means the request's event parameter, or
	// else none (the type is "message").
	Event string `json:"event"`
	// Data is the event's data: a JSON string is used as is, any other
	// JSON value as its JSON text. Absent or null means "".
	Data json.RawMessage `json:"data"`
}

// handleBatch serves POST /publish/batch[?topic=T&event=TYPE]: the body is
// a JSON array of BatchEvent. Every element is checked before any is
// published, so a bad one publishes nothing. Events of one topic get
// consecutive ids and leave as one batch. The answer is {"ids":[...]}, in
// the order of the array.
func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request) {
	if !s.publishAllowed(w, r) {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var evs []BatchEvent
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&evs); err != nil || dec.More() {
		http.Error(w, fmt.Sprintf("400 want a JSON array of {\"topic\",\"event\",\"data\"}: %v", err), http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	type group struct {
		name  string
		t     *topic
		msgs  []message
		index []int // positions in evs
	}
	var groups []*group
	byName := map[string]*group{}
	for i, e := range evs {
		m := message{event: cmp.Or(e.Event, q.Get("event"))}
		if err := validEventType(m.event); err != nil {
			http.Error(w, fmt.Sprintf("400 event %d: %v; nothing was published", i, err), http.StatusBadRequest)
			return
		}
		name := cmp.Or(e.Topic, q.Get("topic"), defaultTopic)
		if err := validTopic(name); err != nil {
			http.Error(w, fmt.Sprintf("400 event %d: %v; nothing was published", i, err), http.StatusBadRequest)
			return
		}
		if len(e.Data) > 0 && e.Data[0] == '"' {
			var str string
			if err := json.Unmarshal(e.Data, &str); err != nil {
				http.Error(w, fmt.Sprintf("400 event %d: data: %v; nothing was published", i, err), http.StatusBadRequest)
				return
			}
			m.data = []byte(str)
		} else if string(e.Data) != "null" {
			m.data = e.Data
		}
		g := byName[name]
		if g == nil {
			g = &group{name: name}
			byName[name] = g
			groups = append(groups, g)
		}
		g.msgs = append(g.msgs, m)
		g.index = append(g.index, i)
	}
	// Every element is good. Creating topics can still fail on
	// --max-topics, which must happen before anything is published.
	for _, g := range groups {
		t, err := s.hub.topics.get(g.name)
		if err != nil {
			topicError(w, fmt.Errorf("%w; nothing was published", err))
			return
		}
		g.t = t
	}
	ids := make([]uint64, len(evs))
	for _, g := range groups {
		first := s.hub.publish(g.t, g.msgs)
		for k, i := range g.index {
			ids[i] = first + uint64(k)
		}
	}
	s.counters.publishRequests.Add(1)
	writeJSON(w, struct {
		IDs []uint64 `json:"ids"`
	}{ids})
}

// writeJSON answers 200 with v as JSON.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
