//! The call history: one record per call, accepted or refused, chained by
//! SHA-256 so that a changed, removed or inserted record shows.
//!
//! A record holds the time (UTC), key name (or `unknown`), client address,
//! protocol, method or action, outcome, HTTP status, bytes sent and
//! duration; never a secret, a signature, a nonce or a parameter's value.
//! Text that came from the caller (the method name) is reduced to a safe
//! alphabet before it is stored, so it cannot forge lines (CWE-117).
//!
//! Each record's hash is SHA-256 over the previous record's hash, a line
//! feed and the record's canonical JSON line (which includes its id).
//! Rotation drops the oldest records and keeps the hash of the last one
//! dropped as the anchor the remaining chain must start from; the head
//! (last id and hash) is stored too, so cutting records off the end shows.
//! Whoever can write the state database can recompute the whole chain:
//! keep the gateway's own log of its calls, or note `log verify`'s head
//! hash now and then, to detect that.

use sha2::{Digest, Sha256};

use super::utc;

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What became of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered without authentication (the legacy banner, `checkbridge`,
    /// a request too malformed to be checked).
    Unauthenticated,
    Allowed,
    /// Allowed with the previous secret, during a rotation's grace period.
    AllowedOldSecret,
    BadSignature,
    UnknownKey,
    KeyDisabled,
    /// Signature headers missing or malformed.
    Malformed,
    StaleTimestamp,
    ReplayedNonce,
    IpDenied,
    ScopeDenied,
    RateLimited,
    LockedOut,
    /// The bridge could not decide (its config or state is unusable).
    Error,
    /// Not a call: a gap record, standing for calls this process answered
    /// (or refused) while the history could not be written. Its action is
    /// `calls-not-recorded:<count>`, its time the first of them, its
    /// duration the time to the last.
    Unrecorded,
}

impl Outcome {
    pub const ALL: &'static [Outcome] = &[
        Outcome::Unauthenticated,
        Outcome::Allowed,
        Outcome::AllowedOldSecret,
        Outcome::BadSignature,
        Outcome::UnknownKey,
        Outcome::KeyDisabled,
        Outcome::Malformed,
        Outcome::StaleTimestamp,
        Outcome::ReplayedNonce,
        Outcome::IpDenied,
        Outcome::ScopeDenied,
        Outcome::RateLimited,
        Outcome::LockedOut,
        Outcome::Error,
        Outcome::Unrecorded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Unauthenticated => "unauthenticated",
            Outcome::Allowed => "allowed",
            Outcome::AllowedOldSecret => "allowed-old-secret",
            Outcome::BadSignature => "bad-signature",
            Outcome::UnknownKey => "unknown-key",
            Outcome::KeyDisabled => "key-disabled",
            Outcome::Malformed => "malformed",
            Outcome::StaleTimestamp => "stale-timestamp",
            Outcome::ReplayedNonce => "replayed-nonce",
            Outcome::IpDenied => "ip-denied",
            Outcome::ScopeDenied => "scope-denied",
            Outcome::RateLimited => "rate-limited",
            Outcome::LockedOut => "locked-out",
            Outcome::Error => "error",
            Outcome::Unrecorded => "unrecorded",
        }
    }

    /// Whether the access rules turned the call away.
    pub fn is_refusal(self) -> bool {
        !matches!(
            self,
            Outcome::Unauthenticated
                | Outcome::Allowed
                | Outcome::AllowedOldSecret
                | Outcome::Unrecorded
        )
    }

    /// Whether it counts toward an address's lock-out.
    pub fn is_signature_failure(self) -> bool {
        matches!(
            self,
            Outcome::BadSignature | Outcome::UnknownKey | Outcome::KeyDisabled
        )
    }
}

/// One call, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub id: u64,
    pub at_ms: u64,
    pub key: String,
    pub peer: String,
    pub protocol: String,
    pub action: String,
    pub outcome: String,
    pub status: u16,
    pub bytes: u64,
    pub duration_ms: u64,
}

impl Record {
    /// The record as one JSON line, fields in a fixed order: what is hashed
    /// and what `log --json` prints.
    pub fn canonical(&self) -> String {
        let text = |s: &str| serde_json::to_string(s).expect("strings serialize");
        format!(
            "{{\"id\":{},\"at\":{},\"key\":{},\"peer\":{},\"protocol\":{},\"action\":{},\"outcome\":{},\"status\":{},\"bytes\":{},\"duration_ms\":{}}}",
            self.id,
            text(&utc::format_ms(self.at_ms)),
            text(&self.key),
            text(&self.peer),
            text(&self.protocol),
            text(&self.action),
            text(&self.outcome),
            self.status,
            self.bytes,
            self.duration_ms
        )
    }

    /// This record's link in the chain after `prev_hash`.
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.canonical().as_bytes());
        hex::encode(hasher.finalize())
    }

    /// The size the record counts for against the history's budget.
    pub fn size(&self) -> u64 {
        self.canonical().len() as u64 + 2 * 64
    }

    /// One line for people: time, key, address, protocol, action, outcome,
    /// status, bytes, duration.
    pub fn display_line(&self) -> String {
        format!(
            "{:>6}  {}  {:<16} {:<15} {:<6} {:<22} {:<18} {:>3} {:>9} B {:>6} ms",
            self.id,
            utc::format_ms(self.at_ms),
            self.key,
            self.peer,
            self.protocol,
            self.action,
            self.outcome,
            self.status,
            self.bytes,
            self.duration_ms
        )
    }
}

/// The action of a gap record: how many calls it stands for.
const GAP_ACTION: &str = "calls-not-recorded:";

/// Calls one process could not record, waiting for the history to be
/// writable again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    pub calls: u64,
    pub first_ms: u64,
    pub last_ms: u64,
}

impl Gap {
    /// One more call that could not be recorded.
    pub fn add(gap: Option<Gap>, at_ms: u64) -> Gap {
        match gap {
            None => Gap {
                calls: 1,
                first_ms: at_ms,
                last_ms: at_ms,
            },
            Some(g) => Gap {
                calls: g.calls + 1,
                first_ms: g.first_ms.min(at_ms),
                last_ms: g.last_ms.max(at_ms),
            },
        }
    }

    /// Two gaps as one (a gap record that could not be written either).
    pub fn merge(self, other: Option<Gap>) -> Gap {
        match other {
            None => self,
            Some(o) => Gap {
                calls: self.calls + o.calls,
                first_ms: self.first_ms.min(o.first_ms),
                last_ms: self.last_ms.max(o.last_ms),
            },
        }
    }

    /// The record that stands for the gap in the history.
    pub fn record(&self) -> Record {
        Record {
            id: 0,
            at_ms: self.first_ms,
            key: "-".into(),
            peer: "-".into(),
            protocol: "-".into(),
            action: format!("{GAP_ACTION}{}", self.calls),
            outcome: Outcome::Unrecorded.name().into(),
            status: 0,
            bytes: 0,
            duration_ms: self.last_ms - self.first_ms,
        }
    }

    /// The gap a stored record stands for, when it is a gap record.
    pub fn of(record: &Record) -> Option<Gap> {
        if record.outcome != Outcome::Unrecorded.name() {
            return None;
        }
        let calls = record.action.strip_prefix(GAP_ACTION)?.parse().ok()?;
        Some(Gap {
            calls,
            first_ms: record.at_ms,
            last_ms: record.at_ms + record.duration_ms,
        })
    }
}

/// Reduces caller-supplied text to `A-Z a-z 0-9 . _ - : /` (others become
/// `?`), at most 64 characters, `-` when empty.
pub fn clean(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-:/".contains(c) {
                c
            } else {
                '?'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "-".into()
    } else {
        cleaned
    }
}

/// Walks the stored chain in id order and says where it breaks.
#[derive(Debug)]
pub struct Verifier {
    next_id: u64,
    prev_hash: String,
    pub count: u64,
    pub problem: Option<String>,
}

impl Verifier {
    /// Starts after the anchor: the last record rotated away (0 and
    /// [`GENESIS`] when none was).
    pub fn new(anchor_id: u64, anchor_hash: &str) -> Verifier {
        Verifier {
            next_id: anchor_id + 1,
            prev_hash: anchor_hash.to_string(),
            count: 0,
            problem: None,
        }
    }

    /// Checks one stored record with the hashes stored beside it.
    pub fn feed(&mut self, record: &Record, stored_prev: &str, stored_hash: &str) {
        if self.problem.is_some() {
            return;
        }
        let id = record.id;
        self.problem = if id != self.next_id {
            Some(if id > self.next_id {
                format!("records {} to {} are missing", self.next_id, id - 1)
            } else {
                format!("record {id} is out of order or duplicated")
            })
        } else if stored_prev != self.prev_hash {
            Some(format!(
                "record {id} does not follow record {}: the chain was broken there",
                id.saturating_sub(1)
            ))
        } else if record.chain_hash(stored_prev) != stored_hash {
            Some(format!(
                "record {id} was altered after it was written (hash mismatch)"
            ))
        } else {
            None
        };
        self.next_id = id + 1;
        self.prev_hash = stored_hash.to_string();
        self.count += 1;
    }

    /// Checks that the chain ends at the stored head.
    pub fn finish(mut self, head_id: u64, head_hash: &str) -> Result<u64, String> {
        if self.problem.is_none() && (self.next_id != head_id + 1 || self.prev_hash != head_hash) {
            self.problem = Some(format!(
                "the history ends at record {} but its head says {head_id}: records were removed from the end",
                self.next_id - 1
            ));
        }
        match self.problem {
            Some(problem) => Err(problem),
            None => Ok(self.count),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_record_says_how_many_calls_and_when() {
        let gap = Gap::add(Some(Gap::add(None, 5_000)), 2_000);
        let gap = gap.merge(Some(Gap::add(None, 9_000)));
        assert_eq!(
            gap,
            Gap {
                calls: 3,
                first_ms: 2_000,
                last_ms: 9_000
            }
        );
        let record = gap.record();
        assert_eq!(record.action, "calls-not-recorded:3");
        assert_eq!(record.outcome, "unrecorded");
        assert_eq!(clean(&record.action), record.action);
        assert_eq!(Gap::of(&record), Some(gap));
        let call = Record {
            action: "calls-not-recorded:3".into(),
            outcome: "allowed".into(),
            ..Record::default()
        };
        assert_eq!(Gap::of(&call), None, "only the bridge writes gap records");
        assert!(!Outcome::Unrecorded.is_refusal());
    }

    fn record(id: u64) -> Record {
        Record {
            id,
            at_ms: 1_767_225_600_000 + id,
            key: "erp-sync".into(),
            peer: "203.0.113.7".into(),
            protocol: "native".into(),
            action: "product.count".into(),
            outcome: "allowed".into(),
            status: 200,
            bytes: 52,
            duration_ms: 3,
        }
    }

    fn chain(n: u64) -> Vec<(Record, String, String)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|id| {
                let r = record(id);
                let hash = r.chain_hash(&prev);
                let link = (r, prev.clone(), hash.clone());
                prev = hash;
                link
            })
            .collect()
    }

    fn verify(
        links: &[(Record, String, String)],
        head: u64,
        head_hash: &str,
    ) -> Result<u64, String> {
        let mut v = Verifier::new(0, GENESIS);
        for (r, p, h) in links {
            v.feed(r, p, h);
        }
        v.finish(head, head_hash)
    }

    #[test]
    fn canonical_line_is_fixed() {
        assert_eq!(
            record(7).canonical(),
            r#"{"id":7,"at":"2026-01-01T00:00:00.007Z","key":"erp-sync","peer":"203.0.113.7","protocol":"native","action":"product.count","outcome":"allowed","status":200,"bytes":52,"duration_ms":3}"#
        );
    }

    #[test]
    fn an_intact_chain_verifies_and_every_tampering_shows() {
        let links = chain(5);
        let head = links[4].2.clone();
        assert_eq!(verify(&links, 5, &head), Ok(5));

        let mut altered = links.clone();
        altered[2].0.outcome = "bad-signature".into();
        assert!(verify(&altered, 5, &head)
            .unwrap_err()
            .contains("record 3 was altered"));

        let mut removed = links.clone();
        removed.remove(1);
        assert!(verify(&removed, 5, &head)
            .unwrap_err()
            .contains("records 2 to 2 are missing"));

        let truncated = &links[..4];
        assert!(verify(truncated, 5, &head)
            .unwrap_err()
            .contains("removed from the end"));

        // Re-chaining a changed record without its successors breaks the next link.
        let mut rechained = links.clone();
        rechained[2].0.status = 500;
        rechained[2].2 = rechained[2].0.chain_hash(&rechained[2].1);
        assert!(verify(&rechained, 5, &head)
            .unwrap_err()
            .contains("record 4 does not follow"));
    }

    #[test]
    fn a_rotated_chain_starts_at_its_anchor() {
        let links = chain(6);
        let mut v = Verifier::new(3, &links[2].2);
        for (r, p, h) in &links[3..] {
            v.feed(r, p, h);
        }
        assert_eq!(v.finish(6, &links[5].2), Ok(3));
    }

    #[test]
    fn caller_text_is_cleaned() {
        assert_eq!(clean("product.count"), "product.count");
        assert_eq!(clean("a\nb\"><script>"), "a?b???script?");
        assert_eq!(clean(""), "-");
        assert_eq!(clean(&"x".repeat(100)).len(), 64);
    }
}
