//! Addresses: the allow-list rules of a key (an exact IPv4/IPv6 address or
//! a CIDR range) and which address a call came from.
//!
//! The caller is the transport's peer (`REMOTE_ADDR` or the FastCGI peer).
//! `X-Forwarded-For` is a header anyone can send; it is read only when the
//! peer itself is a configured trusted proxy, and then from the right, the
//! way nginx's `real_ip_recursive` does: the first address that is not one
//! of our proxies is the client. OpenCart's `oc_get_ip()` reads it from
//! anyone, which is how its allow-list is bypassed (SECURITY.md §1.5).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::http::Request;

/// An exact address or a CIDR range, e.g. `203.0.113.7`, `10.0.0.0/8`,
/// `2001:db8::/32`. IPv4-mapped IPv6 addresses count as IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRule {
    network: IpAddr,
    prefix: u8,
}

impl IpRule {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                masked(u128::from(u32::from(net)), 32, self.prefix)
                    == masked(u128::from(u32::from(a)), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                masked(u128::from(net), 128, self.prefix) == masked(u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }

    fn max_prefix(network: IpAddr) -> u8 {
        if network.is_ipv4() {
            32
        } else {
            128
        }
    }
}

/// The top `prefix` bits of a `width`-bit number.
fn masked(value: u128, width: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let shift = u32::from(width - prefix);
    (value >> shift) << shift
}

impl FromStr for IpRule {
    type Err = String;

    fn from_str(text: &str) -> Result<IpRule, String> {
        let text = text.trim();
        let bad = || {
            format!("'{text}' is not an IP address or CIDR range (e.g. 203.0.113.7, 10.0.0.0/8, 2001:db8::/32)")
        };
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let written = address.parse::<IpAddr>().map_err(|_| bad())?;
        let network = written.to_canonical();
        // `::ffff:10.0.0.0/104` is `10.0.0.0/8`: mapped prefixes lose 96 bits.
        let mapped = written.is_ipv6() && network.is_ipv4();
        let max = IpRule::max_prefix(written);
        let prefix = match prefix {
            None => IpRule::max_prefix(network),
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                let p: u8 = p.parse().map_err(|_| bad())?;
                if p > max {
                    return Err(format!("'{text}': the prefix length is at most {max}"));
                }
                match mapped {
                    true if p < 96 => {
                        return Err(format!(
                            "'{text}': an IPv4-mapped range needs a prefix of at least 96"
                        ))
                    }
                    true => p - 96,
                    false => p,
                }
            }
            Some(_) => return Err(bad()),
        };
        let rule = IpRule { network, prefix };
        // Normalise `10.1.2.3/8` to `10.0.0.0/8`, so what is listed is what matches.
        Ok(IpRule {
            network: rule.first_address(),
            prefix,
        })
    }
}

impl IpRule {
    fn first_address(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(a) => {
                IpAddr::V4((masked(u128::from(u32::from(a)), 32, self.prefix) as u32).into())
            }
            IpAddr::V6(a) => IpAddr::V6(masked(u128::from(a), 128, self.prefix).into()),
        }
    }
}

impl fmt::Display for IpRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == IpRule::max_prefix(self.network) {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

impl serde::Serialize for IpRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for IpRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<IpRule, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether any rule covers `address`.
pub fn any_contains(rules: &[IpRule], address: IpAddr) -> bool {
    rules.iter().any(|r| r.contains(address))
}

/// The address the call came from: the peer, or, when the peer is a
/// trusted proxy, the right-most `X-Forwarded-For` entry that is not.
pub fn client_address(request: &Request, trusted_proxies: &[IpRule]) -> Option<IpAddr> {
    let peer = request.peer?.to_canonical();
    if !any_contains(trusted_proxies, peer) {
        return Some(peer);
    }
    let Some(forwarded) = request.header_str("x-forwarded-for") else {
        return Some(peer);
    };
    let mut client = peer;
    for entry in forwarded.rsplit(',') {
        // An entry that is not an address ends the walk: we cannot tell
        // who added it, so the last proven hop stands.
        let Ok(address) = entry.trim().parse::<IpAddr>() else {
            break;
        };
        client = address.to_canonical();
        if !any_contains(trusted_proxies, client) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> IpRule {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn exact_and_cidr_rules_match() {
        assert!(rule("203.0.113.7").contains(ip("203.0.113.7")));
        assert!(!rule("203.0.113.7").contains(ip("203.0.113.8")));
        assert!(rule("10.0.0.0/8").contains(ip("10.255.1.2")));
        assert!(!rule("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(rule("0.0.0.0/0").contains(ip("198.51.100.1")));
        assert!(rule("2001:db8::/32").contains(ip("2001:db8:ffff::1")));
        assert!(!rule("2001:db8::/32").contains(ip("2001:db9::1")));
        assert!(rule("::1").contains(ip("::1")));
        // IPv4-mapped IPv6 is the IPv4 address, both ways.
        assert!(rule("127.0.0.1").contains(ip("::ffff:127.0.0.1")));
        assert!(rule("::ffff:10.0.0.0/104").contains(ip("10.1.1.1")));
        // Families never match each other.
        assert!(!rule("::/0").contains(ip("127.0.0.1")));
    }

    #[test]
    fn rules_are_normalised_and_refused_when_wrong() {
        assert_eq!(rule("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(rule("2001:DB8::1/128").to_string(), "2001:db8::1");
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0/8",
            "localhost",
            "1.2.3.4/-1",
            "*",
        ] {
            assert!(bad.parse::<IpRule>().is_err(), "{bad}");
        }
    }

    fn request(peer: &str, forwarded: Option<&str>) -> Request {
        Request {
            peer: Some(ip(peer)),
            headers: forwarded
                .map(|f| vec![("x-forwarded-for".to_string(), f.as_bytes().to_vec())])
                .unwrap_or_default(),
            ..Request::default()
        }
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let none: &[IpRule] = &[];
        let proxies = [rule("10.0.0.0/8")];
        // Anyone can send the header: without trusted proxies it is ignored.
        assert_eq!(
            client_address(&request("127.0.0.1", Some("203.0.113.7")), none),
            Some(ip("127.0.0.1"))
        );
        // From a proxy that is not ours, too.
        assert_eq!(
            client_address(&request("198.51.100.1", Some("203.0.113.7")), &proxies),
            Some(ip("198.51.100.1"))
        );
        // From our proxy: the right-most address that is not a proxy.
        assert_eq!(
            client_address(
                &request("10.0.0.2", Some("1.1.1.1, 203.0.113.7, 10.0.0.9")),
                &proxies
            ),
            Some(ip("203.0.113.7"))
        );
        // Garbage (or a script tag) stops the walk at the last proven hop.
        assert_eq!(
            client_address(
                &request("10.0.0.2", Some("\"><script>, 10.0.0.5")),
                &proxies
            ),
            Some(ip("10.0.0.5"))
        );
        assert_eq!(
            client_address(&request("10.0.0.2", None), &proxies),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(client_address(&Request::default(), &proxies), None);
    }
}
