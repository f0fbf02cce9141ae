//! Where actions may call: the target an action URL names (`UrlTarget`), an `allowed_hosts` entry
//! (`AllowedHost`, port-aware), and the rule the build and the edge both apply
//! (`ActionsConfig::admits`, `target_problem`).

use crate::site::ActionsConfig;

/// The scheme, host and port an action URL (template) calls. The host holds no variables
/// (`ActionDef::problems` refuses them there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTarget {
    /// `http` or `https`.
    pub scheme: String,
    /// Lower case; an IPv6 address without its brackets.
    pub host: String,
    /// The port written in the URL, if any.
    pub port: Option<u16>,
}

impl UrlTarget {
    /// Reads `scheme://host[:port]` from the front of an http(s) URL; `None` if it has no such front.
    pub fn of_url(url: &str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (host, port) = split_authority(&rest[..end]).ok()?;
        Some(Self { scheme, host, port })
    }
}

/// The port a scheme uses when a URL names none.
pub fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port` into a lower-case host (brackets removed) and port.
fn split_authority(authority: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']').ok_or("an IPv6 address needs its closing ']'")?;
        match after {
            "" => (v6, None),
            _ => (v6, Some(after.strip_prefix(':').ok_or("only ':port' may follow ']'")?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, _)) if h.contains(':') => return Err("write an IPv6 address in brackets, e.g. [::1]:8080".into()),
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let valid_host = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':' | b'%'));
    if !valid_host {
        return Err(format!("{host:?} is not a host name or address"));
    }
    let port = match port {
        None => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|n| *n > 0).ok_or(format!("{p:?} is not a port (1–65535)"))?),
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// One `[actions] allowed_hosts` entry: a host and, optionally, a port. Without a port it admits
/// only the scheme's default port (443 for https, 80 for http), never any port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl AllowedHost {
    /// Parses `api.example.com`, `api.example.com:8443`, `127.0.0.1:8788` or `[::1]:8080`.
    pub fn parse(entry: &str) -> Result<Self, String> {
        if entry.contains("://") || entry.contains('/') || entry.contains('@') {
            return Err(format!("{entry:?} must be a host or host:port, without scheme, path or user"));
        }
        let (host, port) = split_authority(entry)?;
        Ok(Self { host, port })
    }

    /// Whether a URL with this scheme, host (lower case, no brackets) and explicit port may be called.
    pub fn admits(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let Some(default) = default_port(scheme) else { return false };
        self.host == host && self.port.unwrap_or(default) == port.unwrap_or(default)
    }
}

impl ActionsConfig {
    /// Whether `allowed_hosts` admits this target (the same rule the edge applies at run time).
    pub fn admits(&self, target: &UrlTarget) -> bool {
        self.allowed_hosts
            .iter()
            .filter_map(|h| AllowedHost::parse(h).ok())
            .any(|h| h.admits(&target.scheme, &target.host, target.port))
    }

    /// Whether a plain `http://` URL to `host` may be called: with `allow_http`, or when the host is
    /// an address listed in `allow_private_addresses` (local development).
    pub fn allows_plain_http(&self, host: &str) -> bool {
        self.allow_http
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| self.allow_private_addresses.iter().any(|a| a.parse::<std::net::IpAddr>() == Ok(ip)))
    }

    /// What is wrong with an action URL's target, if anything: a host not on the allowlist (or on it
    /// for another port), or plain http where it is not allowed.
    pub fn target_problem(&self, url: &str) -> Option<String> {
        if url
            .split_once("://")
            .is_some_and(|(_, rest)| rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())].contains("{{"))
        {
            return Some("template variables may not appear in the scheme or host".into());
        }
        let target = UrlTarget::of_url(url)?;
        let shown = match target.port {
            Some(p) if target.host.contains(':') => format!("[{}]:{p}", target.host),
            Some(p) => format!("{}:{p}", target.host),
            None => target.host.clone(),
        };
        if !self.admits(&target) {
            return Some(format!(
                "host {shown} is not in [actions] allowed_hosts of agent.toml (an entry without a port allows only port {})",
                default_port(&target.scheme).unwrap_or(443)
            ));
        }
        let listed = |ip: std::net::IpAddr| self.allow_private_addresses.iter().any(|a| a.parse() == Ok(ip));
        if let Some(ip) = target.host.parse::<std::net::IpAddr>().ok().filter(|ip| !listed(*ip)) {
            if let Some(range) = crate::net::special_range(ip) {
                return Some(format!(
                    "address {ip} is in a {range} range, refused unless listed in [actions] allow_private_addresses"
                ));
            }
        }
        if target.scheme == "http" && !self.allows_plain_http(&target.host) {
            return Some(format!(
                "plain http:// to {shown} is refused: use https://, or set [actions] allow_http = true in \
                 agent.toml (for local development, list the address in allow_private_addresses)"
            ));
        }
        None
    }

    pub(crate) fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, h) in self.allowed_hosts.iter().enumerate() {
            if let Err(message) = AllowedHost::parse(h) {
                out.push((format!("actions.allowed_hosts[{i}]"), message));
            }
        }
        for (i, a) in self.allow_private_addresses.iter().enumerate() {
            if a.parse::<std::net::IpAddr>().is_err() {
                out.push((
                    format!("actions.allow_private_addresses[{i}]"),
                    format!("{a:?} is not an IP address (write e.g. \"127.0.0.1\" or \"::1\")"),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_a_host_with_an_optional_port_in_any_case() {
        assert_eq!(AllowedHost::parse("[::1]:9000").unwrap(), AllowedHost { host: "::1".into(), port: Some(9000) });
        assert!(AllowedHost::parse("API.Example.com").unwrap().admits("https", "api.example.com", None));
        assert!(!AllowedHost::parse("api.example.com").unwrap().admits("ftp", "api.example.com", None));
    }
}
