//! The SSRF guard: which URLs an action may call. Only http(s); the host must be on the site's
//! allowlist; and a literal address in a loopback, private, link-local, CGNAT, metadata or other
//! special range is refused in every spelling (decimal, hex, octal, short IPv4 forms and IPv6
//! embeddings, as the URL standard parses them) unless the owner allows that address explicitly.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// Why a URL may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsrfError {
    /// Not a URL.
    #[error("not a valid URL: {0}")]
    Invalid(String),
    /// Not http or https.
    #[error("only http and https URLs may be called, not {0}:")]
    Scheme(String),
    /// Credentials in the URL.
    #[error("URLs with user:password@ are refused; use the action's auth")]
    Userinfo,
    /// Host not on the allowlist.
    #[error("host {0} is not in [actions] allowed_hosts of agent.toml")]
    HostNotAllowed(String),
    /// A special-purpose address.
    #[error("address {addr} is in a {range} range, refused unless listed in [actions] allow_private_addresses")]
    PrivateAddress {
        /// The address as parsed.
        addr: IpAddr,
        /// Which range.
        range: &'static str,
    },
}

/// The owner's network policy for actions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// Hosts (optionally `host:port`) actions may call.
    pub allowed_hosts: Vec<String>,
    /// Special-range addresses allowed anyway (local development: `127.0.0.1`).
    pub allow_private_addresses: Vec<IpAddr>,
}

impl NetworkPolicy {
    /// Checks a URL; returns it parsed.
    pub fn check(&self, raw: &str) -> Result<Url, SsrfError> {
        let url = Url::parse(raw).map_err(|e| SsrfError::Invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(SsrfError::Scheme(url.scheme().to_string()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(SsrfError::Userinfo);
        }
        let host = url.host().ok_or_else(|| SsrfError::Invalid("no host".into()))?;
        let ip = match &host {
            Host::Ipv4(a) => Some(IpAddr::V4(*a)),
            Host::Ipv6(a) => Some(IpAddr::V6(*a)),
            Host::Domain(d) if is_local_name(d) => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            Host::Domain(_) => None,
        };
        let host_text = url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_ascii_lowercase();
        let with_port = url.port_or_known_default().map(|p| format!("{host_text}:{p}"));
        let allowed = self.allowed_hosts.iter().any(|h| {
            let h = h.to_ascii_lowercase();
            let h = h.trim_matches(['[', ']']);
            h == host_text || Some(h) == with_port.as_deref()
        });
        if let Some(addr) = ip {
            if let Some(range) = special_range(addr) {
                if !self.allow_private_addresses.contains(&addr) {
                    return Err(SsrfError::PrivateAddress { addr, range });
                }
            }
        }
        if !allowed {
            return Err(SsrfError::HostNotAllowed(host_text));
        }
        Ok(url)
    }
}

/// Names that always mean this machine or its cloud metadata service.
fn is_local_name(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost") || d == "metadata.google.internal" || d == "metadata"
}

/// The special-purpose range an address falls in, if any.
pub fn special_range(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(a) => v4_range(a),
        IpAddr::V6(a) => v6_range(a),
    }
}

fn v4_range(a: Ipv4Addr) -> Option<&'static str> {
    let [o0, o1, o2, _] = a.octets();
    Some(match (o0, o1, o2) {
        (0, _, _) => "this-network",
        (10, _, _) => "private",
        (100, 64..=127, _) => "carrier-grade NAT",
        (127, _, _) => "loopback",
        (169, 254, _) => "link-local / cloud metadata",
        (172, 16..=31, _) => "private",
        (192, 0, 0) => "IETF protocol assignment",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (192, 88, 99) => "6to4 relay",
        (192, 168, _) => "private",
        (198, 18..=19, _) => "benchmarking",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved",
        _ => return None,
    })
}

fn v6_range(a: Ipv6Addr) -> Option<&'static str> {
    let s = a.segments();
    if a.is_loopback() {
        return Some("loopback");
    }
    if a.is_unspecified() {
        return Some("unspecified");
    }
    // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) forms.
    if let Some(v4) = a.to_ipv4_mapped() {
        return v4_range(v4).or(Some("IPv4-mapped"));
    }
    if s[..6] == [0; 6] {
        return Some("IPv4-compatible");
    }
    Some(match s[0] {
        0x64 if s[1] == 0xff9b => "NAT64",
        0x2001 if s[1] == 0x0db8 => "documentation",
        0x2001 if s[1] == 0 => "Teredo",
        0x2002 => "6to4",
        x if x & 0xfe00 == 0xfc00 => "unique local (private)",
        x if x & 0xffc0 == 0xfe80 => "link-local",
        x if x & 0xffc0 == 0xfec0 => "site-local",
        x if x & 0xff00 == 0xff00 => "multicast",
        x if x == 0x0100 && s[1..4] == [0; 3] => "discard-only",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> NetworkPolicy {
        NetworkPolicy {
            allowed_hosts: vec!["api.example.com".into(), "127.0.0.1:9000".into()],
            allow_private_addresses: vec!["127.0.0.1".parse().unwrap()],
        }
    }

    #[test]
    fn allowed_hosts_pass() {
        assert!(policy().check("https://api.example.com/v1/x?y=1").is_ok());
        assert!(policy().check("http://127.0.0.1:9000/tx").is_ok());
    }

    #[test]
    fn other_hosts_and_ports_fail() {
        assert!(matches!(policy().check("https://evil.example/"), Err(SsrfError::HostNotAllowed(_))));
        assert!(matches!(policy().check("http://127.0.0.1:9001/"), Err(SsrfError::HostNotAllowed(_))));
        assert!(matches!(policy().check("ftp://api.example.com/"), Err(SsrfError::Scheme(_))));
        assert!(matches!(policy().check("https://u:p@api.example.com/"), Err(SsrfError::Userinfo)));
    }

    #[test]
    fn special_addresses_are_refused_in_every_spelling() {
        // Even when listed as allowed hosts, only the explicitly allowed address passes.
        let p = NetworkPolicy {
            allowed_hosts: [
                "127.0.0.2",
                "2130706433",
                "0x7f.1",
                "0177.0.0.1",
                "127.1",
                "169.254.169.254",
                "10.0.0.1",
                "100.64.0.1",
                "[::1]",
                "[::ffff:127.0.0.1]",
                "[::ffff:a9fe:a9fe]",
                "[64:ff9b::a9fe:a9fe]",
                "[fd00::1]",
                "[fe80::1]",
                "0.0.0.0",
                "192.168.1.1",
                "172.16.0.1",
                "localhost",
                "metadata.google.internal",
            ]
            .iter()
            .map(|h| h.to_string())
            .collect(),
            allow_private_addresses: vec![],
        };
        for host in &p.allowed_hosts {
            let url = format!("http://{host}/");
            assert!(matches!(p.check(&url), Err(SsrfError::PrivateAddress { .. })), "{url}: {:?}", p.check(&url));
        }
        // Decimal, hex, octal and short spellings all parse to the loopback address.
        let strict = NetworkPolicy::default();
        for spelling in ["2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1", "127.1", "127.0.1", "[::ffff:7f00:1]"] {
            let e = strict.check(&format!("http://{spelling}:9000/")).unwrap_err();
            assert!(matches!(e, SsrfError::PrivateAddress { range: "loopback", .. }), "{spelling}: {e}");
        }
    }

    #[test]
    fn public_addresses_have_no_special_range() {
        for a in ["1.1.1.1", "8.8.8.8", "2606:4700::1111", "93.184.216.34"] {
            assert_eq!(special_range(a.parse().unwrap()), None, "{a}");
        }
        assert_eq!(special_range("169.254.169.254".parse().unwrap()), Some("link-local / cloud metadata"));
        assert_eq!(special_range("::ffff:10.0.0.1".parse().unwrap()), Some("private"));
    }
}
