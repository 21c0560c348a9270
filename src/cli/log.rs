//! `cartbridge log`: the call history. Shows it, filtered by key, outcome
//! and time, and `log verify` checks its hash chain end to end.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;

use lexopt::prelude::*;

use super::{bridge_for, usage_error, Failure};
use crate::access::history::{Gap, Outcome};
use crate::access::utc;
use crate::state::{Filter, State};

pub(super) const USAGE: &str = "\
cartbridge log — the history of calls

USAGE:
    cartbridge log [--key NAME] [--outcome O] [--since T] [--until T] [--last N] [--json]
    cartbridge log verify

Every command takes --store DIR. T is a UTC date or time (2026-08-23,
2026-08-23T10:00:00Z) or a time ago (15m, 24h, 7d). O is an outcome, or
`refused` for every refusal. `verify` checks the hash chain: exit status 0
when intact, 1 with the first break otherwise, or when gap records say calls
could not be recorded (outcome `unrecorded`).

EXAMPLES:
    cartbridge log --last 20
    cartbridge log --outcome refused --since 24h
    cartbridge log --key erp --json | jq .
    cartbridge log verify --store /var/www/shop

EXIT STATUS: 0 shown (or the chain is intact), 1 the history cannot be
read (or the chain is broken or has gaps), 2 wrong command line.
";

pub fn run(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut store = None;
    let mut verify = false;
    let mut json = false;
    let mut filter = Filter::default();
    let text = |value: OsString, what: &str| {
        value
            .into_string()
            .map_err(|_| (2, format!("{what} must be UTF-8")))
    };
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("store") => store = Some(PathBuf::from(parser.value().map_err(usage_error)?)),
            Long("key") => filter.key = Some(text(parser.value().map_err(usage_error)?, "--key")?),
            Long("outcome") => {
                let outcome = text(parser.value().map_err(usage_error)?, "--outcome")?;
                filter.outcome = Some(check_outcome(&outcome)?);
            }
            Long("since") => {
                filter.since_ms = Some(moment(&text(
                    parser.value().map_err(usage_error)?,
                    "--since",
                )?)?)
            }
            Long("until") => {
                filter.until_ms = Some(moment(&text(
                    parser.value().map_err(usage_error)?,
                    "--until",
                )?)?)
            }
            Long("last") => {
                let n = text(parser.value().map_err(usage_error)?, "--last")?;
                filter.last = Some(
                    n.parse()
                        .map_err(|_| (2, format!("--last '{n}' is not a number")))?,
                );
            }
            Long("json") => json = true,
            Value(value) if value == "verify" && !verify => verify = true,
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let bridge = bridge_for(store);
    if let Some(problem) = &bridge.config_error {
        return Err((1, problem.clone()));
    }
    let mut state =
        State::open(&bridge).map_err(|e| (1, format!("cannot open the history: {e}")))?;
    if verify {
        return verify_chain(&mut state);
    }
    let records = state
        .records(&filter)
        .map_err(|e| (1, format!("cannot read the history: {e}")))?;
    let mut out = io::stdout().lock();
    for record in &records {
        let line = if json {
            record.canonical()
        } else {
            record.display_line()
        };
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    Ok(0)
}

fn verify_chain(state: &mut State) -> Result<i32, Failure> {
    let head = state
        .head()
        .map_err(|e| (1, format!("cannot read the history: {e}")))?;
    match state.verify() {
        Ok(count) => {
            let gaps: Vec<(u64, Gap)> = state
                .records(&Filter {
                    outcome: Some(Outcome::Unrecorded.name().into()),
                    ..Filter::default()
                })
                .map_err(|e| (1, format!("cannot read the history: {e}")))?
                .iter()
                .filter_map(|r| Gap::of(r).map(|gap| (r.id, gap)))
                .collect();
            let missing: u64 = gaps.iter().map(|(_, gap)| gap.calls).sum();
            if gaps.is_empty() {
                println!(
                    "history intact: {count} records (ids {} to {}) in {}",
                    head.anchor_id + 1,
                    head.head_id,
                    state.location
                );
            } else {
                println!(
                    "history INCOMPLETE: the chain of {count} records (ids {} to {}) in {} is unbroken, but {missing} calls could not be recorded (the state could not be written; the web server's error log has a line for each):",
                    head.anchor_id + 1,
                    head.head_id,
                    state.location
                );
                for (id, gap) in &gaps {
                    println!(
                        "  record {id}: {} calls from {} to {}",
                        gap.calls,
                        utc::format_ms(gap.first_ms),
                        utc::format_ms(gap.last_ms)
                    );
                }
            }
            if head.anchor_id > 0 {
                println!("records 1 to {} were rotated away (size limit); the chain starts from the last of them", head.anchor_id);
            }
            println!("head {}", head.head_hash);
            Ok(if gaps.is_empty() { 0 } else { 1 })
        }
        Err(problem) => {
            println!("history BROKEN: {problem}");
            Ok(1)
        }
    }
}

fn check_outcome(outcome: &str) -> Result<String, Failure> {
    if outcome == "refused" || Outcome::ALL.iter().any(|o| o.name() == outcome) {
        return Ok(outcome.to_string());
    }
    let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.name()).collect();
    Err((
        2,
        format!(
            "unknown outcome '{outcome}'; outcomes are: refused, {}",
            names.join(", ")
        ),
    ))
}

/// A `--since`/`--until` value as unix milliseconds.
fn moment(text: &str) -> Result<u64, Failure> {
    if let Some(ago) = utc::parse_duration(text) {
        return Ok(utc::now().saturating_sub(ago) * 1000);
    }
    utc::parse(text)
        .map(|secs| secs * 1000)
        .ok_or((2, format!("'{text}' is neither a UTC date/time (2026-08-23T10:00:00Z) nor a time ago (15m, 24h, 7d)")))
}
