// Package sse reads Server-Sent Events streams on the client side.
//
// It follows the "Interpreting an event stream" rules of the WHATWG HTML
// standard, https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation,
// and gives the same events however the bytes are split across reads:
// lines end in CRLF, LF or CR (even a CR that ends one read and an LF that
// starts the next), one leading UTF-8 byte order mark is dropped, lines that
// start with a colon are comments, and a blank line dispatches the event
// built so far. An event that the stream does not finish with a blank line
// is discarded.
//
// # Scanner contract
//
// A Reader is used like bufio.Scanner, from one goroutine:
//
//	r := sse.NewReader(resp.Body, sse.Options{})
//	var ev sse.Event
//	for r.Next(&ev) {
//		use(ev.Type, ev.Data, ev.ID, ev.At)
//	}
//	if err := r.Err(); err != nil { // nil at clean EOF
//		...
//	}
//
// The byte slices in an Event alias the Reader's buffers. They stay valid
// until the next call to Next or Reset, and callers must not modify them;
// copy what must outlive the loop. In exchange, Next does not allocate once
// its buffers have grown to fit the stream's events, which matters to a load
// generator that reads hundreds of thousands of events per second.
//
// Comments dispatch nothing, so Options.Comment, when set, is called with
// each comment's text as soon as its line is read, from inside Next.
//
// Options.MaxEventBytes bounds memory: an event whose data, plus the line
// being read, grows past it stops the Reader with ErrEventTooLarge, and so
// does a single line that long, whether or not it ever ends.
//
// # Push form
//
// A Reader made with a nil source is pushed bytes as they arrive instead,
// for callers that read many streams from one connection (HTTP/2 frames)
// and cannot spare a goroutine per stream:
//
//	r := sse.NewReader(nil, sse.Options{})
//	r.Push(payload, receivedAt) // then Next until it returns false
//	r.End(io.EOF)               // when the stream ends
//
// Both forms interpret bytes with the same code and give the same events
// however the bytes are split; the push form copies only a line that one
// push leaves unfinished. See Reader.Push.
//
// # Departures from a browser
//
// Bytes are not decoded: invalid UTF-8 reaches Event.Data as it arrived,
// where a browser would substitute U+FFFD. The reconnection time from
// "retry:" is reported by Reader.Retry and is saturated at the largest
// time.Duration rather than rejected when it is too large.
package sse
