//! The SSRF guard: which URLs an action may call. Only http(s), and plain http only where the owner
//! allows it; the host must be on the site's allowlist (an entry without a port admits only the
//! scheme's default port: the same rule the build applies, `shared::site::AllowedHost`); a redirect
//! never goes from https to http; and a literal address in a loopback, private, link-local, CGNAT, metadata or other
//! special range is refused in every spelling (decimal, hex, octal, short IPv4 forms and IPv6
//! embeddings, as the URL standard parses them) unless the owner allows that address explicitly.

pub use shared::net::special_range;
use shared::site::{ActionsConfig, AllowedHost};
use std::net::{IpAddr, Ipv4Addr};
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
    /// Host (or its port) not on the allowlist.
    #[error("host {0} is not in [actions] allowed_hosts of agent.toml (an entry without a port allows only the default port)")]
    HostNotAllowed(String),
    /// Plain http to a host that may only be called over https.
    #[error("plain http to {0} is refused: use https, or set [actions] allow_http = true in agent.toml")]
    PlainHttp(String),
    /// A redirect from https to http.
    #[error("a redirect from https to http ({0}) is refused")]
    Downgrade(String),
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
    /// Special-range addresses allowed anyway (local development: `127.0.0.1`); plain http to
    /// such an address, written as the address, is allowed too.
    pub allow_private_addresses: Vec<IpAddr>,
    /// Plain http to any allowed host (`[actions] allow_http`).
    pub allow_http: bool,
}

impl NetworkPolicy {
    /// The policy of a site's `[actions]` (entries were validated when the site was built).
    pub fn from_config(actions: &ActionsConfig) -> Self {
        Self {
            allowed_hosts: actions.allowed_hosts.clone(),
            allow_private_addresses: actions.allow_private_addresses.iter().filter_map(|s| s.parse().ok()).collect(),
            allow_http: actions.allow_http,
        }
    }

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
        let literal = match &host {
            Host::Ipv4(a) => Some(IpAddr::V4(*a)),
            Host::Ipv6(a) => Some(IpAddr::V6(*a)),
            Host::Domain(_) => None,
        };
        let ip = match &host {
            Host::Domain(d) if is_local_name(d) => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            _ => literal,
        };
        let host_text = url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_ascii_lowercase();
        // `url` drops a port equal to the scheme's default, so `port()` is the explicit other port.
        let allowed = self
            .allowed_hosts
            .iter()
            .filter_map(|h| AllowedHost::parse(h).ok())
            .any(|h| h.admits(url.scheme(), &host_text, url.port()));
        if let Some(addr) = ip {
            if let Some(range) = special_range(addr) {
                if !self.allow_private_addresses.contains(&addr) {
                    return Err(SsrfError::PrivateAddress { addr, range });
                }
            }
        }
        let shown = || match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        if !allowed {
            return Err(SsrfError::HostNotAllowed(shown()));
        }
        // Plain http only where the owner said so, or to a listed local address (development).
        let local = literal.is_some_and(|a| self.allow_private_addresses.contains(&a));
        if url.scheme() == "http" && !self.allow_http && !local {
            return Err(SsrfError::PlainHttp(shown()));
        }
        Ok(url)
    }

    /// Checks a redirect from `from` to `location` (resolved against `from`): as [`Self::check`],
    /// and never from https to http.
    pub fn check_redirect(&self, from: &Url, location: &str) -> Result<Url, SsrfError> {
        let next = from.join(location).map_err(|e| SsrfError::Invalid(e.to_string()))?;
        if from.scheme() == "https" && next.scheme() == "http" {
            return Err(SsrfError::Downgrade(next.host_str().unwrap_or_default().to_string()));
        }
        self.check(next.as_str())
    }
}

/// Names that always mean this machine or its cloud metadata service.
fn is_local_name(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost") || d == "metadata.google.internal" || d == "metadata"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> NetworkPolicy {
        NetworkPolicy {
            allowed_hosts: vec!["api.example.com".into(), "127.0.0.1:9000".into()],
            allow_private_addresses: vec!["127.0.0.1".parse().unwrap()],
            allow_http: false,
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
    fn an_entry_without_a_port_admits_only_the_default_port() {
        let p = NetworkPolicy { allowed_hosts: vec!["api.example.com".into()], ..Default::default() };
        assert!(p.check("https://api.example.com/").is_ok());
        assert!(p.check("https://api.example.com:443/").is_ok(), "443 is https's default");
        for other in ["https://api.example.com:8443/", "https://api.example.com:80/", "https://api.example.com:22/"] {
            assert!(matches!(p.check(other), Err(SsrfError::HostNotAllowed(_))), "{other}");
        }
        let p = NetworkPolicy { allowed_hosts: vec!["api.example.com:8443".into()], ..Default::default() };
        assert!(p.check("https://api.example.com:8443/").is_ok());
        assert!(matches!(p.check("https://api.example.com/"), Err(SsrfError::HostNotAllowed(_))));
    }

    #[test]
    fn plain_http_needs_allow_http_or_a_listed_local_address() {
        let p = NetworkPolicy { allowed_hosts: vec!["api.example.com".into()], ..Default::default() };
        assert_eq!(p.check("http://api.example.com/"), Err(SsrfError::PlainHttp("api.example.com".into())));
        let open = NetworkPolicy { allow_http: true, ..p.clone() };
        assert!(open.check("http://api.example.com/").is_ok());
        // The local exception is for the address as written, not for names that resolve to it.
        let local = NetworkPolicy {
            allowed_hosts: vec!["127.0.0.1:9000".into(), "localhost:9000".into()],
            allow_private_addresses: vec!["127.0.0.1".parse().unwrap()],
            allow_http: false,
        };
        assert!(local.check("http://127.0.0.1:9000/").is_ok());
        assert!(matches!(local.check("http://localhost:9000/"), Err(SsrfError::PlainHttp(_))));
    }

    #[test]
    fn redirects_never_downgrade_to_http() {
        let p = NetworkPolicy { allowed_hosts: vec!["api.example.com".into()], allow_http: true, ..Default::default() };
        let from = Url::parse("https://api.example.com/a").unwrap();
        assert!(matches!(p.check_redirect(&from, "http://api.example.com/b"), Err(SsrfError::Downgrade(_))));
        assert_eq!(p.check_redirect(&from, "/b").unwrap().as_str(), "https://api.example.com/b");
        let plain = Url::parse("http://api.example.com/a").unwrap();
        assert!(p.check_redirect(&plain, "https://api.example.com/b").is_ok(), "upgrades are fine");
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
            ..Default::default()
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

    proptest::proptest! {
        /// The build (`shared::site`) and the edge decide alike for every host, port and scheme.
        #[test]
        fn build_time_and_run_time_agree(
            entry_host in proptest::sample::select(vec!["api.example.com", "127.0.0.1", "pay.example.com"]),
            entry_port in proptest::option::of(proptest::sample::select(vec![80u16, 443, 8443, 8788])),
            url_host in proptest::sample::select(vec!["api.example.com", "API.example.com", "127.0.0.1", "evil.example"]),
            url_port in proptest::option::of(proptest::sample::select(vec![80u16, 443, 8443, 8788])),
            https in proptest::bool::ANY,
            allow_http in proptest::bool::ANY,
            local in proptest::bool::ANY,
        ) {
            let entry = entry_port.map_or(entry_host.to_string(), |p| format!("{entry_host}:{p}"));
            let config = ActionsConfig {
                allowed_hosts: vec![entry],
                allow_private_addresses: if local { vec!["127.0.0.1".into()] } else { vec![] },
                allow_http,
                ..Default::default()
            };
            let scheme = if https { "https" } else { "http" };
            let url = match url_port {
                Some(p) => format!("{scheme}://{url_host}:{p}/x"),
                None => format!("{scheme}://{url_host}/x"),
            };
            let build = config.target_problem(&url);
            let run = NetworkPolicy::from_config(&config).check(&url);
            proptest::prop_assert_eq!(build.is_none(), run.is_ok(), "{}: build {:?}, run {:?}", url, build, run);
        }
    }
}
