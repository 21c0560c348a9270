//! Times between the wire and the shop's database: shops store local
//! `YYYY-MM-DD HH:MM:SS` in their own time zone (OpenCart's
//! `config_timezone`), the API speaks ISO 8601 with an offset.
//!
//! Offsets come from the system's time zone database (TZif files under
//! `/usr/share/zoneinfo`), read here rather than through `TZ` and libc,
//! because setting the environment is not safe in a threaded FastCGI
//! process. Times after a file's last transition keep its last offset
//! (Debian's "fat" files list transitions up to 2037).

use crate::access::utc::{civil_from_days, days_from_civil};
use std::path::Path;

/// A moment given by a caller: a naive date-time and, when the caller
/// said so, its offset from UTC in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub naive: i64,
    pub offset: Option<i32>,
}

/// A time zone: UTC, or the transitions of a TZif file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// (UTC second of the transition, offset from then on).
    transitions: Vec<(i64, i32)>,
    /// The offset before the first transition.
    initial: i32,
}

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            transitions: Vec::new(),
            initial: 0,
        }
    }

    /// The zone named `name` (`Europe/Berlin`), from `/usr/share/zoneinfo`;
    /// `None` when the name is not a zone this system knows.
    pub fn named(name: &str) -> Option<Zone> {
        let name = name.trim();
        if name.is_empty() || name.eq_ignore_ascii_case("UTC") || name == "Z" {
            return Some(Zone::utc());
        }
        let safe = name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b))
            && !name.starts_with('/')
            && !name.contains("..");
        if !safe {
            return None;
        }
        let bytes = std::fs::read(Path::new("/usr/share/zoneinfo").join(name)).ok()?;
        parse_tzif(&bytes)
    }

    /// The offset from UTC in force at UTC second `utc`.
    pub fn offset_at(&self, utc: i64) -> i32 {
        match self.transitions.partition_point(|(t, _)| *t <= utc) {
            0 => self.initial,
            n => self.transitions[n - 1].1,
        }
    }

    /// The UTC second of local second `local` (for a local time that
    /// occurs twice, the first; for one that is skipped, shifted forward).
    pub fn local_to_utc(&self, local: i64) -> i64 {
        let guess = local - i64::from(self.offset_at(local));
        local - i64::from(self.offset_at(guess))
    }

    /// The UTC `YYYY-MM-DD HH:MM:SS` of a caller's moment (one without
    /// an offset is this zone's local time).
    pub fn to_utc_text(&self, moment: Moment) -> String {
        naive_text(match moment.offset {
            None => self.local_to_utc(moment.naive),
            Some(offset) => moment.naive - i64::from(offset),
        })
    }

    /// The shop's local `YYYY-MM-DD HH:MM:SS` for a caller's moment.
    pub fn to_local_text(&self, moment: Moment) -> String {
        let local = match moment.offset {
            None => moment.naive,
            Some(offset) => {
                let utc = moment.naive - i64::from(offset);
                utc + i64::from(self.offset_at(utc))
            }
        };
        naive_text(local)
    }

    /// ISO 8601 with offset for a stored local time (`YYYY-MM-DD
    /// HH:MM:SS` or `YYYY-MM-DD`); `None` for MySQL's zero dates and for
    /// anything that is not a date. A stored time ending in `Z` is UTC
    /// (the SQL marks columns a shop keeps in UTC, such as WooCommerce's
    /// `date_created_gmt`) and is shown in the shop's zone.
    pub fn iso8601(&self, stored: &str) -> Option<String> {
        let (local, offset) = match stored.trim().strip_suffix('Z') {
            Some(utc) => {
                let utc = parse_naive(utc)?;
                let offset = self.offset_at(utc);
                (utc + i64::from(offset), offset)
            }
            None => {
                let local = parse_naive(stored)?;
                (local, self.offset_at(self.local_to_utc(local)))
            }
        };
        let (date, time) = split_naive(local);
        Some(format!("{date}T{time}{}", offset_text(offset)))
    }

    /// Now, as the shop's local `YYYY-MM-DD HH:MM:SS`.
    pub fn now_local_text(&self, now_utc: i64) -> String {
        naive_text(now_utc + i64::from(self.offset_at(now_utc)))
    }
}

fn offset_text(offset: i32) -> String {
    if offset == 0 {
        return "Z".into();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Reads the version 2+ (64-bit) block of a TZif file, else version 1.
fn parse_tzif(bytes: &[u8]) -> Option<Zone> {
    let header = Header::read(bytes)?;
    let (header, body) = if header.version >= b'2' {
        let second = 44 + header.block_len(4);
        (Header::read(bytes.get(second..)?)?, second + 44)
    } else {
        (header, 44)
    };
    let width = if header.version >= b'2' { 8 } else { 4 };
    let times = body;
    let indices = times + header.timecnt * width;
    let types = indices + header.timecnt;
    let type_offset = |index: usize| -> Option<i32> {
        let at = types + index * 6;
        Some(i32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let mut transitions = Vec::with_capacity(header.timecnt);
    for i in 0..header.timecnt {
        let at = times + i * width;
        let raw = bytes.get(at..at + width)?;
        let time = if width == 8 {
            i64::from_be_bytes(raw.try_into().ok()?)
        } else {
            i64::from(i32::from_be_bytes(raw.try_into().ok()?))
        };
        let index = usize::from(*bytes.get(indices + i)?);
        transitions.push((time, type_offset(index)?));
    }
    Some(Zone {
        transitions,
        initial: type_offset(0)?,
    })
}

struct Header {
    version: u8,
    isutcnt: usize,
    isstdcnt: usize,
    leapcnt: usize,
    timecnt: usize,
    typecnt: usize,
    charcnt: usize,
}

impl Header {
    fn read(bytes: &[u8]) -> Option<Header> {
        if bytes.get(..4)? != b"TZif" {
            return None;
        }
        let count = |i: usize| -> Option<usize> {
            let at = 20 + i * 4;
            Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize)
        };
        Some(Header {
            version: *bytes.get(4)?,
            isutcnt: count(0)?,
            isstdcnt: count(1)?,
            leapcnt: count(2)?,
            timecnt: count(3)?,
            typecnt: count(4)?,
            charcnt: count(5)?,
        })
    }

    /// The length of the data block after this header, with `width`-byte times.
    fn block_len(&self, width: usize) -> usize {
        self.timecnt * width
            + self.timecnt
            + self.typecnt * 6
            + self.charcnt
            + self.leapcnt * (width + 4)
            + self.isstdcnt
            + self.isutcnt
    }
}

/// Seconds since 1970-01-01 00:00:00 of a stored `YYYY-MM-DD[ HH:MM:SS]`.
fn parse_naive(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once([' ', 'T']).unwrap_or((text, "00:00:00"));
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(['.', ':']).map(|p| p.parse::<i64>().ok());
    let (h, mi, s) = (t.next()??, t.next()??, t.next().flatten().unwrap_or(0));
    // Only what a DATETIME column can hold (zero dates are not dates): other
    // text in a time column must not overflow the arithmetic below.
    let fits = (1..=9999).contains(&y)
        && (1..=12).contains(&m)
        && (1..=31).contains(&day)
        && (0..=23).contains(&h)
        && (0..=59).contains(&mi)
        && (0..=59).contains(&s);
    if !fits {
        return None;
    }
    Some(days_from_civil(y, m, day) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Seconds since the epoch of a validated calendar date and time.
pub fn naive_seconds(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    days_from_civil(i64::from(y), i64::from(mo), i64::from(d)) * 86_400
        + i64::from(h * 3600 + mi * 60 + s)
}

fn split_naive(seconds: i64) -> (String, String) {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!(
            "{:02}:{:02}:{:02}",
            rest / 3600,
            rest % 3600 / 60,
            rest % 60
        ),
    )
}

fn naive_text(seconds: i64) -> String {
    let (date, time) = split_naive(seconds);
    format!("{date} {time}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_get_a_z() {
        let zone = Zone::utc();
        assert_eq!(
            zone.iso8601("2009-02-03 16:06:50").as_deref(),
            Some("2009-02-03T16:06:50Z")
        );
        assert_eq!(zone.iso8601("0000-00-00 00:00:00"), None);
        assert_eq!(zone.iso8601("0000-00-00"), None);
        assert_eq!(zone.iso8601(""), None);
        assert_eq!(
            zone.iso8601("2024-02-29").as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
        assert_eq!(zone.now_local_text(0), "1970-01-01 00:00:00");
        assert_eq!(zone.now_local_text(1_767_225_600), "2026-01-01 00:00:00");
    }

    /// Found by fuzzing (fuzz/fuzz_targets/params.rs): numbers no DATETIME
    /// holds overflowed the seconds arithmetic instead of being "not a date".
    #[test]
    fn stored_text_outside_a_datetime_is_not_a_date() {
        let zone = Zone::utc();
        for stored in [
            "55888888888885-5888888888888-5888888888884",
            "2024-01-01 9999999999999999:00:00",
            "2024-13-01",
            "2024-01-32 00:00:00",
            "2024-01-01 24:00:00",
            "2024-01-01 12:60:00",
            "2024-01-01 12:00:-1",
            "10000-01-01",
        ] {
            assert_eq!(zone.iso8601(stored), None, "{stored}");
            assert_eq!(zone.iso8601(&format!("{stored}Z")), None, "{stored}Z");
        }
        assert_eq!(
            zone.iso8601("9999-12-31 23:59:59").as_deref(),
            Some("9999-12-31T23:59:59Z")
        );
        assert_eq!(
            zone.iso8601("0001-01-01 00:00:00").as_deref(),
            Some("0001-01-01T00:00:00Z")
        );
    }

    #[test]
    fn named_zones_follow_daylight_saving() {
        let Some(berlin) = Zone::named("Europe/Berlin") else {
            eprintln!("no tz database on this system; skipped");
            return;
        };
        assert_eq!(
            berlin.iso8601("2024-01-15 12:00:00").as_deref(),
            Some("2024-01-15T12:00:00+01:00")
        );
        assert_eq!(
            berlin.iso8601("2024-07-15 12:00:00").as_deref(),
            Some("2024-07-15T12:00:00+02:00")
        );
        assert_eq!(
            berlin.iso8601("2024-07-15 10:00:00Z").as_deref(),
            Some("2024-07-15T12:00:00+02:00"),
            "a time stored in UTC is shown in the shop's zone"
        );
        // 10:00Z in July is noon in Berlin.
        let moment = Moment {
            naive: naive_seconds(2024, 7, 15, 10, 0, 0),
            offset: Some(0),
        };
        assert_eq!(berlin.to_local_text(moment), "2024-07-15 12:00:00");
        assert_eq!(berlin.to_utc_text(moment), "2024-07-15 10:00:00");
        let local_noon = Moment {
            naive: naive_seconds(2024, 7, 15, 12, 0, 0),
            offset: None,
        };
        assert_eq!(berlin.to_utc_text(local_noon), "2024-07-15 10:00:00");
        assert_eq!(Zone::named("../etc/passwd"), None);
        assert_eq!(Zone::named("Nowhere/Atlantis"), None);
    }

    #[test]
    fn civil_days_round_trip() {
        for days in [-719_468, -1, 0, 1, 11_016, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
