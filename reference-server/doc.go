// Package refserver is the reference Server-Sent Events server: it fans out
// a generated event stream to every subscriber of GET /events, as fast as Go
// allows, so that it can serve as the baseline other servers are measured
// against and as the target of the load generator's tests.
//
//	generator ─► topic (id, stamp, encode once) ─► [delay line] ─► worker × GOMAXPROCS ─► subscribers
//
// # Wire format
//
// This is a public contract; the load generator and any other client may
// rely on it. Each generated event is one frame:
//
//	id: <seq>\n
//	data: {"pub_ns":<publish time>,"pad":"xxx…"}\n
//	\n
//
// seq starts at 1 and grows by 1 per event of a topic. The publish time is
// the wall clock, in Unix nanoseconds, when the event was created, before
// any Delay and fan-out; a client's receive time minus it is the fan-out
// latency. pad is a string of 'x' sized so that the data value is exactly
// Config.PayloadBytes long; when that is shorter than the data without
// padding (about 39 bytes), pad is "" and the data is as short as it can
// be. There is no event: line, so the event type is "message", and no
// comment lines. DataPrefix and ParsePublishTime let a client read the
// publish time without allocating.
//
// The response has Content-Type: text/event-stream and Cache-Control:
// no-cache, and every event is flushed as soon as it is due. Over HTTP/1.1
// the body is not chunked: it ends when the server closes the connection.
//
// # Protocols and design
//
// HTTP/1.1 and cleartext HTTP/2 with prior knowledge (h2c) share one
// listener. An HTTP/1.1 subscription is hijacked: its response header is
// written raw and the connection is handed to one of GOMAXPROCS workers,
// which writes each shared frame with one non-blocking system call and keeps
// no goroutine or buffer per subscriber while it keeps up. What a full socket
// does not take goes to a backlog bounded by Config.MaxBacklogBytes, retried
// every few milliseconds; beyond the bound the subscriber is disconnected
// (Stats.SlowDisconnects) so it never delays the others. An HTTP/2 stream
// keeps its handler goroutine, which writes and flushes what its worker
// queued, under the same bound. (So does HTTP/1.1 where hijacking is not
// possible, or on systems other than Linux, macOS and OpenBSD.)
//
// Each event is encoded once; every subscriber is handed the same bytes. A
// worker that falls behind writes each subscriber every frame already
// waiting in one writev, which is how it catches up; one that keeps up
// writes every event on its own as soon as it is due.
//
// A subscription may name its topics, GET /events?topic=default; today the
// only topic is "default", which is also used when none is named.
package refserver
