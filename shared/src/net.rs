//! Special-purpose IP address ranges (loopback, private, link-local, metadata…): the addresses an
//! action may not call unless the owner lists them. Shared so that the build and the edge refuse
//! the same addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
