//! PHP-compatible form bodies: parsing `application/x-www-form-urlencoded`
//! (and `multipart/form-data`) bodies into the ordered tree PHP would put in
//! `$_POST`, and PHP's `http_build_query` canonical form of that tree (the
//! legacy `a2c_sign` string); plus the RFC 3986 canonical query used by the
//! native signature (its line 7).
//!
//! It hands on a [`FormMap`]: keys and values are bytes, in body order. The
//! same map must serve both the signature check and the action, so that what
//! was verified is what runs.
//!
//! It must not guess. PHP silently rewrites some bodies (the last of two equal
//! names wins, `a.b` becomes `a_b`, ...), and a verifier that canonicalizes
//! like PHP then accepts bodies whose meaning depends on who reads them
//! (SECURITY.md §2.8). Such bodies are refused with [`FormError::Ambiguous`].
//! This module does no I/O, knows no parameter names and computes no HMAC.
//!
//! PHP rules reproduced (PHP 8.2 `php_register_variable_ex`, checked against
//! PHP 8.2 `parse_str` and a PHP server's `$_POST`):
//! * pairs split on `&`, empty pairs skipped; the name ends at the first `=`,
//!   a pair without `=` has an empty value; name and value are urldecoded
//!   (`+` is a space, a bad `%XX` stays literal);
//! * a name that is empty or starts with `[` is dropped, as PHP drops it;
//! * `a[b][c]=v` nests; `a[]=v` appends under the map's next free integer key,
//!   which is PHP's: one more than the largest integer key ever added (so
//!   `a[5]=x&a[]=y&a[2]=z&a[]=w` gives keys 5, 6, 2, 7, and `a[-5]=x&a[]=y`
//!   gives -5, -4), 0 for a map without integer keys;
//! * a bracket key is an integer key only in PHP's canonical form (`5`, `-3`,
//!   within i64; not `05`, `-0`, `+1`); keys are kept and printed byte for
//!   byte either way, so only the next free key depends on this;
//! * text after the last `]` is ignored (`a[b]c=v` is `a[b]=v`), and so is an
//!   unterminated bracket after the first level (`a[b][c=v` is `a[b]=v`);
//! * at most [`MAX_DEPTH`] bracket levels (PHP `max_input_nesting_level`);
//!   deeper names are refused with [`FormError::TooDeep`], where PHP would
//!   silently delete the whole top-level variable;
//! * instead of emulating `max_input_vars` truncation, more than
//!   [`MAX_FIELDS`] fields are refused with [`FormError::TooManyFields`].
//!
//! Refused as ambiguous, because PHP would change or lose what was sent:
//! * the same name twice at the same place (`d=1&d=2`, `e[x]=1&e[x]=2`,
//!   `a[]=x&a[0]=y`); appending (`x[]=a&x[]=b`) is fine;
//! * a top-level name PHP renames: containing `.` or a space (including
//!   leading spaces, which PHP strips), or a `[` without a matching `]`;
//! * a bracket holding one whitespace byte (`a[ ]`), which PHP reads as `a[]`;
//! * a NUL byte in a name, where PHP cuts the name;
//! * an append when the next free key is taken (after key `i64::MAX`), where
//!   PHP drops the value.

use std::collections::HashMap;
use std::fmt;

/// Most fields a body may carry; more is refused rather than truncated.
pub const MAX_FIELDS: usize = 100_000;

/// Most bracket levels a name may have (PHP `max_input_nesting_level`).
pub const MAX_DEPTH: usize = 64;

/// A parsed value: a string of bytes, or a nested map (`a[b]=...`).
#[derive(Clone, PartialEq, Eq)]
pub enum FormValue {
    /// A value as sent, urldecoded, not necessarily UTF-8.
    Str(Vec<u8>),
    /// The keys under a bracketed name, in body order.
    Map(FormMap),
}

impl FormValue {
    /// The bytes, if this is a string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            FormValue::Str(s) => Some(s),
            FormValue::Map(_) => None,
        }
    }

    /// The nested map, if this is one.
    pub fn as_map(&self) -> Option<&FormMap> {
        match self {
            FormValue::Map(m) => Some(m),
            FormValue::Str(_) => None,
        }
    }
}

impl fmt::Debug for FormValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormValue::Str(s) => write!(f, "\"{}\"", s.escape_ascii()),
            FormValue::Map(m) => m.fmt(f),
        }
    }
}

/// An ordered map of byte keys, in the order the body introduced them (PHP
/// arrays keep insertion order; `http_build_query` relies on it).
#[derive(Clone, Default)]
pub struct FormMap {
    entries: Vec<(Vec<u8>, FormValue)>,
    /// Position of each key in `entries`, so that large bodies parse in
    /// linear time.
    index: HashMap<Vec<u8>, usize>,
    /// PHP's `nNextFreeElement`: one more than the largest integer key ever
    /// added; `None` until an integer key is added (PHP then appends at 0).
    next_free: Option<i64>,
}

impl FormMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value at a key, given as bytes.
    pub fn get(&self, key: &[u8]) -> Option<&FormValue> {
        self.index.get(key).map(|&i| &self.entries[i].1)
    }

    /// The value's bytes, only if it is a string (not a nested map).
    pub fn get_bytes(&self, key: &str) -> Option<&[u8]> {
        self.get(key.as_bytes())?.as_bytes()
    }

    /// The value as text, only if it is a string and valid UTF-8.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        std::str::from_utf8(self.get_bytes(key)?).ok()
    }

    /// The nested map, only if the value is one.
    pub fn get_map(&self, key: &str) -> Option<&FormMap> {
        self.get(key.as_bytes())?.as_map()
    }

    /// Whether the key is present, whatever its value.
    #[cfg(test)]
    pub fn contains(&self, key: &str) -> bool {
        self.index.contains_key(key.as_bytes())
    }

    /// Takes a key out, keeping the order of the others.
    #[cfg(test)]
    pub fn remove(&mut self, key: &[u8]) -> Option<FormValue> {
        let at = self.index.remove(key)?;
        let (_, value) = self.entries.remove(at);
        for i in self.index.values_mut().filter(|i| **i > at) {
            *i -= 1;
        }
        Some(value)
    }

    /// Replaces the value in place if the key exists, else appends it.
    pub fn insert(&mut self, key: impl Into<Vec<u8>>, value: FormValue) {
        let key = key.into();
        match self.index.get(&key) {
            Some(&i) => self.entries[i].1 = value,
            None => {
                self.push_new(key, value);
            }
        }
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &FormValue)> {
        self.entries.iter().map(|(k, v)| (k.as_slice(), v))
    }

    /// The number of entries at this level.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries at this level.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends a key known to be absent and returns its position.
    fn push_new(&mut self, key: Vec<u8>, value: FormValue) -> usize {
        if let Some(n) = php_int_key(&key) {
            self.note_int_key(n);
        }
        let at = self.entries.len();
        self.index.insert(key.clone(), at);
        self.entries.push((key, value));
        at
    }

    /// PHP raises the next free key past every integer key added, and
    /// saturates at `i64::MAX` instead of overflowing.
    fn note_int_key(&mut self, n: i64) {
        if self.next_free.is_none_or(|next| n >= next) {
            self.next_free = Some(n.saturating_add(1));
        }
    }

    /// The key `[]` appends under, or `None` when PHP could not append
    /// (the next free key is already taken, only possible at `i64::MAX`).
    fn next_append_key(&self) -> Option<Vec<u8>> {
        let key = self.next_free.unwrap_or(0).to_string().into_bytes();
        (!self.index.contains_key(&key)).then_some(key)
    }
}

/// Two maps are equal when they hold the same entries in the same order.
impl PartialEq for FormMap {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Eq for FormMap {}

impl fmt::Debug for FormMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.iter().map(|(k, v)| (k.escape_ascii().to_string(), v));
        f.debug_map().entries(entries).finish()
    }
}

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormError {
    /// PHP would have guessed the meaning: names the parameter and the reason.
    Ambiguous(String),
    /// The body does not follow its format (multipart structure).
    Malformed(String),
    /// More fields than the limit carried here.
    TooManyFields(usize),
    /// A name nests deeper than the limit carried here.
    TooDeep(usize),
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::Ambiguous(why) => write!(f, "ambiguous form body: {why}"),
            FormError::Malformed(why) => write!(f, "malformed form body: {why}"),
            FormError::TooManyFields(n) => write!(f, "form body has more than {n} fields"),
            FormError::TooDeep(n) => {
                write!(f, "form field name nests more than {n} brackets deep")
            }
        }
    }
}

impl std::error::Error for FormError {}

/// An `Ambiguous` error naming the parameter as it arrived (decoded).
fn ambiguous(name: &[u8], why: &str) -> FormError {
    FormError::Ambiguous(format!("parameter `{}` {why}", show(name)))
}

/// A parameter name fit for a message: escaped, and cut if very long.
fn show(name: &[u8]) -> String {
    const MAX: usize = 80;
    let cut = &name[..name.len().min(MAX)];
    let tail = if name.len() > MAX { "..." } else { "" };
    format!("{}{tail}", cut.escape_ascii())
}

/// Parse exactly like PHP fills `$_POST` (parse_str rules), but refuse bodies
/// whose meaning PHP would guess (see the module documentation).
pub fn parse_urlencoded(body: &[u8]) -> Result<FormMap, FormError> {
    let mut form = FormBuilder::default();
    for (name, value) in raw_pairs(body) {
        form.add(&urldecode(name), urldecode(value))?;
    }
    Ok(form.root)
}

/// Parse a query string into ordered (name, value) pairs of decoded bytes,
/// with no PHP bracket rules (for the native API's flat parameters). Empty
/// pairs (`a=1&&b=2`) are skipped; a pair without `=` has an empty value.
pub fn query_pairs(query: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    raw_pairs(query)
        .map(|(name, value)| (urldecode(name), urldecode(value)))
        .collect()
}

/// The still-encoded `name=value` pairs of a query or body.
fn raw_pairs(query: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    query
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|&b| b == b'=') {
            Some(eq) => (&pair[..eq], &pair[eq + 1..]),
            None => (pair, &b""[..]),
        })
}

/// Percent-decode with `+` as space (lenient: a bad `%XX` stays literal, as
/// PHP's `urldecode` leaves it).
pub fn urldecode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let (byte, used) = match bytes[i] {
            b'+' => (b' ', 1),
            b'%' => match percent_byte(&bytes[i + 1..]) {
                Some(b) => (b, 3),
                None => (b'%', 1),
            },
            b => (b, 1),
        };
        out.push(byte);
        i += used;
    }
    out
}

/// The byte written by the two hex digits at the start of `rest`, if any.
fn percent_byte(rest: &[u8]) -> Option<u8> {
    let hi = hex_value(*rest.first()?)?;
    let lo = hex_value(*rest.get(1)?)?;
    Some(hi << 4 | lo)
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).map(|d| d as u8)
}

/// Builds the tree field by field, the way PHP registers each variable.
#[derive(Default)]
struct FormBuilder {
    root: FormMap,
    fields: usize,
    /// Full names already given (`id`, `id[a]`), appends aside: a name
    /// given twice is refused even when a different form came in between.
    names: std::collections::HashSet<Vec<Vec<u8>>>,
}

/// A field name split the way PHP reads it: `top[k1][]...`.
struct FieldName<'n> {
    top: &'n [u8],
    path: Vec<Step>,
}

/// One bracket level of a field name.
enum Step {
    Key(Vec<u8>),
    Append,
}

impl FormBuilder {
    /// Registers one decoded field, as PHP's `php_register_variable_ex`.
    fn add(&mut self, name: &[u8], value: Vec<u8>) -> Result<(), FormError> {
        self.fields += 1;
        if self.fields > MAX_FIELDS {
            return Err(FormError::TooManyFields(MAX_FIELDS));
        }
        let Some(field) = split_name(name)? else {
            return Ok(());
        };
        let mut full = vec![field.top.to_vec()];
        for step in &field.path {
            match step {
                Step::Key(k) => full.push(k.clone()),
                Step::Append => return store(&mut self.root, name, field, value),
            }
        }
        if !self.names.insert(full) {
            return Err(ambiguous(name, "appears twice"));
        }
        store(&mut self.root, name, field, value)
    }
}

/// Splits a decoded name into its top-level name and bracket path; `None`
/// for names PHP drops (empty, or starting with `[`).
fn split_name(name: &[u8]) -> Result<Option<FieldName<'_>>, FormError> {
    if name.contains(&0) {
        return Err(ambiguous(
            name,
            "contains a NUL byte, where PHP cuts the name",
        ));
    }
    let open = name.iter().position(|&b| b == b'[');
    let top = &name[..open.unwrap_or(name.len())];
    if top.is_empty() {
        return Ok(None);
    }
    if top.iter().any(|&b| b == b'.' || b == b' ') {
        return Err(ambiguous(name, "has '.' or a space, which PHP changes"));
    }
    let path = match open {
        Some(at) => bracket_path(name, at)?,
        None => Vec::new(),
    };
    Ok(Some(FieldName { top, path }))
}

/// Reads the `[key]` levels starting at `name[at] == b'['`.
fn bracket_path(name: &[u8], mut at: usize) -> Result<Vec<Step>, FormError> {
    let mut path = Vec::new();
    loop {
        // PHP counts a level before looking at it, unterminated ones too.
        if path.len() == MAX_DEPTH {
            return Err(FormError::TooDeep(MAX_DEPTH));
        }
        let inner = &name[at + 1..];
        let Some(close) = inner.iter().position(|&b| b == b']') else {
            if path.is_empty() {
                return Err(ambiguous(name, "has a '[' without ']', which PHP renames"));
            }
            break; // PHP ignores an unterminated level after the first
        };
        path.push(bracket_step(name, &inner[..close])?);
        at += close + 2;
        if name.get(at) != Some(&b'[') {
            break; // PHP ignores text after the last ']'
        }
    }
    Ok(path)
}

/// One bracket's meaning: `[]` appends, anything else is a key.
fn bracket_step(name: &[u8], key: &[u8]) -> Result<Step, FormError> {
    match key {
        [] => Ok(Step::Append),
        // PHP skips one whitespace byte before looking for `]`.
        [b] if is_c_space(*b) => Err(ambiguous(
            name,
            "has a bracket holding one whitespace byte, which PHP reads as '[]'",
        )),
        _ => Ok(Step::Key(key.to_vec())),
    }
}

/// Puts `value` at `top[path...]`, creating maps on the way; refuses to
/// overwrite anything, where PHP would let the last field win.
fn store(
    root: &mut FormMap,
    name: &[u8],
    field: FieldName<'_>,
    value: Vec<u8>,
) -> Result<(), FormError> {
    let mut map = root;
    let mut key = field.top.to_vec();
    for step in field.path {
        map = child_map(map, key);
        key = match step {
            Step::Key(k) => k,
            Step::Append => map
                .next_append_key()
                .ok_or_else(|| ambiguous(name, "appends past the largest integer key"))?,
        };
    }
    match map.get(&key) {
        None => map.insert(key, FormValue::Str(value)),
        Some(FormValue::Str(_)) => return Err(ambiguous(name, "appears twice")),
        // PHP lets a value replace an earlier array in place; the signed
        // fixture (legacy-sign.json) treats that as unambiguous, so do we.
        Some(FormValue::Map(_)) => map.insert(key, FormValue::Str(value)),
    }
    Ok(())
}

/// The map at `key`, created if absent; a string there is replaced.
fn child_map(map: &mut FormMap, key: Vec<u8>) -> &mut FormMap {
    let at = match map.index.get(&key) {
        Some(&at) => at,
        None => map.push_new(key, FormValue::Map(FormMap::new())),
    };
    // An array replaces an earlier value in place, as in PHP.
    if let FormValue::Str(_) = map.entries[at].1 {
        map.entries[at].1 = FormValue::Map(FormMap::new());
    }
    match &mut map.entries[at].1 {
        FormValue::Map(child) => child,
        FormValue::Str(_) => unreachable!("replaced above"),
    }
}

/// The integer PHP makes of a key, if the key is in canonical decimal form
/// (`ZEND_HANDLE_NUMERIC_STR`): no sign but `-`, no leading zero, no `-0`,
/// within i64.
fn php_int_key(key: &[u8]) -> Option<i64> {
    let digits = key.strip_prefix(b"-").unwrap_or(key);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits[0] == b'0' && key.len() > 1 {
        return None;
    }
    std::str::from_utf8(key).ok()?.parse().ok()
}

/// multipart/form-data with the given boundary (as in the Content-Type,
/// without quotes). Text fields go into the tree by the same rules as
/// urlencoded names. File parts (those with a `filename` parameter, even
/// empty) are ignored: PHP puts them in `$_FILES`, never in `$_POST`, so the
/// legacy signature never covers them.
///
/// Stricter than PHP where PHP's reading differs from RFC 7578/2046: a part
/// without a name or Content-Disposition, a delimiter followed by other text,
/// a missing closing delimiter and header lines without `:` are refused as
/// malformed; a part naming itself twice is refused as ambiguous.
pub fn parse_multipart(body: &[u8], boundary: &[u8]) -> Result<FormMap, FormError> {
    check_boundary(boundary)?;
    let delimiter = [&b"--"[..], boundary].concat();
    let mut form = FormBuilder::default();
    let mut at = first_delimiter(body, &delimiter)?;
    loop {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            return Ok(form.root); // the close delimiter; the epilogue is ignored
        }
        let start = at + delimiter_line_end(rest)?;
        let (len, next) = next_delimiter(&body[start..], &delimiter)?;
        add_part(&mut form, &body[start..start + len])?;
        at = start + next;
    }
}

/// RFC 2046: 1 to 70 characters, and it must fit on a line.
fn check_boundary(boundary: &[u8]) -> Result<(), FormError> {
    let bad = boundary.is_empty()
        || boundary.len() > 70
        || boundary.iter().any(|&b| b == b'\r' || b == b'\n');
    if bad {
        return Err(FormError::Malformed("invalid multipart boundary".into()));
    }
    Ok(())
}

/// Index just past the first delimiter, at the body's start or after a
/// preamble line.
fn first_delimiter(body: &[u8], delimiter: &[u8]) -> Result<usize, FormError> {
    if body.starts_with(delimiter) {
        return Ok(delimiter.len());
    }
    match find(body, &[&b"\n"[..], delimiter].concat()) {
        Some(at) => Ok(at + 1 + delimiter.len()),
        None => Err(FormError::Malformed("no multipart boundary found".into())),
    }
}

/// After a delimiter only padding and the line end may follow. PHP would take
/// `--boundaryXYZ` as a delimiter too; RFC 2046 does not, so it is refused.
fn delimiter_line_end(rest: &[u8]) -> Result<usize, FormError> {
    let pad = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    match &rest[pad..] {
        [b'\r', b'\n', ..] => Ok(pad + 2),
        [b'\n', ..] => Ok(pad + 1),
        _ => Err(FormError::Malformed(
            "text after a multipart boundary".into(),
        )),
    }
}

/// Finds the delimiter ending a part: returns the part's length (without the
/// line break before the delimiter) and the index just past the delimiter.
fn next_delimiter(data: &[u8], delimiter: &[u8]) -> Result<(usize, usize), FormError> {
    let Some(nl) = find(data, &[&b"\n"[..], delimiter].concat()) else {
        return Err(FormError::Malformed("no closing multipart boundary".into()));
    };
    let len = if nl > 0 && data[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    };
    Ok((len, nl + 1 + delimiter.len()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Registers one part if it is a text field.
fn add_part(form: &mut FormBuilder, part: &[u8]) -> Result<(), FormError> {
    let (headers, content) = split_headers(part)?;
    let disposition = content_disposition(&headers)?;
    let params = disposition_params(disposition);
    let name = part_name(&params)?;
    let is_file = params
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case(b"filename"));
    if is_file {
        return Ok(());
    }
    form.add(&name, content.to_vec())
}

/// The part's header lines (folded lines joined, as PHP joins them) and its
/// content after the empty line. Lines end in CRLF or, as PHP allows, LF.
fn split_headers(part: &[u8]) -> Result<(Vec<Vec<u8>>, &[u8]), FormError> {
    let mut headers: Vec<Vec<u8>> = Vec::new();
    let mut at = 0;
    loop {
        let Some(len) = part[at..].iter().position(|&b| b == b'\n') else {
            return Err(FormError::Malformed("multipart part without a body".into()));
        };
        let line = part[at..at + len]
            .strip_suffix(b"\r")
            .unwrap_or(&part[at..at + len]);
        at += len + 1;
        if line.is_empty() {
            return Ok((headers, &part[at..]));
        }
        add_header_line(&mut headers, line)?;
    }
}

/// PHP joins a line without `:` to the previous header, and starts a new
/// header at any line with `:`, even a folded one; only where that agrees
/// with RFC folding is the line accepted.
fn add_header_line(headers: &mut Vec<Vec<u8>>, line: &[u8]) -> Result<(), FormError> {
    let folded = matches!(line[0], b' ' | b'\t');
    let has_colon = line.contains(&b':');
    match (folded, has_colon, headers.last_mut()) {
        (false, true, _) => headers.push(line.to_vec()),
        (true, false, Some(last)) => last.extend_from_slice(line),
        _ => return Err(FormError::Malformed("bad multipart header line".into())),
    }
    Ok(())
}

/// The one Content-Disposition header's value.
fn content_disposition(headers: &[Vec<u8>]) -> Result<&[u8], FormError> {
    let mut found = headers
        .iter()
        .filter_map(|h| header_value(h, b"content-disposition"));
    match (found.next(), found.next()) {
        (Some(value), None) => Ok(value),
        (None, _) => Err(FormError::Malformed(
            "multipart part without Content-Disposition".into(),
        )),
        (Some(_), Some(_)) => Err(FormError::Malformed(
            "multipart part with two Content-Disposition headers".into(),
        )),
    }
}

/// The value of `line` if its header name is `name` (ASCII case-insensitive).
fn header_value<'h>(line: &'h [u8], name: &[u8]) -> Option<&'h [u8]> {
    let colon = line.iter().position(|&b| b == b':')?;
    if !line[..colon].eq_ignore_ascii_case(name) {
        return None;
    }
    Some(trim_start(&line[colon + 1..]))
}

/// The part's `name`, which must be given exactly once.
fn part_name(params: &[(Vec<u8>, Vec<u8>)]) -> Result<Vec<u8>, FormError> {
    let mut names = params
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(b"name"));
    match (names.next(), names.next()) {
        (Some((_, name)), None) => Ok(name.clone()),
        (None, _) => Err(FormError::Malformed("multipart part without a name".into())),
        (Some((_, name)), Some(_)) => Err(ambiguous(name, "is named twice in one part")),
    }
}

/// The `key=value` parameters of a Content-Disposition value, read as PHP
/// reads them: `;` separates outside quotes, keys are not trimmed, values
/// may be quoted with `"` or `'`.
fn disposition_params(value: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    split_outside_quotes(value)
        .into_iter()
        .filter_map(|item| {
            let item = trim_start(item);
            let eq = item.iter().position(|&b| b == b'=')?;
            Some((item[..eq].to_vec(), param_value(&item[eq + 1..])))
        })
        .collect()
}

/// Splits at `;` outside `"` or `'` quotes (a backslash escapes the quote).
fn split_outside_quotes(value: &[u8]) -> Vec<&[u8]> {
    let mut items = Vec::new();
    let (mut start, mut quote, mut i) = (0, None, 0);
    while i < value.len() {
        match (quote, value[i]) {
            (Some(q), b'\\') if value.get(i + 1) == Some(&q) => i += 1,
            (Some(q), b) if b == q => quote = None,
            (None, b'"' | b'\'') => quote = Some(value[i]),
            (None, b';') => {
                items.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    items.push(&value[start..]);
    items
}

/// A parameter value as PHP's `php_ap_getword_conf`: quoted up to the
/// closing quote, else up to whitespace; `\\` and `\<quote>` are escapes.
fn param_value(raw: &[u8]) -> Vec<u8> {
    let raw = trim_start(raw);
    let (text, quote) = match raw.first() {
        Some(&q @ (b'"' | b'\'')) => (&raw[1..], Some(q)),
        _ => {
            let end = raw.iter().position(|&b| is_c_space(b)).unwrap_or(raw.len());
            (&raw[..end], None)
        }
    };
    unescape_until(text, quote)
}

fn unescape_until(text: &[u8], quote: Option<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() && Some(text[i]) != quote {
        let next = text.get(i + 1).copied();
        if text[i] == b'\\' && (next == Some(b'\\') || (next.is_some() && next == quote)) {
            i += 1;
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|&&b| is_c_space(b)).count();
    &bytes[skip..]
}

/// C `isspace` in the C locale, which PHP's parsers use.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// PHP `urlencode()`: all bytes except `A-Z a-z 0-9 - _ .` become `%XX`
/// (uppercase hex); space becomes `+`.
pub fn php_urlencode(bytes: &[u8]) -> String {
    percent_encode(
        bytes,
        |b| b.is_ascii_alphanumeric() || b"-_.".contains(&b),
        "+",
    )
}

/// RFC 3986: unreserved `A-Z a-z 0-9 - . _ ~` kept, space is `%20`.
fn rfc3986_encode(bytes: &[u8]) -> String {
    percent_encode(
        bytes,
        |b| b.is_ascii_alphanumeric() || b"-._~".contains(&b),
        "%20",
    )
}

fn percent_encode(bytes: &[u8], keep: impl Fn(u8) -> bool, space: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if keep(b) {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push_str(space);
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
    out
}

/// PHP `http_build_query()` with default arguments over the tree, in the
/// tree's order: `&` between pairs, nested keys as `name%5Bkey%5D=...`
/// recursively, empty maps omitted.
#[cfg(test)]
pub fn http_build_query(map: &FormMap) -> String {
    let mut out = String::new();
    for (key, value) in map.iter() {
        build_pair(&mut out, php_urlencode(key), value);
    }
    out
}

/// Appends one entry, with `name` already encoded; recurses into maps.
fn build_pair(out: &mut String, name: String, value: &FormValue) {
    match value {
        FormValue::Str(s) => {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(&name);
            out.push('=');
            out.push_str(&php_urlencode(s));
        }
        FormValue::Map(map) => {
            for (key, inner) in map.iter() {
                build_pair(out, format!("{name}%5B{}%5D", php_urlencode(key)), inner);
            }
        }
    }
}

/// The legacy signature's canonical string: drop the `excluded` top-level
/// keys, sort the top-level keys byte-wise (PHP `ksort` with `SORT_STRING`),
/// keep nested maps in body order, then `http_build_query`.
pub fn canonical_signing_string(map: &FormMap, excluded: &[&str]) -> String {
    let mut top: Vec<(&[u8], &FormValue)> = map
        .iter()
        .filter(|(key, _)| !excluded.iter().any(|x| x.as_bytes() == *key))
        .collect();
    top.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (key, value) in top {
        build_pair(&mut out, php_urlencode(key), value);
    }
    out
}

/// Native signature line 7: each name and value of the raw query decoded
/// (`+` is a space), re-encoded per RFC 3986, the encoded pairs sorted by
/// name then value (byte order) and joined as `name=value` with `&`. Empty
/// pairs are skipped; a pair without `=` has an empty value.
pub fn rfc3986_canonical_query(query: &[u8]) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .iter()
        .map(|(name, value)| (rfc3986_encode(name), rfc3986_encode(value)))
        .collect();
    pairs.sort();
    let joined: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
    joined.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

        /// Native line 7 is a fixed point: the canonical query, parsed and
        /// canonicalised again, is itself.
        #[test]
        fn canonical_query_is_stable_under_reparsing(
            query in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::any::<u8>(),
                    proptest::sample::select(b"&=%+[]".to_vec()),
                ],
                0..64,
            )
        ) {
            let canonical = rfc3986_canonical_query(&query);
            proptest::prop_assert_eq!(rfc3986_canonical_query(canonical.as_bytes()), canonical);
        }

        /// The legacy canonical string is a fixed point too: a body parsed
        /// the way PHP does, signed, parsed again and signed gives the same
        /// string, so what the gateway signed is what the bridge checks.
        #[test]
        fn legacy_canonical_string_is_stable_under_reparsing(
            body in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b"ab.1 &=%[]+".to_vec()),
                    proptest::prelude::any::<u8>(),
                ],
                0..64,
            )
        ) {
            if let Ok(map) = parse_urlencoded(&body) {
                let canonical = canonical_signing_string(&map, &["a2c_sign"]);
                let again = parse_urlencoded(canonical.as_bytes()).unwrap();
                proptest::prop_assert_eq!(canonical_signing_string(&again, &["a2c_sign"]), canonical);
            }
        }
    }
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::Sha256;

    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/legacy-sign.json"
    );

    fn hmac_hex(key: &str, message: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(message.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The legacy check end to end: parse, take `a2c_sign`, recompute.
    fn verifies(body: &[u8], key: &str) -> bool {
        let Ok(map) = parse_urlencoded(body) else {
            return false;
        };
        let Some(sent) = map.get_bytes("a2c_sign") else {
            return false;
        };
        hmac_hex(key, &canonical_signing_string(&map, &["a2c_sign"])).as_bytes() == sent
    }

    fn canonical(body: &str) -> String {
        canonical_signing_string(&parse_urlencoded(body.as_bytes()).unwrap(), &["a2c_sign"])
    }

    fn is_ambiguous(body: &str) -> bool {
        matches!(
            parse_urlencoded(body.as_bytes()),
            Err(FormError::Ambiguous(_))
        )
    }

    fn vectors() -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(FIXTURE).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["vectors"].as_array().unwrap().clone()
    }

    fn field<'v>(v: &'v serde_json::Value, name: &str) -> &'v str {
        v[name].as_str().unwrap()
    }

    /// Every vector of the PHP-generated fixture: the ambiguous ones are
    /// refused, every other one verifies — including the 17 that use a
    /// top-level name both as a value and as an array, where PHP keeps the
    /// later form in place.
    #[test]
    fn legacy_sign_vectors() {
        let (mut checked, mut mixed) = (0, 0);
        for v in vectors() {
            let body = field(&v, "request_body");
            let parsed = parse_urlencoded(body.as_bytes());
            if v["ambiguous"].as_bool().unwrap() {
                assert!(
                    matches!(parsed, Err(FormError::Ambiguous(_))),
                    "{body}: {parsed:?}"
                );
            } else if is_mixed(body) {
                check_vector(&v, body);
                mixed += 1;
            } else {
                check_vector(&v, body);
            }
            checked += 1;
        }
        assert_eq!(checked, 300);
        assert_eq!(mixed, 17);
    }

    fn check_vector(v: &serde_json::Value, body: &str) {
        let map = parse_urlencoded(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"));
        let got = canonical_signing_string(&map, &["a2c_sign"]);
        assert_eq!(got, field(v, "canonical"), "{body}");
        assert_eq!(hmac_hex(field(v, "store_key"), &got), field(v, "a2c_sign"));
        assert!(verifies(body.as_bytes(), field(v, "store_key")));
    }

    /// Whether a top-level name is used both as a value and as an array.
    fn is_mixed(body: &str) -> bool {
        let mut forms: Vec<(Vec<u8>, bool)> = Vec::new();
        for pair in body.split('&').filter(|p| !p.is_empty()) {
            let name = urldecode(pair.split('=').next().unwrap().as_bytes());
            let top = name.split(|&b| b == b'[').next().unwrap().to_vec();
            forms.push((top, name.contains(&b'[')));
        }
        forms
            .iter()
            .any(|(t, a)| forms.iter().any(|(u, b)| t == u && a != b))
    }

    #[test]
    fn flipping_any_byte_breaks_verification() {
        let vectors = vectors();
        // A mixed body's overwritten value is discarded by PHP, so it is
        // not signed and flipping it changes nothing: those are left out.
        let good = vectors.iter().filter(|v| {
            let body = field(v, "request_body");
            parse_urlencoded(body.as_bytes()).is_ok() && !is_mixed(body)
        });
        let mut flips = 0;
        for v in good.step_by(40) {
            let (body, key, sign) = (
                field(v, "request_body"),
                field(v, "store_key"),
                field(v, "a2c_sign"),
            );
            assert!(verifies(body.as_bytes(), key));
            for i in 0..body.len() {
                for mask in [0x01, 0x20, 0x80] {
                    let mut flipped = body.as_bytes().to_vec();
                    flipped[i] ^= mask;
                    let same_meaning = mask == 0x20 && is_hex_case_flip(body.as_bytes(), i);
                    assert_eq!(verifies(&flipped, key), same_meaning, "{body} byte {i}");
                    flips += 1;
                }
            }
            let canonical = field(v, "canonical");
            for i in 0..sign.len() {
                let mut wrong = sign.as_bytes().to_vec();
                wrong[i] ^= 0x01;
                assert_ne!(hmac_hex(key, canonical).as_bytes(), &wrong[..]);
            }
        }
        assert!(flips > 1000, "{flips}");
    }

    /// `%2a` and `%2A` decode alike, so flipping the case of a hex digit in
    /// a `%XX` escape keeps the body's meaning; everything else must not.
    fn is_hex_case_flip(body: &[u8], i: usize) -> bool {
        let in_escape = (i >= 1 && body[i - 1] == b'%' && percent_byte(&body[i..]).is_some())
            || (i >= 2 && body[i - 2] == b'%' && percent_byte(&body[i - 1..]).is_some());
        in_escape && body[i].is_ascii_alphabetic()
    }

    const LEGACY_KEY: &str = "0123456789abcdef0123456789abcdef";
    const SECURITY_KEY: &str = "test-store-key-0123456789abcdef";

    #[test]
    fn legacy_example_1_checkbridge() {
        let body = "action=checkbridge&cart_id=Woocommerce&store_root=%2Fvar%2Fwww%2Fhtml";
        let want = "action=checkbridge&cart_id=Woocommerce&store_root=%2Fvar%2Fwww%2Fhtml";
        assert_eq!(canonical(body), want);
        assert_eq!(
            hmac_hex(LEGACY_KEY, want),
            "7bcee523fcba09f0e8a213001db7bdb0447e557d927afef552bf5b3c9d275829"
        );
    }

    #[test]
    fn legacy_example_2_nested_sql_settings() {
        let body = "query=F9ENIFMFRTopOXYfBD8oRVAHG99ty7MuxSQeASEqwXYCHVEHIHYfBD8oRVcQH9FtQbEsRTQ%2BQHx%3D\
            &fetchMode=1&action=query&cart_id=Opencart14&set_names=utf8\
            &sql_settings[sql_modes]=Q94KC9UEEV0uEpUNEFEuG94uDpEHGbx%3D\
            &sql_settings%5Bsql_variables%5D=F9EFRVY5RW9tNJ%3D%3D";
        let want = "action=query&cart_id=Opencart14&fetchMode=1&query=F9ENIFMFRTopOXYfBD8oRVAHG99ty7MuxSQeASEqwXYCHVEHIHYfBD8oRVcQH9FtQbEsRTQ%2BQHx%3D&set_names=utf8&sql_settings%5Bsql_modes%5D=Q94KC9UEEV0uEpUNEFEuG94uDpEHGbx%3D&sql_settings%5Bsql_variables%5D=F9EFRVY5RW9tNJ%3D%3D";
        assert_eq!(canonical(body), want);
        assert_eq!(
            hmac_hex(LEGACY_KEY, want),
            "71901e5730a25c3e370a2f5b4b57ef03610f66118b2d343c38f754486db80cd5"
        );
    }

    #[test]
    fn legacy_encoding_corner_cases() {
        let body = "sp=a+b&tilde=%7E&star=*&dash=-_.&plus=%2B&amp=%26%3D&utf=%C3%A9&empty=\
            &arr[z]=1&arr[a][]=2&arr[a][]=3&list[]=x&list[]=y&Zed=cap&a2=n&a10=n&nested[k+l]=v+w";
        assert_eq!(
            canonical(body),
            "Zed=cap&a10=n&a2=n&amp=%26%3D&arr%5Bz%5D=1&arr%5Ba%5D%5B0%5D=2&arr%5Ba%5D%5B1%5D=3\
             &dash=-_.&empty=&list%5B0%5D=x&list%5B1%5D=y&nested%5Bk+l%5D=v+w&plus=%2B&sp=a+b\
             &star=%2A&tilde=%7E&utf=%C3%A9"
        );
        // `{d: [], e: ''}`: empty arrays vanish, empty strings stay. (null and
        // booleans cannot come out of a parsed body.)
        let mut map = FormMap::new();
        map.insert("d", FormValue::Map(FormMap::new()));
        map.insert("e", FormValue::Str(Vec::new()));
        assert_eq!(http_build_query(&map), "e=");
    }

    #[test]
    fn security_differential_table() {
        let rows = [
            (
                "query=SELECT+1&action=query&cart_id=Opencart",
                "action=query&cart_id=Opencart&query=SELECT+1",
                "4e4ca975ba1da21da1594bea2510e3f4205454e225a998fdaf0684541a978e3e",
            ),
            (
                "b=a+b%7Ec%2Bd%2F%C3%A9&a=x%26y%3Dz",
                "a=x%26y%3Dz&b=a+b%7Ec%2Bd%2F%C3%A9",
                "c7644cb72efb4e01d2bd9a25929996c2e3aa566288bb3775a8c4e991e9010ee6",
            ),
            // null is absent, true and false arrive as "1" and "0".
            (
                "z[k2]=v2&z[k1]=v1&t=1&f=0&e=",
                "e=&f=0&t=1&z%5Bk2%5D=v2&z%5Bk1%5D=v1",
                "473b806eef48ee667560f1d8c7679767d3f17317948f5dd1f2590ee5be16ede5",
            ),
            (
                "10=a&9=b&a=c&B=d",
                "10=a&9=b&B=d&a=c",
                "e38da60b5c73a436d86e45704a2038f2daf7fb90874c075a3231c56d505599ca",
            ),
            // What PHP makes of the last row's body, sent unambiguously.
            (
                "a_b=2&c[]=x&c[]=y&d=2&e[x]=2",
                "a_b=2&c%5B0%5D=x&c%5B1%5D=y&d=2&e%5Bx%5D=2",
                "ae57fe36aaca94563c95eecd78da0ff4bc5b139ea024be4e19e46b0bc1463a22",
            ),
        ];
        for (body, want, sign) in rows {
            assert_eq!(canonical(body), want, "{body}");
            assert_eq!(hmac_hex(SECURITY_KEY, want), sign, "{body}");
        }
    }

    #[test]
    fn security_differential_body_is_refused() {
        assert!(is_ambiguous(
            "a.b=1&a b=2&c[]=x&c[]=y&d=1&d=2&e[x]=1&e[x]=2"
        ));
        for body in [
            "a.b=1",
            "a b=2",
            "a+b=2",
            "a%20b=2",
            "d=1&d=2",
            "e[x]=1&e[x]=2",
        ] {
            assert!(is_ambiguous(body), "{body}");
        }
        assert_eq!(canonical("c[]=x&c[]=y"), "c%5B0%5D=x&c%5B1%5D=y");
    }

    #[test]
    fn ambiguous_names() {
        let bodies = [
            "a=1&a[x]=2&a=3",
            "a[]=x&a[0]=y",
            "a[b=1",
            "a[b[c=1",
            " a=1",
            "x[ ]=1",
            "x[y][%09]=1",
            "x[%0B]=1",
            "a%00b=1",
            "c[x%00y]=2",
            "a[9223372036854775807]=x&a[]=y",
            "x=1&y=2&x=3",
        ];
        for body in bodies {
            assert!(is_ambiguous(body), "{body}");
        }
        let err = parse_urlencoded(b"d=1&d=2").unwrap_err();
        assert_eq!(
            err.to_string(),
            "ambiguous form body: parameter `d` appears twice"
        );
    }

    #[test]
    fn php_parse_rules() {
        // Each expectation is PHP 8.2's `parse_str` + `http_build_query`.
        let cases = [
            ("a=b=c&d&=e&&f", "a=b%3Dc&d=&f="),
            ("[a]=1&b=2", "b=2"),
            ("a]b=1", "a%5Db=1"),
            ("a[b]c[d]=1", "a%5Bb%5D=1"),
            ("a[b][c=1", "a%5Bb%5D=1"),
            ("a[]]=1", "a%5B0%5D=1"),
            ("a[[b]]=1", "a%5B%5Bb%5D=1"),
            ("a[ b]=1", "a%5B+b%5D=1"),
            ("x[%20%20]=1", "x%5B++%5D=1"),
            ("a[b.c]=1", "a%5Bb.c%5D=1"),
            ("a%5Bb%5D%5Bc%5D=1", "a%5Bb%5D%5Bc%5D=1"),
            ("a[][x]=1&a[][x]=2", "a%5B0%5D%5Bx%5D=1&a%5B1%5D%5Bx%5D=2"),
            ("x[1][]=a&x[1][]=b", "x%5B1%5D%5B0%5D=a&x%5B1%5D%5B1%5D=b"),
            ("a=%ZZ%4&b=%41%e9", "a=%25ZZ%254&b=A%E9"),
        ];
        for (body, want) in cases {
            assert_eq!(
                http_build_query(&parse_urlencoded(body.as_bytes()).unwrap()),
                want
            );
        }
    }

    #[test]
    fn appends_take_php_next_free_key() {
        let cases = [
            ("a[5]=x&a[]=y&a[2]=z&a[]=w", "5 6 2 7"),
            ("a[-5]=x&a[]=y", "-5 -4"),
            ("x[]=a&x[-1]=b&x[]=c", "0 -1 1"),
            ("a[-0]=x&a[]=y", "-0 0"),
            ("a[05]=x&a[5]=y&a[]=z", "05 5 6"),
            ("a[9223372036854775808]=x&a[]=y", "9223372036854775808 0"),
            (
                "a[-9223372036854775808]=x&a[]=y",
                "-9223372036854775808 -9223372036854775807",
            ),
            (
                "a[9223372036854775806]=x&a[]=y",
                "9223372036854775806 9223372036854775807",
            ),
        ];
        for (body, keys) in cases {
            let map = parse_urlencoded(body.as_bytes()).unwrap();
            let a = map.get_map("a").or(map.get_map("x")).unwrap();
            let got: Vec<String> = a.iter().map(|(k, _)| show(k)).collect();
            assert_eq!(got.join(" "), keys, "{body}");
        }
    }

    #[test]
    fn nesting_limit_is_php_max_input_nesting_level() {
        let name = |levels: usize, tail: &str| format!("a{}{tail}=1", "[x]".repeat(levels));
        assert!(parse_urlencoded(name(64, "").as_bytes()).is_ok());
        let deep = parse_urlencoded(name(65, "").as_bytes());
        assert_eq!(deep, Err(FormError::TooDeep(64)));
        // PHP counts an unterminated last level too.
        assert!(parse_urlencoded(name(63, "[y").as_bytes()).is_ok());
        let deep = parse_urlencoded(name(64, "[y").as_bytes());
        assert_eq!(deep, Err(FormError::TooDeep(64)));
    }

    #[test]
    fn field_limit() {
        let body = "a[]=1&".repeat(MAX_FIELDS);
        assert_eq!(
            parse_urlencoded(body.as_bytes())
                .unwrap()
                .get_map("a")
                .unwrap()
                .len(),
            MAX_FIELDS
        );
        let body = format!("{body}b=2");
        let err = parse_urlencoded(body.as_bytes()).unwrap_err();
        assert_eq!(err, FormError::TooManyFields(MAX_FIELDS));
    }

    #[test]
    fn map_accessors() {
        let mut map = parse_urlencoded(b"s=t%C3%A9&b=%FF&m[k]=v&n=").unwrap();
        assert_eq!(map.len(), 4);
        assert_eq!(map.get_str("s"), Some("té"));
        assert_eq!(map.get_bytes("b"), Some(&b"\xff"[..]));
        assert_eq!(map.get_str("b"), None);
        assert_eq!(map.get_bytes("m"), None);
        assert_eq!(map.get_map("m").unwrap().get_str("k"), Some("v"));
        assert_eq!(map.get_str("n"), Some(""));
        assert!(map.contains("n") && !map.contains("x"));
        map.insert("s", FormValue::Str(b"new".to_vec()));
        map.insert("z", FormValue::Str(b"end".to_vec()));
        assert_eq!(map.remove(b"b"), Some(FormValue::Str(vec![0xff])));
        assert_eq!(map.remove(b"b"), None);
        assert_eq!(http_build_query(&map), "s=new&m%5Bk%5D=v&n=&z=end");
        assert_eq!(map.get_str("z"), Some("end"));
        assert!(!map.is_empty() && FormMap::new().is_empty());
    }

    #[test]
    fn excluded_keys_are_dropped_from_the_top_level_only() {
        let map = parse_urlencoded(b"a2c_sign=x&b=1&n[a2c_sign]=y&aelia_cs_currency=c").unwrap();
        let got = canonical_signing_string(&map, &["a2c_sign", "aelia_cs_currency"]);
        assert_eq!(got, "b=1&n%5Ba2c_sign%5D=y");
    }

    #[test]
    fn php_urlencode_bytes() {
        let all: Vec<u8> = (0..=255).collect();
        let encoded = php_urlencode(&all);
        assert!(encoded.starts_with("%00%01"));
        assert!(encoded.contains("%2C-.%2F0123456789%3A"));
        assert!(encoded.contains("%1F+%21"));
        assert!(encoded.contains("Z%5B%5C%5D%5E_%60a"));
        assert!(encoded.contains("z%7B%7C%7D%7E%7F%80"));
        assert!(encoded.ends_with("%FE%FF"));
        assert_eq!(urldecode(encoded.as_bytes()), all);
    }

    #[test]
    fn rfc3986_canonical_queries() {
        let cases = [
            ("count=2&start=0", "count=2&start=0"),
            ("b=2&a=1&a=0", "a=0&a=1&b=2"),
            ("q=a+b%7e*", "q=a%20b~%2A"),
            ("", ""),
            ("flag&x=", "flag=&x="),
            ("a=1&&b=2&", "a=1&b=2"),
            ("n%5B%5D=%zz", "n%5B%5D=%25zz"),
            ("m=%C3%A9", "m=%C3%A9"),
        ];
        for (query, want) in cases {
            assert_eq!(rfc3986_canonical_query(query.as_bytes()), want, "{query}");
        }
    }

    #[test]
    fn query_pairs_are_flat() {
        let pairs = query_pairs(b"a[b]=1&a.c=2+3&x");
        let want: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (b"a[b]".to_vec(), b"1".to_vec()),
            (b"a.c".to_vec(), b"2 3".to_vec()),
            (b"x".to_vec(), Vec::new()),
        ];
        assert_eq!(pairs, want);
    }

    const MULTIPART: &[u8] = b"preamble\r\n\
        --XyZ\r\n\
        Content-Disposition: form-data; name=\"action\"\r\n\
        \r\n\
        query\r\n\
        --XyZ\r\n\
        content-disposition: form-data; name=\"sql_settings[sql_modes]\"\r\n\
        Content-Type: text/plain\r\n\
        \r\n\
        line 1\r\nline 2\r\n\
        --XyZ\r\n\
        Content-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\n\
        \r\n\
        file bytes\r\n\
        --XyZ\r\n\
        Content-Disposition: form-data; name=\"list[]\"\r\n\
        \r\n\
        \r\n\
        --XyZ--\r\n\
        epilogue";

    #[test]
    fn multipart_fields_nest_like_urlencoded() {
        let map = parse_multipart(MULTIPART, b"XyZ").unwrap();
        assert_eq!(map.get_str("action"), Some("query"));
        let settings = map.get_map("sql_settings").unwrap();
        assert_eq!(settings.get_str("sql_modes"), Some("line 1\r\nline 2"));
        assert!(!map.contains("upload"));
        assert_eq!(
            http_build_query(&map),
            "action=query&sql_settings%5Bsql_modes%5D=line+1%0D%0Aline+2&list%5B0%5D="
        );
    }

    #[test]
    fn multipart_php_header_forms() {
        // LF line ends, a folded header, unquoted and single-quoted names,
        // backslash escapes: all read as PHP 8.2 reads them.
        let body = b"--b\nContent-Disposition: form-data;\n name=plain\n\n1\n\
            --b\r\nCONTENT-DISPOSITION: form-data; NAME='sq[x y]'\r\n\r\n2\r\n\
            --b\r\nContent-Disposition: form-data; name=\"q\\\"x\\\\y;z\"\r\n\r\n3\r\n--b--";
        let map = parse_multipart(body, b"b").unwrap();
        assert_eq!(
            http_build_query(&map),
            "plain=1&sq%5Bx+y%5D=2&q%22x%5Cy%3Bz=3"
        );
        let body = b"--b\r\nContent-Disposition: form-data; name='s q'\r\n\r\n2\r\n--b--";
        assert!(matches!(
            parse_multipart(body, b"b"),
            Err(FormError::Ambiguous(_))
        ));
    }

    #[test]
    fn multipart_refusals() {
        let part = |headers: &str| format!("--b\r\n{headers}\r\n\r\nv\r\n--b--");
        let malformed = [
            part("Content-Type: text/plain"),
            part("Content-Disposition: form-data"),
            part("Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data"),
            part("Content-Disposition: form-data;\r\n filename=\"a:b\""),
            part("no colon"),
            "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nv".to_string(),
            "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--bX\r\n--b--".to_string(),
            "no boundary at all".to_string(),
        ];
        for body in &malformed {
            let got = parse_multipart(body.as_bytes(), b"b");
            assert!(
                matches!(got, Err(FormError::Malformed(_))),
                "{body}: {got:?}"
            );
        }
        let twice = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n\
            --b\r\nContent-Disposition: form-data; name=a\r\n\r\n2\r\n--b--";
        assert!(matches!(
            parse_multipart(twice.as_bytes(), b"b"),
            Err(FormError::Ambiguous(_))
        ));
        let named_twice = part("Content-Disposition: form-data; name=a; name=b");
        let got = parse_multipart(named_twice.as_bytes(), b"b");
        assert!(matches!(got, Err(FormError::Ambiguous(_))));
        assert!(parse_multipart(b"--b--", b"").is_err());
        assert_eq!(parse_multipart(b"--b--\r\n", b"b"), Ok(FormMap::new()));
    }
}
