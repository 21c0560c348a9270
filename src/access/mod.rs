//! Who may call, from where, what and how often, and the record of every
//! call: the rules OpenCart's API screen describes, enforced for both
//! protocols.
//!
//! `app` opens an [`Access`] for each request and closes it with
//! [`Access::finish`], which writes the history record, so every call is
//! recorded whatever its transport or protocol. In between, the protocols
//! call one hook each once they know the normalised method or action:
//! [`Access::native`] or [`Access::legacy`]. Both authenticate, then apply
//! the same rules in the same order ([`Access::admit`]): the key's address
//! allow-list (403), its scopes (403), its rate (429). Before any of that,
//! [`Access::gate`] turns away locked-out addresses and address floods
//! (429) without verifying anything.
//!
//! Every decision fails closed: when the state cannot be used, calls are
//! refused with 500 rather than let through unrecorded or unlimited.

pub mod history;
pub mod keys;
pub mod limits;
pub mod net;
pub mod policy;
pub mod utc;

use std::borrow::Cow;
use std::cell::Cell;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::auth::native::{self, AuthError, Mismatch};
use crate::form::FormMap;
use crate::http::Request;
use crate::state::State;
use crate::store::{Bridge, KeyConfig, KeyProtocol};

use history::{Gap, Outcome, Record};

/// Calls this process answered or refused but could not record (the state
/// folder read-only or full, the state database down). A FastCGI process
/// or `cartbridge serve` writes them as one gap record before the next
/// record it can write, so `log verify` reports the hole; a CGI process
/// ends with its call, and only the web server's error log keeps its line.
static UNRECORDED: Mutex<Option<Gap>> = Mutex::new(None);

fn unrecorded() -> std::sync::MutexGuard<'static, Option<Gap>> {
    UNRECORDED.lock().unwrap_or_else(|e| e.into_inner())
}
use policy::Protocol;

/// A call turned away: the HTTP status and what to tell the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

/// Why a legacy call was turned away: the incumbent has its own words for
/// a bad signature; everything else is a [`Refusal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegacyDenial {
    Signature,
    Refused(Refusal),
}

/// One request's passage through the access rules.
pub struct Access<'b> {
    bridge: &'b Bridge,
    now_ms: u64,
    started: Instant,
    client: Option<IpAddr>,
    state: Result<State, String>,
    /// Shared with the response sink, which turns it into `Retry-After`.
    retry_after: &'b Cell<Option<u64>>,
    protocol: Protocol,
    key: Option<String>,
    action: String,
    outcome: Outcome,
}

impl<'b> Access<'b> {
    /// Starts a request: who is calling, and the state store.
    pub fn begin(
        request: &Request,
        bridge: &'b Bridge,
        protocol: Protocol,
        retry_after: &'b Cell<Option<u64>>,
    ) -> Access<'b> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        Access {
            bridge,
            now_ms,
            started: Instant::now(),
            client: net::client_address(request, &bridge.config.trusted_proxies),
            state: State::open(bridge),
            retry_after,
            protocol,
            key: None,
            // What was asked for, until a protocol names it properly.
            action: history::clean(
                String::from_utf8_lossy(&request.path_info).trim_start_matches('/'),
            ),
            outcome: Outcome::Unauthenticated,
        }
    }

    /// Unix time in seconds, the same for the whole request.
    pub fn now(&self) -> u64 {
        self.now_ms / 1000
    }

    /// The client address as the history and the counters know it.
    fn peer(&self) -> String {
        self.client
            .map_or_else(|| "-".to_string(), |a| a.to_string())
    }

    /// Checks that can refuse a call before anything is verified: a usable
    /// configuration and state, no lock-out, and the address's rate.
    pub fn gate(&mut self) -> Result<(), Refusal> {
        if let Some(problem) = &self.bridge.config_error {
            let message = format!("the bridge's configuration cannot be used: {problem}");
            return Err(self.refuse(Outcome::Error, 500, message));
        }
        let (now, now_ms, peer) = (self.now(), self.now_ms, self.peer());
        let per_ip = self.bridge.config.limits.per_ip();
        let state = self.state()?;
        let turned_away = (|| -> Result<Option<(Outcome, u64)>, String> {
            if let Some(wait) = state.strikes(&peer)?.retry_after(now) {
                return Ok(Some((Outcome::LockedOut, wait)));
            }
            let taken = state.take(&format!("ip:{peer}"), per_ip, now_ms)?;
            Ok(taken.err().map(|wait| (Outcome::RateLimited, wait)))
        })();
        match turned_away {
            Ok(None) => Ok(()),
            Ok(Some((Outcome::LockedOut, wait))) => Err(self.refuse_for(
                Outcome::LockedOut,
                wait,
                format!("too many failed signatures from {peer}: calls from this address are refused for {wait} s"),
            )),
            Ok(Some((outcome, wait))) => Err(self.refuse_for(
                outcome,
                wait,
                format!("too many calls from {peer} (limit {per_ip}): retry in {wait} s"),
            )),
            Err(e) => Err(self.state_failure(e)),
        }
    }

    /// Authenticates a native call (signature v1) and applies the key's
    /// rules to `method`, the name dispatch will look up; `known` says
    /// whether dispatch has it.
    pub fn native(
        &mut self,
        request: &Request,
        signed_path: &str,
        method: &str,
        known: bool,
    ) -> Result<&'b KeyConfig, Refusal> {
        self.action = history::clean(method);
        let (bridge, now) = (self.bridge, self.now());
        let state = self.state()?;
        match native::verify(request, signed_path, bridge, now, state) {
            Ok(verified) => {
                self.authenticated(verified.key, verified.old_secret);
                self.admit(verified.key, method, known)?;
                Ok(verified.key)
            }
            Err(error) => {
                let claimed = request.header_str("x-cartbridge-key").unwrap_or("").trim();
                if bridge.config.keys.iter().any(|k| k.id == claimed) {
                    self.key = Some(claimed.to_string());
                }
                let (outcome, status) = match error {
                    AuthError::MissingHeader(_) | AuthError::BadTimestamp | AuthError::BadNonce => {
                        (Outcome::Malformed, 401)
                    }
                    AuthError::Stale { .. } => (Outcome::StaleTimestamp, 401),
                    AuthError::Replayed => (Outcome::ReplayedNonce, 401),
                    AuthError::NonceStore(_) => (Outcome::Error, 500),
                    AuthError::BadSignature(Mismatch::UnknownKey) => (Outcome::UnknownKey, 401),
                    AuthError::BadSignature(Mismatch::Disabled) => (Outcome::KeyDisabled, 401),
                    AuthError::BadSignature(Mismatch::WrongSignature) => {
                        (Outcome::BadSignature, 401)
                    }
                };
                Err(self.refuse(outcome, status, error.message()))
            }
        }
    }

    /// Whether the legacy protocol has any credential at all; the
    /// incumbent's own error string when it has none.
    pub fn legacy_ready(&self) -> Result<(), &'static str> {
        if self.bridge.config.keys.iter().any(KeyConfig::signs_legacy) {
            return Ok(());
        }
        self.bridge.legacy_token().map(drop)
    }

    /// Notes the legacy action asked for, before it is authenticated.
    pub fn requested(&mut self, action: &str) {
        self.action = history::clean(&policy::legacy_action(action));
    }

    /// Authenticates a legacy call (`a2c_sign` by any legacy-capable key,
    /// or the unimported store token) and applies the key's rules.
    pub fn legacy(&mut self, form: &FormMap, action: &str) -> Result<(), LegacyDenial> {
        let action = policy::legacy_action(action);
        self.action = history::clean(&action);
        let now = self.now();
        let keys = self.legacy_keys();
        let candidates: Vec<(usize, &str, bool)> = keys
            .iter()
            .enumerate()
            .flat_map(|(i, k)| {
                k.secrets_at(now)
                    .into_iter()
                    .map(move |(s, old)| (i, s, old))
            })
            .collect();
        let secrets: Vec<&str> = candidates.iter().map(|(_, s, _)| *s).collect();
        let Some(found) = crate::auth::legacy::matching(form, &secrets) else {
            self.refuse(Outcome::BadSignature, 200, String::new());
            return Err(LegacyDenial::Signature);
        };
        let (index, _, old) = candidates[found];
        let key = &keys[index];
        self.key = Some(key.id.clone());
        if !key.enabled {
            self.refuse(Outcome::KeyDisabled, 200, String::new());
            return Err(LegacyDenial::Signature);
        }
        self.authenticated(key, old);
        self.admit(key, &action, true)
            .map_err(LegacyDenial::Refused)
    }

    /// The keys that may sign legacy calls: configured ones, and the store
    /// token of `config.php` while it is unrestricted (not yet imported).
    fn legacy_keys(&self) -> Vec<Cow<'b, KeyConfig>> {
        let config = &self.bridge.config;
        let mut keys: Vec<Cow<'b, KeyConfig>> = config
            .keys
            .iter()
            .filter(|k| k.signs_legacy())
            .map(Cow::Borrowed)
            .collect();
        if config.legacy.unrestricted_store_token.unwrap_or(true) {
            if let Ok(token) = self.bridge.legacy_token() {
                keys.push(Cow::Owned(store_token_key(&token)));
            }
        }
        keys
    }

    fn authenticated(&mut self, key: &KeyConfig, old_secret: bool) {
        self.key = Some(key.id.clone());
        self.outcome = if old_secret {
            Outcome::AllowedOldSecret
        } else {
            Outcome::Allowed
        };
    }

    /// The rules every authenticated call passes, in this order: the
    /// address allow-list, the scopes, the key's rate.
    fn admit(&mut self, key: &KeyConfig, action: &str, known: bool) -> Result<(), Refusal> {
        if let Err(message) = self.check_address(key) {
            return Err(self.refuse(Outcome::IpDenied, 403, message));
        }
        if let Err(message) = policy::check(key, self.protocol, action, known) {
            return Err(self.refuse(Outcome::ScopeDenied, 403, message));
        }
        let rate = key
            .rate_limit
            .unwrap_or(self.bridge.config.limits.per_key());
        let (now, now_ms, peer) = (self.now(), self.now_ms, self.peer());
        let state = self.state()?;
        let admitted = state
            .take(&format!("key:{}", key.id), rate, now_ms)
            .and_then(|taken| {
                if taken.is_ok() {
                    state.touch_key(&key.id, &peer, now)?;
                    state.forgive(&peer)?;
                }
                Ok(taken)
            });
        match admitted {
            Ok(Ok(())) => Ok(()),
            Ok(Err(wait)) => Err(self.refuse_for(
                Outcome::RateLimited,
                wait,
                format!(
                    "key '{}' is over its rate limit ({rate}): retry in {wait} s",
                    key.id
                ),
            )),
            Err(e) => Err(self.state_failure(e)),
        }
    }

    fn check_address(&self, key: &KeyConfig) -> Result<(), String> {
        if key.any_ip {
            return Ok(());
        }
        if key.ips.is_empty() {
            return Err(format!(
                "key '{}' has no address allow-list yet: the store owner must add one (`cartbridge key set {} --ip ADDR`) or allow any address (`--any-ip`)",
                key.id, key.id
            ));
        }
        match self.client {
            Some(client) if net::any_contains(&key.ips, client) => Ok(()),
            _ => Err(format!(
                "key '{}' may not be used from {}; the store owner can allow it with `cartbridge key set {} --ip ...`",
                key.id,
                self.peer(),
                key.id
            )),
        }
    }

    fn state(&mut self) -> Result<&mut State, Refusal> {
        if let Err(e) = &self.state {
            let e = e.clone();
            return Err(self.state_failure(e));
        }
        match &mut self.state {
            Ok(state) => Ok(state),
            Err(_) => unreachable!("an unusable state was refused just above"),
        }
    }

    fn state_failure(&mut self, error: String) -> Refusal {
        self.refuse(
            Outcome::Error,
            500,
            format!(
                "the bridge cannot use its state store ({error}); calls are refused until it can"
            ),
        )
    }

    /// Records why the call is refused; counts a signature failure toward
    /// the address's lock-out.
    fn refuse(&mut self, outcome: Outcome, status: u16, message: String) -> Refusal {
        self.outcome = outcome;
        if outcome.is_signature_failure() {
            let (peer, now) = (self.peer(), self.now());
            let rule = self.bridge.config.limits.lockout();
            if let Ok(state) = &mut self.state {
                if let Err(e) = state.fail(&peer, now, rule) {
                    eprintln!("cartbridge: a signature failure from {peer} was not counted: {e}");
                }
            }
        }
        Refusal { status, message }
    }

    fn refuse_for(&mut self, outcome: Outcome, wait: u64, message: String) -> Refusal {
        self.retry_after.set(Some(wait));
        self.refuse(outcome, 429, message)
    }

    /// Ends the request: writes its history record.
    pub fn finish(self, status: u16, bytes: u64) {
        let mut record = Record {
            id: 0,
            at_ms: self.now_ms,
            key: self.key.clone().unwrap_or_else(|| keys::UNKNOWN_KEY.into()),
            peer: self.peer(),
            protocol: self.protocol.name().into(),
            action: self.action.clone(),
            outcome: self.outcome.name().into(),
            status,
            bytes,
            duration_ms: self.started.elapsed().as_millis() as u64,
        };
        let max = self.bridge.config.limits.history_max_bytes();
        let written = match self.state {
            Ok(mut state) => {
                record_gap(&mut state, max).and_then(|()| state.append(&mut record, max))
            }
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            let mut pending = unrecorded();
            *pending = Some(Gap::add(*pending, record.at_ms));
            // The answer is gone already: the web server's error log is
            // the only place left to say so now.
            eprintln!("cartbridge: this call was not recorded in the history: {e}");
        }
    }
}

/// Writes the gap record of the calls this process could not record
/// before, if there were any; they stay pending when it fails too.
fn record_gap(state: &mut State, max_bytes: u64) -> Result<(), String> {
    let Some(gap) = unrecorded().take() else {
        return Ok(());
    };
    let written = state.append(&mut gap.record(), max_bytes);
    if written.is_err() {
        let mut pending = unrecorded();
        *pending = Some(gap.merge(*pending));
    }
    written
}

/// The store token of `config.php`, as a key with the incumbent's powers.
fn store_token_key(token: &str) -> KeyConfig {
    KeyConfig {
        protocol: KeyProtocol::Legacy,
        scopes: policy::STORE_TOKEN_SCOPES.to_vec(),
        any_ip: true,
        ..KeyConfig::new(keys::STORE_TOKEN_NAME, token)
    }
}

/// Things about the keys that the owner should hear about (`key list`
/// prints them; `doctor` can too).
pub fn warnings(bridge: &Bridge) -> Vec<String> {
    let config = &bridge.config;
    let mut warnings: Vec<String> = config
        .keys
        .iter()
        .filter(|k| k.enabled && k.any_ip)
        .map(|k| format!("key '{}' accepts calls from any address (--any-ip)", k.id))
        .collect();
    warnings.extend(
        config
            .keys
            .iter()
            .filter(|k| k.enabled && !k.any_ip && k.ips.is_empty())
            .map(|k| {
                format!(
                    "key '{}' has no address allow-list, so every call with it is refused",
                    k.id
                )
            }),
    );
    warnings.extend(
        config
            .keys
            .iter()
            .filter(|k| k.protocol == KeyProtocol::Native && !keys::is_native_secret(&k.secret))
            .map(|k| format!("key '{}' has a secret cartbridge did not make; `cartbridge key rotate {}` makes one from the OS random generator", k.id, k.id)),
    );
    if config.legacy.unrestricted_store_token.unwrap_or(true) && bridge.legacy_token().is_ok() {
        warnings.push(
            "the store token in config.php is accepted from any address for every legacy action, as the PHP bridge accepted it; restrict it with `cartbridge key import-legacy --ip ADDR`".into(),
        );
    }
    warnings
}
