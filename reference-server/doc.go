// Package refserver is the reference Server-Sent Events server: it fans out
// events published on topics (by built-in generators and by POST /publish)
// to every subscriber of GET /events, as fast as Go allows, so that it can
// serve as the baseline other servers are measured against, as the target
// of the load generator's tests, and as a server people run on its own.
//
//	generator, POST /publish ─► topic (id, encode once) ─► [delay line] ─► [coalescer]
//	    ─► replay ring + worker × GOMAXPROCS ─► subscribers
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
// the wall clock, in Unix nanoseconds, at which the event was due on its
// generator's schedule, before any Delay and fan-out; a client's receive
// time minus it is the fan-out latency, including any time the generator
// itself was late. pad is a string of 'x' sized so that the data value is
// exactly Config.PayloadBytes long; when that is shorter than the data
// without padding (about 39 bytes), pad is "" and the data is as short as
// it can be. There is no event: line, so the event type is "message".
// DataPrefix and ParsePublishTime let a client read the publish time
// without allocating.
//
// A published event is "id: <seq>", then "event: <type>" if one was given,
// then one data: line per line of the body. A stream may also carry a
// retry: field first (Config.Retry), ": heartbeat" comments
// (Config.Heartbeat), and LostEvent notices when resuming.
//
// The response has Content-Type: text/event-stream and Cache-Control:
// no-cache. Over HTTP/1.1 in cleartext the body is not chunked: it ends
// when the server closes the connection.
//
// # Topics and ids
//
// GET /events?topic=a&topic=b subscribes to several topics; none means the
// topic "default". Each topic numbers its events from 1. A stream of one
// topic carries the event's own id. SSE keeps one last event ID per stream,
// so a stream of several topics carries composite ids instead, the
// position in every topic it has, in the order the request named them:
// "a:5,b:7". Resuming with that id (Last-Event-ID, or the lastEventId query
// parameter) continues every topic where it was. Each topic keeps its last
// Config.Replay events for that; a subscriber that asks for older ones gets
// a LostEvent first, telling it which ids it will never see.
//
// # Protocols and design
//
// HTTP/1.1, cleartext HTTP/2 with prior knowledge (h2c), and TLS with ALPN
// h2 and http/1.1 share one listener: when both cleartext and TLS are on,
// the first byte of a connection tells them apart. A cleartext HTTP/1.1
// subscription is hijacked: once a worker has registered it, the worker
// writes its response head and then each shared frame with one
// non-blocking system call, keeping no goroutine or buffer per subscriber
// while it keeps up. What a full socket does not take goes to a backlog
// bounded by Config.MaxBacklogBytes, retried every few milliseconds; beyond
// the bound the subscriber is disconnected (SlowDisconnect) or the events
// that do not fit are skipped (SlowDrop), so that it never delays the
// others.
//
// HTTP/2, cleartext or over TLS, is served by one of two engines
// (Config.H2Engine). The frame-level one, the default, keeps no goroutine
// per stream either: per connection one goroutine reads frames and one
// writes, and a stream's worker encodes its events as DATA within the
// client's flow-control windows; what the windows, or a socket that takes
// nothing, leave waiting is queued per stream under the same bound and
// policy. Requests other than subscriptions run the handler on a goroutine
// of their own. With net/http's engine (H2EngineStdlib), and for HTTP/1.1
// over TLS, each stream keeps its handler goroutine, which writes and
// flushes what its worker queued, under the same bound.
//
// Each event is encoded once; every subscriber of a single topic is handed
// the same bytes. A worker that falls behind writes each subscriber every
// frame already waiting in one writev, which is how it catches up; one that
// keeps up writes every event on its own as soon as it is due, unless
// Config.FlushInterval asks for coalescing.
package refserver
