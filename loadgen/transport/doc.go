// Package transport is how ssebench talks to a target: every request it
// sends (subscribers, the publisher, the capacity probes and the browser
// view) is built here, every answer is judged a stream or not here, and
// every TLS connection is configured here, so that one --method, --body,
// --header, --insecure or --ca means the same thing to all of them.
//
// It owns the request builder (Request, H2Fields for code that writes
// HTTP/2 frames), the stream check (IsStream, IsEventStream: EventSource's
// rule), the client TLS configuration (TLSOptions) and the TCP dialer
// (Dialer: --source-ips, ParseSourceIPs, CheckSourceIPs) with the client's
// limits it must fit (RaiseFDLimit, OpenFDs, LocalPorts), and the one set
// of failure class names (ClassX, DialClass, LostClass). Of ssebench it
// imports only the leaf package loadgen/sse; loadgen, loadgen/h2sub and
// loadgen/capacity build on it.
package transport
