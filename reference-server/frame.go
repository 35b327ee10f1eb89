package refserver

import "strconv"

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
