//! UTC times as people read them (`2026-08-23T10:00:00Z`) and back, for
//! config.toml's key dates, the history and the `log` filters. Unix time in,
//! ISO 8601 out, without a calendar crate: the civil-date conversion is a
//! few lines of arithmetic (Howard Hinnant's days-from-civil algorithm).

/// A moment in config.toml: unix seconds, written as UTC text so the owner
/// can read (and, for a rotation's grace period, edit) it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(pub u64);

impl serde::Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Stamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Stamp, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map(Stamp).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "'{text}' is not a UTC time like 2026-08-23T10:00:00Z"
            ))
        })
    }
}

/// The current unix time in seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format(secs: u64) -> String {
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rest = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_ms(ms: u64) -> String {
    let seconds = format(ms / 1000);
    format!("{}.{:03}Z", &seconds[..seconds.len() - 1], ms % 1000)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD HH:MM:SS`,
/// with an optional `Z` and fraction (ignored), as UTC; unix seconds.
pub fn parse(text: &str) -> Option<u64> {
    let text = text.trim().trim_end_matches(['Z', 'z']);
    let (date, time) = match text.find(['T', 't', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let y: i64 = number(parts.next()?, 4)?;
    let m: i64 = number(parts.next()?, 2)?;
    let d: i64 = number(parts.next()?, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut seconds = 0;
    if let Some(time) = time {
        let time = time.split('.').next()?;
        let mut parts = time.split(':');
        let h: i64 = number(parts.next()?, 2)?;
        let mi: i64 = number(parts.next()?, 2)?;
        let s: i64 = number(parts.next().unwrap_or("00"), 2)?;
        if parts.next().is_some() || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        seconds = h * 3600 + mi * 60 + s;
    }
    u64::try_from(days_from_civil(y, m, d) * 86_400 + seconds).ok()
}

/// A duration such as `90s`, `15m`, `24h` or `7d`, in seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let n: u64 = text[..split].parse().ok()?;
    let unit = match &text[split..] {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(unit)
}

fn number(text: &str, width: usize) -> Option<i64> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
        assert_eq!(format(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(format(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_ms(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
        for secs in [0, 951_782_400, 1_767_225_599, 4_102_444_800] {
            assert_eq!(parse(&format(secs)), Some(secs));
        }
        assert_eq!(parse("2026-01-01"), Some(1_767_225_600));
        assert_eq!(parse("2026-01-01 00:00:01"), Some(1_767_225_601));
        assert_eq!(parse("2026-01-01T00:00:00.999Z"), Some(1_767_225_600));
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2025-02-29",
            "2026-01-01T25:00",
            "yesterday",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Some(86_400));
        assert_eq!(parse_duration("15m"), Some(900));
        assert_eq!(parse_duration("0s"), Some(0));
        assert_eq!(parse_duration("7d"), Some(604_800));
        assert_eq!(parse_duration("7"), None);
        assert_eq!(parse_duration("h"), None);
    }
}
