package refserver

import (
	"bytes"
	"strconv"
	"time"
)

// DataPrefix is how the data value of every generated event starts; the
// publish time follows it as decimal Unix nanoseconds. See WireFormat.
const DataPrefix = "{\"pub_ns\":"

// WireFormat describes one generated event on the wire, for help texts and
// startup lines. It is a public contract: the load generator parses it.
const WireFormat = `id: <seq>\ndata: {"pub_ns":<unix-ns>,"pad":"xxx…"}\n\n`

// padField sits between the timestamp and the padding; dataSuffix closes the
// JSON object.
const (
	padField   = ",\"pad\":\""
	dataSuffix = "\"}"
)

// maxInt64Digits is the length of the longest int64 in decimal, and so the
// most room a timestamp can take.
const maxInt64Digits = 19

// frame is one encoded event. The same frame (and so the same backing array)
// goes to every subscriber, so it must never be written to after it was
// encoded.
type frame struct {
	seq uint64 // the id: value, per topic, from 1
	b   []byte // the whole SSE frame, ending in a blank line
}

// dataLen returns how long the data value is for a timestamp of digits
// digits and pad padding bytes.
func dataLen(digits, pad int) int {
	return len(DataPrefix) + digits + len(padField) + pad + len(dataSuffix)
}

// frameCap is enough room for any generated frame of payloadBytes, so that
// encoding makes exactly one allocation.
func frameCap(payloadBytes int) int {
	return len("id: ") + 20 + len("\ndata: ") + max(payloadBytes, dataLen(maxInt64Digits, 0)) + len("\n\n")
}

// appendGenerated appends one generated event to dst and returns the extended
// slice. pad must hold at least payloadBytes 'x' bytes. The padding is sized
// from the actual number of timestamp digits, so the data value is exactly
// payloadBytes long whenever that is possible.
func appendGenerated(dst []byte, seq uint64, pubNs int64, payloadBytes int, pad []byte) []byte {
	dst = append(dst, "id: "...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, "\ndata: "...)
	dst = append(dst, DataPrefix...)
	n0 := len(dst)
	dst = strconv.AppendInt(dst, pubNs, 10)
	dst = append(dst, padField...)
	if p := payloadBytes - dataLen(len(dst)-n0-len(padField), 0); p > 0 {
		dst = append(dst, pad[:p]...)
	}
	dst = append(dst, dataSuffix...)
	return append(dst, "\n\n"...)
}

// ParsePublishTime returns the publish time carried in the data value of a
// generated event (see WireFormat), in Unix nanoseconds. ok is false when
// data does not start with DataPrefix followed by 1 to 19 decimal digits
// and a ',' or '}', or when the number overflows an int64. It does not
// allocate, so a load generator can call it for every event.
func ParsePublishTime(data []byte) (unixNano int64, ok bool) {
	if len(data) <= len(DataPrefix) || string(data[:len(DataPrefix)]) != DataPrefix {
		return 0, false
	}
	var n uint64
	i := len(DataPrefix)
	for ; i < len(data); i++ {
		c := data[i]
		if c < '0' || c > '9' {
			break
		}
		if i-len(DataPrefix) == maxInt64Digits {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	// 19 digits fit in a uint64 without wrapping, so one check at the end
	// catches every int64 overflow.
	if i == len(DataPrefix) || i == len(data) || (data[i] != ',' && data[i] != '}') || n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}

// heartbeat is the comment sent on a stream that was idle for a heartbeat
// period. A comment line is ignored by clients; the blank line after it
// dispatches nothing, since no data came before it (WHATWG HTML §9.2.6).
var heartbeat = []frame{{b: []byte(": heartbeat\n\n")}}

// appendRetry appends a retry: field advertising d, in whole milliseconds,
// and a blank line.
func appendRetry(dst []byte, d time.Duration) []byte {
	dst = append(dst, "retry: "...)
	dst = strconv.AppendInt(dst, d.Milliseconds(), 10)
	return append(dst, "\n\n"...)
}

// appendPublished appends one published event: the id, the event type if
// any, and data split into one data: line per line. Every line terminator
// of the body (CRLF, LF or a lone CR) starts a new data: line, because a
// client would split there anyway (WHATWG HTML §9.2.6), so that the client
// sees the body with its terminators turned into LF.
func appendPublished(dst []byte, seq uint64, event string, data []byte) []byte {
	dst = append(dst, "id: "...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, '\n')
	if event != "" {
		dst = append(dst, "event: "...)
		dst = append(dst, event...)
		dst = append(dst, '\n')
	}
	for {
		dst = append(dst, "data: "...)
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			dst = append(dst, data...)
			break
		}
		dst = append(dst, data[:i]...)
		dst = append(dst, '\n')
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return append(dst, "\n\n"...)
}

// publishedLen returns how long appendPublished's frame is, so that it is
// encoded in one allocation.
func publishedLen(event string, data []byte) int {
	n := len("id: ") + 20 + 1 + len("data: ") + len(data) + len("\n\n")
	if event != "" {
		n += len("event: ") + len(event) + 1
	}
	// Each line break adds a "data: " prefix; a CRLF is two bytes that
	// become one, so counting both is an overestimate that is fine.
	for _, c := range data {
		if c == '\r' || c == '\n' {
			n += len("data: ")
		}
	}
	return n
}

// LostEvent is the type of the event that tells a resuming subscriber that
// events it asked for are gone from the replay ring. Its data is a JSON
// object: {"topic":"…","lost":N,"from":F,"to":T}, the events F..T
// (inclusive) of the topic, N of them, that it will never receive. Its id
// is T, so a client that reconnects again does not ask for them again.
const LostEvent = "lost"

// appendLost appends the lost event for ids from..to of topic name.
func appendLost(dst []byte, name string, from, to uint64) []byte {
	dst = append(dst, "id: "...)
	dst = strconv.AppendUint(dst, to, 10)
	dst = append(dst, "\nevent: "+LostEvent+"\ndata: {\"topic\":\""...)
	dst = append(dst, name...) // topic names need no JSON escaping; see validTopic
	dst = append(dst, "\",\"lost\":"...)
	dst = strconv.AppendUint(dst, to-from+1, 10)
	dst = append(dst, ",\"from\":"...)
	dst = strconv.AppendUint(dst, from, 10)
	dst = append(dst, ",\"to\":"...)
	dst = strconv.AppendUint(dst, to, 10)
	return append(dst, "}\n\n"...)
}

// frameBody returns what follows the id: line of an event frame. Every
// event frame starts with its id line, so that a stream of several topics
// can swap in its composite id (see base.compose).
func frameBody(b []byte) []byte {
	return b[bytes.IndexByte(b, '\n')+1:]
}

// appendCompositeID appends the id line of an event on a stream of several
// topics: every topic of the stream with the last id it was sent, in the
// order the subscription named them, e.g. "id: a:5,b:7\n". The entry of
// topics[cur] is curSeq.
func appendCompositeID(dst []byte, topics []*topic, pos []uint64, cur int, curSeq uint64) []byte {
	dst = append(dst, "id: "...)
	for i, t := range topics {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, t.name...)
		dst = append(dst, ':')
		seq := pos[i]
		if i == cur {
			seq = curSeq
		}
		dst = strconv.AppendUint(dst, seq, 10)
	}
	return append(dst, '\n')
}
