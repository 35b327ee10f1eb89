package refserver

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// errBadLastEventID is answered with 400.
var errBadLastEventID = errors.New("refserver: bad Last-Event-ID")

// lastEventID returns the id a reconnecting client sent: the Last-Event-ID
// header that EventSource sends (WHATWG HTML §9.2.4), or else the
// lastEventId query parameter that polyfills use where they cannot set
// headers.
func lastEventID(r *http.Request) string {
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		return v
	}
	return r.URL.Query().Get("lastEventId")
}

// parseResume turns a Last-Event-ID into a position per topic (see
// spec.resume). The forms are the ones the server sends:
//
//   - "N", the id of an event on a stream of one topic;
//   - "a:5,b:7", the composite id of a stream of several topics. Topics
//     the stream does not have are ignored (the client changed its
//     subscription); topics it has but the id does not name start live.
//
// A stream of one topic accepts the composite form too. An empty id means
// no resume (nil).
func parseResume(id string, topics []*topic) ([]int64, error) {
	if id == "" {
		return nil, nil
	}
	resume := make([]int64, len(topics))
	if !strings.Contains(id, ":") {
		if len(topics) != 1 {
			return nil, fmt.Errorf("%w %q: a plain id fits a stream of one topic; this one has %d, whose ids look like %s:5,%s:7",
				errBadLastEventID, id, len(topics), topics[0].name, topics[1].name)
		}
		n, err := parseID(id)
		if err != nil {
			return nil, err
		}
		resume[0] = n
		return resume, nil
	}
	for i := range resume {
		resume[i] = -1
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(id, ",") {
		name, num, ok := strings.Cut(part, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("%w %q: %q is not topic:id", errBadLastEventID, id, part)
		}
		if seen[name] {
			return nil, fmt.Errorf("%w %q: topic %q appears twice", errBadLastEventID, id, name)
		}
		seen[name] = true
		n, err := parseID(num)
		if err != nil {
			return nil, err
		}
		for i, t := range topics {
			if t.name == name {
				resume[i] = n
			}
		}
	}
	return resume, nil
}

// parseID parses one event id: a decimal number below 2^63.
func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || s[0] == '+' {
		return 0, fmt.Errorf("%w: %q is not an event id (a number from 0)", errBadLastEventID, s)
	}
	return n, nil
}
