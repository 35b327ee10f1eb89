package transport

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// maxSourceIPs bounds --source-ips so that a typo such as
// 127.0.0.0-127.255.255.255 is an error, not 16M dialers. 4096 addresses
// already give far more ports than any descriptor limit allows.
const maxSourceIPs = 4096

// ParseSourceIPs parses a comma-separated list of addresses and inclusive
// ranges "first-last" of one family, e.g. "127.0.0.2-127.0.0.20,127.0.1.1".
func ParseSourceIPs(s string) ([]netip.Addr, error) {
	var ips []netip.Addr
	seen := map[netip.Addr]bool{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("empty item in %q", s)
		}
		lo, hi, isRange := strings.Cut(item, "-")
		first, err := netip.ParseAddr(strings.TrimSpace(lo))
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or a range first-last", item)
		}
		last := first
		if isRange {
			if last, err = netip.ParseAddr(strings.TrimSpace(hi)); err != nil {
				return nil, fmt.Errorf("%q is not an IP address or a range first-last", item)
			}
			if first.Is4() != last.Is4() {
				return nil, fmt.Errorf("range %q mixes IPv4 and IPv6", item)
			}
			if last.Less(first) {
				return nil, fmt.Errorf("range %q ends before it starts", item)
			}
		}
		if first.Zone() != "" {
			return nil, fmt.Errorf("%q: zoned addresses are not supported", item)
		}
		for a := first; ; a = a.Next() {
			if seen[a] {
				return nil, fmt.Errorf("%s is listed twice", a)
			}
			seen[a] = true
			ips = append(ips, a.Unmap())
			if len(ips) > maxSourceIPs {
				return nil, fmt.Errorf("more than %d addresses", maxSourceIPs)
			}
			if a == last {
				break
			}
		}
	}
	if len(ips) > 0 {
		for _, a := range ips[1:] {
			if a.Is4() != ips[0].Is4() {
				return nil, errors.New("mixes IPv4 and IPv6 addresses; one target address has one family")
			}
		}
	}
	return ips, nil
}

// CheckSourceIPs checks that ips can reach host. A loopback target (an
// address in 127.0.0.0/8 or ::1, or "localhost") takes loopback sources
// only, and the reverse; the family must match an IP target; and a source
// outside loopback must be an address of this host. A host name that is
// not "localhost" is not resolved here, so only the last check applies.
func CheckSourceIPs(ips []netip.Addr, host string) error {
	if len(ips) == 0 {
		return nil
	}
	target, err := netip.ParseAddr(host)
	isIP := err == nil
	loopTarget := isLocalhost(host)
	if isIP {
		target = target.Unmap()
		loopTarget = target.IsLoopback()
		if target.Is4() != ips[0].Is4() {
			return fmt.Errorf("the sources are IPv%d but the target %s is IPv%d", family(ips[0]), target, family(target))
		}
	}
	var local map[netip.Addr]bool
	for _, a := range ips {
		switch {
		case loopTarget && !a.IsLoopback():
			return fmt.Errorf("%s is not a loopback address, but the target %s is on loopback: use sources in 127.0.0.0/8", a, host)
		case !loopTarget && isIP && a.IsLoopback():
			return fmt.Errorf("%s is a loopback address and cannot reach the target %s", a, host)
		case a.IsLoopback():
			// Every address of 127.0.0.0/8 is local on Linux; ::1 is the
			// only IPv6 one, and the dial says so if it is missing.
		default:
			if local == nil {
				local = localAddrs()
			}
			if !local[a] {
				return fmt.Errorf("%s is not an address of this host", a)
			}
		}
	}
	return nil
}

// isLocalhost tells whether host names the loopback interface (RFC 6761).
func isLocalhost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

func family(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

// localAddrs returns the addresses assigned to this host's interfaces.
func localAddrs() map[netip.Addr]bool {
	m := map[netip.Addr]bool{}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return m
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			m[p.Addr().Unmap()] = true
		}
	}
	return m
}
