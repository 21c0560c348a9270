//! How often: per-key and per-address rate limits, and the lock-out of an
//! address after repeated signature failures. The arithmetic lives here;
//! the counters live in the shared state, so every CGI process and every
//! web server behind a balancer sees the same numbers.
//!
//! Rate limits use GCRA (the generic cell rate algorithm): one stored time
//! per bucket, a burst of up to the whole allowance, then one call per
//! `period / count`. No window edge lets a client double its rate, and
//! `Retry-After` is exact.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An allowance such as `600/minute`, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    Off,
    Every { count: u32, period_ms: u64 },
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Rate, String> {
        let text = text.trim();
        if text == "off" {
            return Ok(Rate::Off);
        }
        let bad = || {
            format!("'{text}' is not a rate: write e.g. 600/minute, 10/second, 5000/hour, 20000/day or off")
        };
        let (count, unit) = text.split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        let period_ms = match unit.trim() {
            "second" => 1000,
            "minute" => 60_000,
            "hour" => 3_600_000,
            "day" => 86_400_000,
            _ => return Err(bad()),
        };
        if count == 0 {
            return Err(format!(
                "'{text}': a rate of 0 refuses everything; disable the key instead"
            ));
        }
        Ok(Rate::Every { count, period_ms })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rate::Off => f.write_str("off"),
            Rate::Every { count, period_ms } => {
                let unit = match period_ms {
                    1000 => "second",
                    60_000 => "minute",
                    3_600_000 => "hour",
                    _ => "day",
                };
                write!(f, "{count}/{unit}")
            }
        }
    }
}

impl Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rate, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// One GCRA step. `tat` is the bucket's stored theoretical arrival time
/// (ms, 0 for a new bucket). Returns the new `tat` when the call is
/// allowed, or how many ms until it would be.
pub fn gcra(tat: u64, now_ms: u64, count: u32, period_ms: u64) -> Result<u64, u64> {
    let interval = (period_ms / u64::from(count)).max(1);
    let tolerance = period_ms.saturating_sub(interval);
    let tat = tat.max(now_ms);
    if tat - now_ms > tolerance {
        Err(tat - now_ms - tolerance)
    } else {
        Ok(tat + interval)
    }
}

/// The `[limits]` table of config.toml.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Calls per key (a key's own `rate_limit` overrides it).
    pub per_key: Option<Rate>,
    /// Calls per client address, signed or not.
    pub per_ip: Option<Rate>,
    /// Signature failures from one address that start a lock-out.
    pub lockout_after: Option<u32>,
    /// The window those failures are counted in (s).
    pub lockout_window_seconds: Option<u64>,
    /// The first lock-out (s); each further one doubles, up to the maximum.
    pub lockout_base_seconds: Option<u64>,
    pub lockout_max_seconds: Option<u64>,
    /// The history's size budget; the oldest records are dropped past it.
    pub history_max_bytes: Option<u64>,
}

/// Defaults: generous enough for a full export, a ceiling for floods.
pub const DEFAULT_PER_KEY: Rate = Rate::Every {
    count: 6000,
    period_ms: 60_000,
};
pub const DEFAULT_PER_IP: Rate = Rate::Every {
    count: 6000,
    period_ms: 60_000,
};
pub const DEFAULT_HISTORY_MAX_BYTES: u64 = 16 * 1024 * 1024;

impl LimitsConfig {
    pub fn per_key(&self) -> Rate {
        self.per_key.unwrap_or(DEFAULT_PER_KEY)
    }

    pub fn per_ip(&self) -> Rate {
        self.per_ip.unwrap_or(DEFAULT_PER_IP)
    }

    pub fn lockout(&self) -> Lockout {
        Lockout {
            after: self.lockout_after.unwrap_or(10).max(1),
            window: self.lockout_window_seconds.unwrap_or(900),
            base: self.lockout_base_seconds.unwrap_or(60).max(1),
            max: self.lockout_max_seconds.unwrap_or(3600).max(1),
        }
    }

    pub fn history_max_bytes(&self) -> u64 {
        self.history_max_bytes
            .unwrap_or(DEFAULT_HISTORY_MAX_BYTES)
            .max(4096)
    }
}

/// The lock-out rule, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    pub after: u32,
    pub window: u64,
    pub base: u64,
    pub max: u64,
}

/// An address's failure record, as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Strikes {
    pub failures: u32,
    pub window_start: u64,
    pub locked_until: u64,
    /// Lock-outs so far; each doubles the next. Forgotten after a day of peace.
    pub strikes: u32,
}

impl Strikes {
    /// Seconds until the address may call again, when it is locked out.
    pub fn retry_after(&self, now: u64) -> Option<u64> {
        (self.locked_until > now).then(|| self.locked_until - now)
    }
}

impl Lockout {
    /// The record after one more signature failure at `now`.
    pub fn fail(&self, mut s: Strikes, now: u64) -> Strikes {
        if s.locked_until > 0 && now > s.locked_until + 86_400 {
            s.strikes = 0;
        }
        if now >= s.window_start + self.window {
            s.failures = 0;
            s.window_start = now;
        }
        s.failures += 1;
        if s.failures >= self.after {
            s.strikes = s.strikes.saturating_add(1);
            let doubling = 1u64 << (s.strikes - 1).min(20);
            s.locked_until = now + self.base.saturating_mul(doubling).min(self.max);
            s.failures = 0;
            s.window_start = now;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        assert_eq!(
            "600/minute".parse(),
            Ok(Rate::Every {
                count: 600,
                period_ms: 60_000
            })
        );
        assert_eq!("off".parse(), Ok(Rate::Off));
        for text in ["10/second", "5/hour", "7/day", "600/minute"] {
            assert_eq!(text.parse::<Rate>().unwrap().to_string(), text);
        }
        for bad in [
            "",
            "600",
            "0/minute",
            "x/minute",
            "5/fortnight",
            "-1/second",
        ] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn gcra_allows_a_burst_then_one_call_per_interval() {
        // 3 per hour: three at once, the fourth waits 20 minutes.
        let hour = 3_600_000;
        let mut tat = 0;
        for _ in 0..3 {
            tat = gcra(tat, 1_000, 3, hour).unwrap();
        }
        assert_eq!(gcra(tat, 1_000, 3, hour), Err(1_200_000));
        assert_eq!(gcra(tat, 1_000 + 1_199_999, 3, hour), Err(1));
        assert!(gcra(tat, 1_000 + 1_200_000, 3, hour).is_ok());
        // A quiet bucket refills completely, never beyond.
        let tat = gcra(tat, 10 * hour, 3, hour).unwrap();
        assert_eq!(tat, 10 * hour + 1_200_000);
    }

    #[test]
    fn lockout_backs_off_and_forgets() {
        let rule = Lockout {
            after: 3,
            window: 900,
            base: 60,
            max: 300,
        };
        let mut s = Strikes::default();
        s = rule.fail(s, 1000);
        s = rule.fail(s, 1001);
        assert_eq!(s.retry_after(1001), None);
        s = rule.fail(s, 1002);
        assert_eq!(s.retry_after(1002), Some(60));
        // The next lock-out is twice as long, then capped.
        for t in [1100, 1101, 1102] {
            s = rule.fail(s, t);
        }
        assert_eq!(s.retry_after(1102), Some(120));
        for t in [1300, 1301, 1302, 1500, 1501, 1502] {
            s = rule.fail(s, t);
        }
        assert_eq!(s.retry_after(1502), Some(300));
        // Failures spread wider than the window never lock.
        let mut s = Strikes::default();
        for t in [0, 1000, 2000, 3000] {
            s = rule.fail(s, t);
        }
        assert_eq!(s.retry_after(3000), None);
        // After a day without lock-outs the back-off starts again.
        let mut s = Strikes {
            strikes: 5,
            locked_until: 100,
            ..Strikes::default()
        };
        for t in [100_000, 100_001, 100_002] {
            s = rule.fail(s, t);
        }
        assert_eq!(s.retry_after(100_002), Some(60));
    }
}
