// Package h2sub holds many Server-Sent Events subscriptions over HTTP/2
// with one goroutine per TCP connection and none per stream.
//
//	Client ─► conn (one per TCP connection, one reader goroutine)
//	             └─► Stream (compact struct) ─► sse.Reader (push form) ─► Sink
//
// A Client dials the server (h2c with prior knowledge for http:// URLs,
// TLS with ALPN h2 for https://), opens each stream on a connection with
// room under the server's SETTINGS_MAX_CONCURRENT_STREAMS (and
// Config.MaxStreamsPerConn), and opens more connections as streams need
// them. Each connection's goroutine reads frames with
// golang.org/x/net/http2's Framer (hpack for headers) and hands each DATA
// frame's payload straight to its stream's sse.Reader, which interprets it
// in place: there is no pipe, body buffer or goroutine per stream, and the
// per-event path allocates nothing. Bytes are returned to the connection
// and stream flow-control windows as soon as they are interpreted, so one
// busy stream never stalls the others for longer than the parsing takes.
//
// # Sinks
//
// Everything a stream does is reported to its Sink, from the connection's
// goroutine: OnHeaders (status, content type, receive time), OnEvent,
// OnComment and finally OnEnd with a classified *Error, whose Class uses
// loadgen's names (see errors.go). OnEnd's answer reconnects the stream,
// after a delay, with Last-Event-ID. Sinks must not block: a slow Sink
// delays every stream of its connection.
//
// # Protocol handling
//
//   - Responses are checked as EventSource checks them: 200 with
//     text/event-stream, else ClassStatus, ClassContentType, or
//     ClassNoContent for 204.
//   - RST_STREAM fails the stream (ClassProtocol before headers, ClassRead
//     after); REFUSED_STREAM before headers moves the stream to another
//     connection, as do streams above a GOAWAY's last stream ID. A
//     connection that got GOAWAY takes no new streams and closes when its
//     last stream ends.
//   - PING is answered; SETTINGS are applied (stream limit, initial window,
//     frame size, header table size) and acknowledged; PUSH_PROMISE is a
//     connection error (push is disabled).
//   - Flow-control violations by the server end the stream or connection.
//   - Streams without response headers within Config.HeaderTimeout end with
//     ClassTimeout and are reset.
//
// # Driving loadgen's subscribers from it
//
// The package stands alone; loadgen's runner does not use it yet. A
// loadgen engine for --protocol h2c/h2 built on it needs:
//
//   - One Client per run (or per --connections slot, with
//     MaxStreamsPerConn = ceil(subscribers / connections)), built from the
//     Config: URL, TLS from TargetOptions.tlsConfig, Dial from loadgen's
//     dialer (source IPs, transport stats), HeaderTimeout =
//     ConnectTimeout, MaxEventBytes. One Request shared by all
//     subscribers (method, body, --header; newRequest's Accept,
//     Cache-Control and User-Agent).
//   - A Sink per subscriber slot in place of subscriber.run's goroutine,
//     holding what subscriber holds today (seqSeen, lastSeq, the attempt's
//     start time, established, lostAt) and its *Recorder. OnHeaders gives
//     agg.streamUp / headersAfter (At minus the attempt's start);
//     OnEvent does subscriber.read's loop body (latency via
//     Config.Latency on ev.Data and ev.At, inter-event gap, sequence
//     gaps, rec.event with the byte delta from Stream.Bytes); OnComment
//     gives rec.extra; OnEnd gives agg.failure or agg.streamDown with the
//     Error's Class (ClassOf), and answers reconnect.go's rules:
//     (established && retryable(class) && !NoReconnect, Stream.Retry() or
//     ReconnectDelay). ErrClosed is the run's end: streamDown(nil).
//   - The Recorder must take calls from the connection's goroutine, for
//     many subscribers in turn, without blocking: today's per-subscriber
//     batch and shard lock already fit (one goroutine writes a given
//     Recorder at a time). What must go is anything per subscriber that is
//     large: at 4 KiB per subscriber the Recorder's sample batch (512 B)
//     is the largest part left.
//   - The schedule (ramp, ramp-down) calls Client.Subscribe and
//     Stream.Close instead of starting and cancelling goroutines; the
//     dial semaphore is replaced by Config.MaxDials.
//   - The run's end calls Client.Close, which reports ErrClosed to every
//     open stream and waits for the connection goroutines.
package h2sub
