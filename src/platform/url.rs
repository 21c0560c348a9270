//! Database URLs: Shopware 6 `DATABASE_URL` and Drupal 6 `$db_url`
//! (`mysql://user:pass@host:port/dbname?param=value`), split the way PHP's
//! `parse_url()` splits them (the user part ends at the last `@` before the
//! path) and then percent-decoded.

/// The parts of a database URL, not yet decoded.
#[derive(Debug, Default, PartialEq)]
pub struct DbUrl<'a> {
    pub user: Option<&'a str>,
    pub pass: Option<&'a str>,
    pub host: Option<&'a str>,
    pub port: Option<&'a str>,
    pub path: Option<&'a str>,
    pub query: Option<&'a str>,
}

/// Splits `url`; `None` when it has no `scheme://` authority.
pub fn split(url: &str) -> Option<DbUrl<'_>> {
    let (_, rest) = url.split_once("://")?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    let mut parts = DbUrl {
        path: Some(path).filter(|p| !p.is_empty()),
        query,
        ..DbUrl::default()
    };
    let host_port = match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.split_once(':') {
                Some((user, pass)) => {
                    parts.user = Some(user);
                    parts.pass = Some(pass);
                }
                None => parts.user = Some(userinfo),
            }
            &authority[at + 1..]
        }
        None => authority,
    };
    let (host, port) =
        if let (true, Some(close)) = (host_port.starts_with('['), host_port.find(']')) {
            let (host, tail) = host_port.split_at(close + 1);
            (host, tail.strip_prefix(':'))
        } else {
            match host_port.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (host_port, None),
            }
        };
    parts.host = Some(host).filter(|h| !h.is_empty());
    parts.port = port.filter(|p| !p.is_empty());
    Some(parts)
}

impl DbUrl<'_> {
    /// One part by name: `user`, `pass`, `host`, `port`, `db` (the path
    /// without its leading `/`) or `?NAME` (a query parameter).
    pub fn part(&self, name: &str) -> Option<&str> {
        match name {
            "user" => self.user,
            "pass" => self.pass,
            "host" => self.host,
            "port" => self.port,
            "db" => self.path.map(|p| p.strip_prefix('/').unwrap_or(p)),
            _ => {
                let wanted = name.strip_prefix('?')?;
                self.query?
                    .split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| *k == wanted)
                    .map(|(_, v)| v)
            }
        }
    }
}

/// PHP's `rawurldecode` (`plus_is_space` false) or `urldecode` (true).
/// Invalid escapes stay as they are; the bytes are read as UTF-8 lossily.
pub fn decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                if let Some(byte) = hex_pair(bytes[i + 1], bytes[i + 2]) {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shopware_database_url() {
        let url =
            split("mysql://shop%2Duser:p%40ss:w@rd@db.local:3307/shop_ware?serverVersion=8.0#x")
                .unwrap();
        assert_eq!(url.part("user"), Some("shop%2Duser"));
        assert_eq!(url.part("pass"), Some("p%40ss:w@rd"));
        assert_eq!(url.part("host"), Some("db.local"));
        assert_eq!(url.part("port"), Some("3307"));
        assert_eq!(url.part("db"), Some("shop_ware"));
        assert_eq!(url.part("?serverVersion"), Some("8.0"));
        assert_eq!(decode("p%40ss+x%zz", false), "p@ss+x%zz");
        assert_eq!(decode("p%40ss+x", true), "p@ss x");
    }

    #[test]
    fn last_at_sign_ends_the_user_part() {
        let url = split("mysql://u:p@ss@host/db").unwrap();
        assert_eq!(
            (url.user, url.pass, url.host),
            (Some("u"), Some("p@ss"), Some("host"))
        );
        assert_eq!(url.port, None);
    }

    #[test]
    fn ipv6_and_missing_parts() {
        let url = split("mysql://[::1]:3310/db").unwrap();
        assert_eq!((url.host, url.port), (Some("[::1]"), Some("3310")));
        let url = split("mysqli://localhost").unwrap();
        assert_eq!(
            (url.host, url.part("db"), url.user),
            (Some("localhost"), None, None)
        );
        assert!(split("not a url").is_none());
    }
}
