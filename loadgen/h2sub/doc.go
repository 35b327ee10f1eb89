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
// loadgen/transport's names, the one set loadgen reports (errors.go).
// OnEnd's answer reconnects the stream, after a delay, with Last-Event-ID.
// Sinks must not block: a slow Sink delays every stream of its connection.
// Optional interfaces add what a load generator needs: SentSink (the
// request is out), CommentSink (each comment line's text).
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
// # How loadgen drives it
//
// loadgen runs --protocol h2c and h2 on this package (loadgen/engine_h2.go,
// loadgen/h2_session.go):
//
//   - One Client per --connections slot; subscriber i uses slot
//     i mod Connections, and each Client opens connections as its streams
//     need them (MaxStreamsPerConn is 0: the server's limit alone). The
//     Config comes from loadgen's: Dial and DialTLS are loadgen's dialer
//     (source addresses, connection count, the one TLS config with ALPN h2
//     and its ALPN check), Ready feeds the report's advertised
//     SETTINGS_MAX_CONCURRENT_STREAMS, HeaderTimeout is ConnectTimeout,
//     MaxEventBytes is MaxEventBytes, MaxDials is MaxDials spread over
//     the Clients. One Request, from loadgen's request builder, serves
//     every stream; --last-event-id is the first Last-Event-ID.
//   - A Sink per subscriber session (h2Session) in place of a goroutine. It
//     calls the measurement methods the HTTP/1.1 engine's goroutine calls
//     (stream up, each event, comments, stream end with reconnect.go's
//     rules) and answers OnEnd with the reconnection delay (Stream.Retry
//     or ReconnectDelay). Its OnSent (SentSink) tells the schedule that
//     the request is out, for servers that hold their response headers;
//     the first subscriber's Sink with --dump is a CommentSink. Redirects
//     within the target's host are followed with Stream.SetRequest.
//   - A ramp-down makes the session inert under its lock, then calls
//     Stream.Close; the run's end calls Client.Close, whose ErrClosed ends
//     every remaining session.
package h2sub
