package ids

import "bytes"

// NoticeType is the event type of the reference server's lost notice: it
// tells a resuming subscriber which events are gone from the server's replay
// ring and will never come.
const NoticeType = "lost"

// Notice is a lost notice: the events From..To (inclusive) of Topic, Lost of
// them, will never arrive. Its data is exactly
//
//	{"topic":"<name>","lost":N,"from":F,"to":T}
//
// and its id is T (the composite id for a stream of several topics).
type Notice struct {
	Topic    []byte // aliases the event's data
	Lost     uint64
	From, To uint64
}

// ParseNotice tells whether an event of type typ with this data is a lost
// notice, and returns it. An event of type "lost" whose data does not have
// the notice's exact form, or whose count disagrees with its range, is an
// ordinary event.
func ParseNotice(typ, data []byte) (Notice, bool) {
	var n Notice
	if string(typ) != NoticeType {
		return n, false
	}
	rest, ok := bytes.CutPrefix(data, []byte(`{"topic":"`))
	if !ok {
		return n, false
	}
	i := bytes.IndexByte(rest, '"')
	if i < 0 {
		return n, false
	}
	n.Topic, rest = rest[:i], rest[i+1:]
	for _, f := range []struct {
		key string
		dst *uint64
	}{{`,"lost":`, &n.Lost}, {`,"from":`, &n.From}, {`,"to":`, &n.To}} {
		if rest, ok = bytes.CutPrefix(rest, []byte(f.key)); !ok {
			return n, false
		}
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if *f.dst, ok = parseUint(rest[:j]); !ok {
			return n, false
		}
		rest = rest[j:]
	}
	if string(rest) != "}" || n.From == 0 || n.To < n.From || n.Lost != n.To-n.From+1 {
		return n, false
	}
	return n, true
}
