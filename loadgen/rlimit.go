package loadgen

import (
	"fmt"
)

// fdReserve is the descriptors a run keeps free besides its connections:
// DNS lookups in flight, the --dump and --out files, the runtime's poller,
// the progress display. Generous, yet small beside a 20k limit.
const fdReserve = 64

// limits are the client-side limits a run must fit, read at its start.
type limits struct {
	// fdSoft is RLIMIT_NOFILE's soft limit after Run raised it; 0 means
	// unknown (no check).
	fdSoft int
	// fdHard is RLIMIT_NOFILE's hard limit, the most fdSoft can be.
	fdHard int
	// fdOpen is the descriptors already open.
	fdOpen int
	// ports is the ephemeral ports one source address has for connections
	// to one server address; 0 means unknown (no check).
	ports int
	// sources is the number of source addresses (--source-ips), at least 1.
	sources int
}

// checkLimits tells, before anything starts, whether cfg fits l. It returns
// an error wrapping ErrTooManyForLimits that says how many fit, or nil.
func checkLimits(cfg *Config, l limits) error {
	conns, what := cfg.Subscribers, "subscribers over HTTP/1.1"
	if cfg.Protocol != ProtocolH1 {
		// HTTP/2 opens at least --connections; more only when the
		// server's stream limit demands, which is not known yet.
		conns, what = cfg.Connections, "HTTP/2 connections (--connections)"
	}
	perConn, per := 1, "one per connection"
	if cfg.Embedded {
		// The in-process reference server holds the other end.
		perConn, per = 2, "two per connection: the embedded server holds the other end"
	}
	if l.fdSoft > 0 {
		need := l.fdOpen + fdReserve + conns*perConn
		if need > l.fdSoft {
			fit := max(0, (l.fdSoft-l.fdOpen-fdReserve)/perConn)
			hard := "already raised to the hard limit"
			if l.fdSoft < l.fdHard {
				hard = fmt.Sprintf("the hard limit of %d could not be applied", l.fdHard)
			}
			hint := "raise the hard limit (ulimit -Hn, LimitNOFILE=) or ask for fewer"
			if cfg.Protocol == ProtocolH1 {
				hint += ", or use --protocol h2c or h2 (many streams per connection)"
			}
			return fmt.Errorf("%w: %d %s need %d file descriptors (%s, plus %d open and %d spare) but RLIMIT_NOFILE is %d (%s): at most %d fit; %s",
				ErrTooManyForLimits, conns, what, need, per, l.fdOpen, fdReserve, l.fdSoft, hard, fit, hint)
		}
	}
	if l.ports > 0 {
		sources := max(1, l.sources)
		if fit := l.ports * sources; conns > fit {
			return fmt.Errorf("%w: %d %s need %d connections to one server address but the local port range gives %d ports per source address and there %s: at most %d fit; add source addresses with --source-ips (for a loopback target e.g. 127.0.0.2-127.0.0.%d) or ask for fewer",
				ErrTooManyForLimits, conns, what, conns, l.ports, plural(sources, "is 1 source address", "are %d source addresses"), fit, 1+(conns+l.ports-1)/l.ports)
		}
	}
	return nil
}

// plural picks one or many (formatted with n).
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return fmt.Sprintf(many, n)
}
