package offchain

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrBlocked is returned when a URI, a redirect or a dialled address points at a target the SSRF
// guard refuses: loopback, private, link-local, CGNAT, cloud metadata and other non-public ranges.
var ErrBlocked = errors.New("blocked non-public address")

// blockedPrefixes are the ranges a fetch may not reach unless private targets are allowed.
// IPv4-mapped and NAT64 addresses are unwrapped to their IPv4 address before the check.
var blockedPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"; 0.0.0.0 reaches the local host on Linux
		"10.0.0.0/8",      // private
		"100.64.0.0/10",   // CGNAT (RFC 6598)
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local, including the cloud metadata service 169.254.169.254
		"172.16.0.0/12",   // private
		"192.0.0.0/24",    // IETF protocol assignments (includes some metadata endpoints)
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // 6to4 relay anycast
		"192.168.0.0/16",  // private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved and broadcast
		"::/128",          // unspecified
		"::1/128",         // loopback
		"100::/64",        // discard
		"2001:db8::/32",   // documentation
		"fc00::/7",        // unique local (includes AWS's fd00:ec2::254 metadata)
		"fe80::/10",       // link-local
		"ff00::/8",        // multicast
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// nat64 is the well-known NAT64 prefix: its last 32 bits are an IPv4 address to check as such.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// publicAddr reports whether a is a public unicast address a fetch may reach.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	if !a.IsValid() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// guard decides which addresses a Resolver may connect to.
type guard struct {
	// allow reports whether an address may be reached; nil means every address may.
	allow func(netip.Addr) bool
}

// newGuard returns the guard for the given setting: everything when allowPrivate, else only
// public addresses.
func newGuard(allowPrivate bool) guard {
	if allowPrivate {
		return guard{}
	}
	return guard{allow: publicAddr}
}

// checkHost refuses a host that is a literal IP address outside the allowed ranges. Names are
// checked after DNS resolution, at dial time (control), because a name can resolve anywhere.
func (g guard) checkHost(host string) error {
	if g.allow == nil {
		return nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil // a name: checked at dial time
	}
	if !g.allow(a) {
		return fmt.Errorf("%w: %s", ErrBlocked, a)
	}
	return nil
}

// control is a net.Dialer.Control hook: it runs after DNS resolution, for the exact address about
// to be dialled, on the first request and on every redirect, so a name that resolves to a private
// address (or changes its answer between two lookups) is refused too.
func (g guard) control(network, address string, _ syscall.RawConn) error {
	if g.allow == nil {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrBlocked, address)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !g.allow(a) {
		return fmt.Errorf("%w: %s", ErrBlocked, host)
	}
	return nil
}
