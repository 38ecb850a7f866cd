//! Who a request comes from, for rate limits.
//!
//! Behind a TLS proxy every request arrives from the proxy, so the deployment may name the
//! header in which its proxy reports the client (`TRUSTED_PROXY_HEADER`); only the last address
//! in it is taken, the one the proxy itself added, since a client can put anything before it.
//! IPv6 clients are counted by /64: one home or phone gets a whole /64 and can change address
//! within it at will.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::http::{HeaderMap, HeaderName};

/// The key a client's requests are counted under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(peer: IpAddr, headers: &HeaderMap, trusted: Option<&HeaderName>) -> ClientKey {
        let reported = trusted.and_then(|name| headers.get(name)).and_then(|v| v.to_str().ok()).and_then(last_address);
        ClientKey(network(reported.unwrap_or(peer)))
    }
}

/// The last address in a proxy's header (`X-Forwarded-For: a, b` or `X-Real-IP: b`), with or
/// without a port.
fn last_address(value: &str) -> Option<IpAddr> {
    let last = value.rsplit(',').next()?.trim();
    let last = last.strip_prefix("for=").unwrap_or(last).trim_matches('"');
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| last.trim_start_matches('[').split(']').next()?.parse().ok())
}

/// IPv4 addresses as they are (an IPv4-mapped IPv6 address is its IPv4 address); IPv6 ones cut
/// to their /64.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(peer: &str, header: Option<(&'static str, &str)>, trusted: Option<&'static str>) -> ClientKey {
        let mut h = HeaderMap::new();
        if let Some((name, value)) = header {
            h.insert(HeaderName::from_static(name), value.parse().unwrap());
        }
        ClientKey::of(peer.parse().unwrap(), &h, trusted.map(HeaderName::from_static).as_ref())
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(key("2001:db8:1:2:aaaa::1", None, None), key("2001:db8:1:2:bbbb::9", None, None));
        assert_ne!(key("2001:db8:1:2::1", None, None), key("2001:db8:1:3::1", None, None));
        assert_eq!(key("::ffff:192.0.2.7", None, None), key("192.0.2.7", None, None));
        assert_ne!(key("192.0.2.7", None, None), key("192.0.2.8", None, None));
    }

    #[test]
    fn a_proxy_header_counts_only_when_trusted_and_only_its_last_address() {
        let xff = Some(("x-forwarded-for", "203.0.113.9, 198.51.100.4"));
        assert_eq!(key("10.0.0.1", xff, None), key("10.0.0.1", None, None), "not trusted: the peer");
        assert_eq!(key("10.0.0.1", xff, Some("x-forwarded-for")), key("198.51.100.4", None, None));
        let spoofed = Some(("x-forwarded-for", "1.2.3.4"));
        assert_eq!(key("10.0.0.1", spoofed, Some("x-forwarded-for")), key("1.2.3.4", None, None));
        let v6 = Some(("x-real-ip", "[2001:db8::5]:443"));
        assert_eq!(key("10.0.0.1", v6, Some("x-real-ip")), key("2001:db8::1", None, None));
        let junk = Some(("x-forwarded-for", "not an address"));
        assert_eq!(key("10.0.0.1", junk, Some("x-forwarded-for")), key("10.0.0.1", None, None), "unreadable: the peer");
        assert_eq!(key("10.0.0.1", None, Some("x-forwarded-for")), key("10.0.0.1", None, None), "absent: the peer");
    }
}
