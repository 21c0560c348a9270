//! The small language `platform.toml` files use to say where a value is:
//! templates with lookups in braces, e.g. `{define DB_HOST}`,
//! `{return db.connection.[active=1].host in app/etc/env.php}`,
//! `pub/media/{exists pub/media}`, `{env DATABASE_URL in .env | url pass}`.
//! `platforms/README.md` is the reference; this module parses templates when
//! the platforms are loaded (a typo fails the build's tests, not a shop) and
//! resolves them against a store's files, each file read and parsed once.
//!
//! A lookup gives a value, finds nothing (the file or the name is not there:
//! the next alternative is tried), or finds something it cannot read without
//! running the shop (`getenv()`, a concatenation with a function call, a
//! `${VAR}` from the server's environment, a malformed file). The last is
//! never guessed at: the caller decides whether that is an error (database
//! settings) or a reason to try the next alternative (versions, images).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::php::{PhpFile, PhpKey, PhpValue};
use super::{dotenv, ini, url, xml};

/// Files larger than this are not configuration files.
const MAX_FILE_BYTES: u64 = 4 << 20;

/// One or more templates; the first that resolves wins.
#[derive(Debug, Clone, Default)]
pub struct Spec(pub Vec<Template>);

impl<'de> serde::Deserialize<'de> for Spec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Spec, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        let texts = match OneOrMany::deserialize(d)? {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(ts) => ts,
        };
        texts
            .iter()
            .map(|t| Template::parse(t))
            .collect::<Result<_, _>>()
            .map(Spec)
            .map_err(serde::de::Error::custom)
    }
}

impl<'de> serde::Deserialize<'de> for Template {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Template, D::Error> {
        let text = String::deserialize(d)?;
        Template::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Spec {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Text with lookups in braces.
#[derive(Debug, Clone)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Hole(Box<Hole>),
}

#[derive(Debug, Clone)]
struct Hole {
    source: String,
    lookup: Lookup,
    file: Option<Template>,
    transforms: Vec<Transform>,
}

#[derive(Debug, Clone)]
enum Lookup {
    Define(String),
    Var(String, KeyPath),
    Return(KeyPath),
    Property(String, String, KeyPath),
    Const(String, String),
    Method(String, String, KeyPath),
    Call(String),
    Ini(KeyPath),
    Json(KeyPath),
    Xml(XmlPath),
    Env(String),
    Text,
    Exists(String),
    Name,
}

/// `a.b.'c.d'.[key=value]`
#[derive(Debug, Clone, Default)]
struct KeyPath(Vec<Step>);

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    /// The first element whose `key` element equals `value`.
    Select(String, String),
}

/// `a/b[@key=value]/c@attribute`
#[derive(Debug, Clone, Default)]
struct XmlPath {
    steps: Vec<(String, Option<(String, String)>)>,
    attribute: Option<String>,
}

#[derive(Debug, Clone)]
enum Transform {
    After(String),
    AfterLast(String),
    BeforeLast(String),
    UrlDecode,
    TrimStart(String),
    Skip(usize),
    First(usize),
    Remove(String),
    NoSpaces,
    Trim,
    Upper,
    Lower,
    VersionText,
    Number,
    ExactVersion,
    SetNames,
    NonEmpty,
    Url { part: String, plus_is_space: bool },
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, String> {
        let parts = parse_parts(source).map_err(|e| format!("in '{source}': {e}"))?;
        Ok(Template {
            source: source.to_string(),
            parts,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether every lookup names its file or needs none.
    #[cfg(test)]
    pub fn needs_default_file(&self) -> bool {
        self.parts.iter().any(|p| match p {
            Part::Hole(h) => h.file.is_none() && !matches!(h.lookup, Lookup::Exists(_)),
            Part::Text(_) => false,
        })
    }
}

fn parse_parts(source: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = source;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("a '}' without its '{'".into());
        }
        text.push_str(&rest[..open]);
        let close = matching_brace(&rest[open..]).ok_or("a '{' without its '}'")? + open;
        if !text.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut text)));
        }
        parts.push(Part::Hole(Box::new(parse_hole(&rest[open + 1..close])?)));
        rest = &rest[close + 1..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// The index of the `}` that closes the `{` at the start of `text`.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits on `separator` outside nested braces.
fn split_outside_braces<'t>(text: &'t str, separator: &str) -> Vec<&'t str> {
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with('{') {
            depth += 1;
        } else if rest.starts_with('}') {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && rest.starts_with(separator) {
            pieces.push(&text[start..i]);
            i += separator.len();
            start = i;
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    pieces.push(&text[start..]);
    pieces
}

fn parse_hole(source: &str) -> Result<Hole, String> {
    let mut pieces = split_outside_braces(source, "|").into_iter();
    let head = pieces.next().unwrap_or_default().trim();
    let transforms = pieces.map(parse_transform).collect::<Result<_, _>>()?;
    let (lookup, file) = match split_outside_braces(head, " in ").as_slice() {
        [lookup] => (lookup.trim(), None),
        [lookup, file] => (lookup.trim(), Some(Template::parse(file.trim())?)),
        _ => return Err(format!("'{head}' names more than one file")),
    };
    Ok(Hole {
        source: source.trim().to_string(),
        lookup: parse_lookup(lookup)?,
        file,
        transforms,
    })
}

fn parse_lookup(text: &str) -> Result<Lookup, String> {
    let (kind, arg) = text.split_once(' ').unwrap_or((text, ""));
    let arg = arg.trim();
    let need = |what: &str| {
        if arg.is_empty() {
            Err(format!("'{kind}' needs {what}"))
        } else {
            Ok(arg.to_string())
        }
    };
    let class_member = |what: &str| -> Result<(String, String, KeyPath), String> {
        let (class, rest) = need(what)?
            .split_once('.')
            .map(|(c, r)| (c.to_string(), r.to_string()))
            .ok_or(format!("'{kind}' needs Class.name"))?;
        let mut path = parse_key_path(&rest)?;
        let Some(Step::Key(name)) = (!path.0.is_empty()).then(|| path.0.remove(0)) else {
            return Err(format!("'{kind}' needs Class.name"));
        };
        Ok((class, name, path))
    };
    Ok(match kind {
        "define" => Lookup::Define(need("a constant name")?),
        "var" => {
            let mut path = parse_key_path(&need("a variable name")?)?;
            let Step::Key(name) = path.0.remove(0) else {
                return Err("'var' needs a variable name first".into());
            };
            Lookup::Var(name, path)
        }
        "return" => Lookup::Return(parse_key_path(arg)?),
        "property" => {
            let (class, name, path) = class_member("Class.name")?;
            Lookup::Property(class, name, path)
        }
        "const" => {
            let (class, name, path) = class_member("Class.NAME")?;
            if !path.0.is_empty() {
                return Err("'const' takes no key path".into());
            }
            Lookup::Const(class, name)
        }
        "method" => {
            let (class, name, path) = class_member("Class.name")?;
            Lookup::Method(class, name, path)
        }
        "call" => Lookup::Call(need("a function name")?),
        "ini" => Lookup::Ini(parse_key_path(&need("a key")?)?),
        "json" => Lookup::Json(parse_key_path(arg)?),
        "xml" => Lookup::Xml(parse_xml_path(arg)?),
        "env" => Lookup::Env(need("a variable name")?),
        "text" if arg.is_empty() => Lookup::Text,
        "exists" => Lookup::Exists(need("a path")?),
        "name" if arg.is_empty() => Lookup::Name,
        _ => return Err(format!("unknown lookup '{text}'")),
    })
}

fn parse_key_path(text: &str) -> Result<KeyPath, String> {
    let mut steps = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (step, after) = if let Some(quoted) = rest.strip_prefix('\'') {
            let end = quoted.find('\'').ok_or("a quoted key never ends")?;
            (Step::Key(quoted[..end].to_string()), &quoted[end + 1..])
        } else if let Some(select) = rest.strip_prefix('[') {
            let end = select.find(']').ok_or("a '[' without its ']'")?;
            let (key, value) = select[..end]
                .split_once('=')
                .ok_or("a selector is written [key=value]")?;
            (
                Step::Select(key.trim().to_string(), value.trim().to_string()),
                &select[end + 1..],
            )
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            if end == 0 {
                return Err(format!("'{text}' has an empty key"));
            }
            (Step::Key(rest[..end].to_string()), &rest[end..])
        };
        steps.push(step);
        rest = match after.strip_prefix('.') {
            Some(next) if !next.is_empty() => next,
            Some(_) => return Err(format!("'{text}' ends with '.'")),
            None if after.is_empty() => after,
            None => return Err(format!("'{text}': keys are separated by '.'")),
        };
    }
    Ok(KeyPath(steps))
}

fn parse_xml_path(text: &str) -> Result<XmlPath, String> {
    let (elements, attribute) = match text.rsplit_once('@') {
        Some((e, a)) if !a.contains(['/', ']']) => (e, Some(a.to_string())),
        _ => (text, None),
    };
    let mut path = XmlPath {
        attribute,
        ..XmlPath::default()
    };
    for step in elements.split('/').filter(|s| !s.is_empty()) {
        let (name, filter) = match step.split_once("[@") {
            Some((name, filter)) => {
                let filter = filter
                    .strip_suffix(']')
                    .and_then(|f| f.split_once('='))
                    .ok_or("an XML filter is written name[@attribute=value]")?;
                (name, Some((filter.0.to_string(), filter.1.to_string())))
            }
            None => (step, None),
        };
        path.steps.push((name.to_string(), filter));
    }
    Ok(path)
}

fn parse_transform(text: &str) -> Result<Transform, String> {
    let text = text.trim();
    let (name, arg) = text.split_once(' ').unwrap_or((text, ""));
    let arg = arg.trim();
    let need = || {
        if arg.is_empty() {
            Err(format!("'{name}' needs an argument"))
        } else {
            Ok(arg.to_string())
        }
    };
    let count = || {
        arg.parse::<usize>()
            .map_err(|_| format!("'{name}' needs a number"))
    };
    Ok(match name {
        "after" => Transform::After(need()?),
        "after-last" => Transform::AfterLast(need()?),
        "before-last" => Transform::BeforeLast(need()?),
        "urldecode" => Transform::UrlDecode,
        "trim-start" => Transform::TrimStart(need()?),
        "skip" => Transform::Skip(count()?),
        "first" => Transform::First(count()?),
        "remove" => Transform::Remove(need()?),
        "no-spaces" => Transform::NoSpaces,
        "trim" => Transform::Trim,
        "upper" => Transform::Upper,
        "lower" => Transform::Lower,
        "version-text" => Transform::VersionText,
        "number" => Transform::Number,
        "exact-version" => Transform::ExactVersion,
        "set-names" => Transform::SetNames,
        "nonempty" => Transform::NonEmpty,
        "url" | "url+" => {
            let part = need()?;
            if !matches!(part.as_str(), "user" | "pass" | "host" | "port" | "db")
                && !part.starts_with('?')
            {
                return Err(format!("unknown URL part '{part}'"));
            }
            Transform::Url {
                part,
                plus_is_space: name == "url+",
            }
        }
        _ => return Err(format!("unknown transform '{text}'")),
    })
}

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

/// What a lookup found.
#[derive(Debug, Clone)]
pub enum Found {
    Value(String),
    /// Not there: the next alternative may be.
    Absent,
    /// There, but not readable without running the shop.
    Unreadable(Unreadable),
}

/// A value the shop's files hold but cartbridge cannot read.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    pub file: PathBuf,
    /// The lookup, as the platform describes it (`define DB_PASSWORD`).
    pub lookup: String,
    pub why: String,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the value of '{}' {}",
            self.file.display(),
            self.lookup,
            self.why
        )
    }
}

const COMPUTED: &str = "is computed when PHP runs (an environment variable, a function call or \
an included file), and cartbridge does not run PHP";

/// A parsed file, once per format.
enum Loaded {
    Missing,
    Broken(String),
    Php(PhpFile),
    Tree(PhpValue),
    Xml(xml::Element),
    Env(dotenv::Env),
    Text(String),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Format {
    Php,
    Ini,
    Json,
    Xml,
    Env,
    Text,
}

/// Resolves templates against one store's files.
pub struct Reader {
    root: PathBuf,
    /// The file lookups read when they name none (relative to the root).
    default_file: Option<String>,
    cache: RefCell<HashMap<(PathBuf, Format), Rc<Loaded>>>,
}

impl Reader {
    pub fn new(root: &Path, default_file: Option<String>) -> Reader {
        Reader {
            root: root.to_path_buf(),
            default_file,
            cache: RefCell::new(HashMap::new()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The same files, another default file (each file of a list).
    pub fn with_default_file(&self, file: String) -> Reader {
        Reader {
            root: self.root.clone(),
            default_file: Some(file),
            cache: RefCell::new(self.cache.borrow().clone()),
        }
    }

    /// The first alternative that gives a value. With `strict`, a value
    /// that is there but unreadable is an error; without, the next
    /// alternative is tried.
    pub fn first(&self, spec: &Spec, strict: bool) -> Result<Option<String>, Unreadable> {
        for template in &spec.0 {
            match self.resolve(template) {
                Found::Value(v) => return Ok(Some(v)),
                Found::Absent => {}
                Found::Unreadable(u) if strict => return Err(u),
                Found::Unreadable(_) => {}
            }
        }
        Ok(None)
    }

    /// The first alternative's value, unreadable ones skipped.
    pub fn soft(&self, spec: &Spec) -> Option<String> {
        self.first(spec, false).ok().flatten()
    }

    pub fn resolve(&self, template: &Template) -> Found {
        let mut out = String::new();
        for part in &template.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Hole(hole) => match self.hole(hole) {
                    Found::Value(v) => out.push_str(&v),
                    other => return other,
                },
            }
        }
        Found::Value(out)
    }

    /// A template naming a file: its holes must not climb out of the store
    /// or into other folders.
    fn file_name(&self, hole: &Hole) -> Result<String, Found> {
        let Some(template) = &hole.file else {
            return self.default_file.clone().ok_or(Found::Absent);
        };
        let mut name = String::new();
        for part in &template.parts {
            match part {
                Part::Text(t) => name.push_str(t),
                Part::Hole(inner) => match self.hole(inner) {
                    Found::Value(v)
                        if v.is_empty() || v.contains(['/', '\\', '\0']) || v == ".." =>
                    {
                        return Err(Found::Unreadable(Unreadable {
                            file: self.root.join(template.source()),
                            lookup: inner.source.clone(),
                            why: format!(
                                "names the file part '{v}', which is not a plain file name"
                            ),
                        }))
                    }
                    Found::Value(v) => name.push_str(&v),
                    other => return Err(other),
                },
            }
        }
        Ok(name)
    }

    fn hole(&self, hole: &Hole) -> Found {
        if let Lookup::Exists(path) = &hole.lookup {
            let found = if self.root.join(path).exists() {
                Found::Value(String::new())
            } else {
                Found::Absent
            };
            return transform(found, &hole.transforms);
        }
        let file = match self.file_name(hole) {
            Ok(f) => f,
            Err(found) => return found,
        };
        let path = self.root.join(&file);
        let unreadable = |why: String| {
            Found::Unreadable(Unreadable {
                file: path.clone(),
                lookup: hole.source.clone(),
                why,
            })
        };
        if let Lookup::Name = hole.lookup {
            let stem = Path::new(&file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            return transform(stem.map_or(Found::Absent, Found::Value), &hole.transforms);
        }
        let loaded = self.load(&path, format_of(&hole.lookup));
        let found = match &*loaded {
            Loaded::Missing => Found::Absent,
            Loaded::Broken(why) => unreadable(format!("cannot be read: {why}")),
            Loaded::Php(php) => php_lookup(php, &hole.lookup),
            Loaded::Tree(tree) => match &hole.lookup {
                Lookup::Ini(path) | Lookup::Json(path) => walk(Some(tree), &path.0),
                _ => Found::Absent,
            },
            Loaded::Xml(root) => match &hole.lookup {
                Lookup::Xml(path) => xml_lookup(root, path),
                _ => Found::Absent,
            },
            Loaded::Env(env) => match &hole.lookup {
                Lookup::Env(name) => match env.get(name) {
                    Some(Some(v)) => Found::Value(v.to_string()),
                    Some(None) => Found::Unreadable(Unreadable {
                        file: PathBuf::new(),
                        lookup: String::new(),
                        why: "refers to a variable of the web server's environment or to a \
                              shell command, which cartbridge cannot see"
                            .into(),
                    }),
                    None => Found::Absent,
                },
                _ => Found::Absent,
            },
            Loaded::Text(text) => Found::Value(text.clone()),
        };
        let found = match found {
            // Readers leave the file and the lookup for this function to name.
            Found::Unreadable(u) if u.lookup.is_empty() => unreadable(u.why),
            other => other,
        };
        transform(found, &hole.transforms)
    }

    fn load(&self, path: &Path, format: Format) -> Rc<Loaded> {
        let key = (path.to_path_buf(), format);
        if let Some(loaded) = self.cache.borrow().get(&key) {
            return loaded.clone();
        }
        let loaded = Rc::new(load_file(path, format));
        self.cache.borrow_mut().insert(key, loaded.clone());
        loaded
    }
}

fn format_of(lookup: &Lookup) -> Format {
    match lookup {
        Lookup::Ini(_) => Format::Ini,
        Lookup::Json(_) => Format::Json,
        Lookup::Xml(_) => Format::Xml,
        Lookup::Env(_) => Format::Env,
        Lookup::Text | Lookup::Exists(_) | Lookup::Name => Format::Text,
        _ => Format::Php,
    }
}

/// Reads a file; a missing file is `Missing`, not an error.
pub fn read_file(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    if metadata.is_dir() {
        return Ok(None);
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(format!("it is larger than {} bytes", MAX_FILE_BYTES));
    }
    std::fs::read(path).map(Some).map_err(|e| e.to_string())
}

fn load_file(path: &Path, format: Format) -> Loaded {
    let bytes = match read_file(path) {
        Ok(Some(b)) => b,
        Ok(None) => return Loaded::Missing,
        Err(e) => return Loaded::Broken(e),
    };
    match format {
        Format::Php => Loaded::Php(PhpFile::parse_bytes(&bytes, path)),
        Format::Ini => Loaded::Tree(ini::parse(&bytes)),
        Format::Json => match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(v) => Loaded::Tree(json_to_php(&v, 0)),
            Err(e) => Loaded::Broken(format!("it is not valid JSON: {e}")),
        },
        Format::Xml => match xml::parse(&bytes) {
            Ok(root) => Loaded::Xml(root),
            Err(e) => Loaded::Broken(e),
        },
        Format::Env => load_env(path, &bytes),
        Format::Text => Loaded::Text(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// `.env.local` and other `.env.*` files are read over the `.env` beside
/// them, as Symfony does, so they may refer to its variables.
fn load_env(path: &Path, bytes: &[u8]) -> Loaded {
    let mut env = dotenv::Env::default();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    if name.is_some_and(|n| n.starts_with(".env.")) {
        if let Some(base) = path.parent().map(|p| p.join(".env")) {
            match read_file(&base) {
                Ok(Some(b)) => {
                    if let Err(e) = env.load(&b) {
                        return Loaded::Broken(format!("{}: {e}", base.display()));
                    }
                }
                Ok(None) => {}
                Err(e) => return Loaded::Broken(format!("{}: {e}", base.display())),
            }
        }
    }
    match env.load(bytes) {
        Ok(()) => Loaded::Env(env),
        Err(e) => Loaded::Broken(e),
    }
}

/// JSON as the PHP array `json_decode($s, true)` gives; deep documents are
/// cut off (`Unknown`) rather than recursed into.
fn json_to_php(value: &serde_json::Value, depth: usize) -> PhpValue {
    use serde_json::Value as J;
    if depth > 64 {
        return PhpValue::Unknown;
    }
    match value {
        J::Null => PhpValue::Null,
        J::Bool(b) => PhpValue::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map(PhpValue::Int)
            .or_else(|| n.as_f64().map(PhpValue::Float))
            .unwrap_or(PhpValue::Unknown),
        J::String(s) => PhpValue::Str(s.clone()),
        J::Array(items) => PhpValue::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (PhpKey::Int(i as i64), json_to_php(v, depth + 1)))
                .collect(),
        ),
        J::Object(map) => PhpValue::Array(
            map.iter()
                .map(|(k, v)| (PhpKey::from(k.as_str()), json_to_php(v, depth + 1)))
                .collect(),
        ),
    }
}

fn class_filter(class: &str) -> Option<&str> {
    Some(class).filter(|c| *c != "*")
}

fn php_lookup(file: &PhpFile, lookup: &Lookup) -> Found {
    match lookup {
        Lookup::Define(name) => scalar(file.define(name)),
        Lookup::Var(name, path) => walk(file.variable(name), &path.0),
        Lookup::Return(path) => walk(file.returned(), &path.0),
        Lookup::Property(class, name, path) => {
            walk(file.property(class_filter(class), name), &path.0)
        }
        Lookup::Const(class, name) => scalar(file.class_constant(class_filter(class), name)),
        Lookup::Method(class, name, path) => {
            walk(file.method_return(class_filter(class), name), &path.0)
        }
        Lookup::Call(function) => scalar(file.call_argument(function)),
        _ => Found::Absent,
    }
}

fn scalar(value: Option<&PhpValue>) -> Found {
    walk(value, &[])
}

/// Follows a key path; the end must be a scalar.
fn walk(value: Option<&PhpValue>, steps: &[Step]) -> Found {
    let mut current = match value {
        Some(v) => v,
        None => return Found::Absent,
    };
    for step in steps {
        if current.is_unknown() {
            break;
        }
        let next = match step {
            Step::Key(key) => current.get(key),
            Step::Select(key, wanted) => current.as_array().and_then(|items| {
                items.iter().map(|(_, v)| v).find(|item| {
                    item.get(key)
                        .and_then(PhpValue::to_php_string)
                        .is_some_and(|v| v == *wanted)
                })
            }),
        };
        match next {
            Some(v) => current = v,
            None => return Found::Absent,
        }
    }
    if current.is_unknown() {
        return Found::Unreadable(Unreadable {
            file: PathBuf::new(),
            lookup: String::new(),
            why: COMPUTED.into(),
        });
    }
    current.to_php_string().map_or(Found::Absent, Found::Value)
}

fn xml_lookup(root: &xml::Element, path: &XmlPath) -> Found {
    let mut current = root;
    for (name, filter) in &path.steps {
        let next = current.children.iter().find(|c| {
            c.name == *name
                && filter
                    .as_ref()
                    .is_none_or(|(attr, value)| c.attribute(attr) == Some(value.as_str()))
        });
        match next {
            Some(e) => current = e,
            None => return Found::Absent,
        }
    }
    match &path.attribute {
        Some(attr) => current
            .attribute(attr)
            .map_or(Found::Absent, |v| Found::Value(v.to_string())),
        None => Found::Value(current.text.clone()),
    }
}

fn transform(found: Found, transforms: &[Transform]) -> Found {
    let mut value = match found {
        Found::Value(v) => v,
        other => return other,
    };
    for t in transforms {
        let next = match t {
            Transform::After(mark) => value
                .find(mark.as_str())
                .map(|i| value[i + mark.len()..].to_string()),
            Transform::AfterLast(mark) => value
                .rfind(mark.as_str())
                .map(|i| value[i + mark.len()..].to_string()),
            Transform::BeforeLast(mark) => {
                value.rfind(mark.as_str()).map(|i| value[..i].to_string())
            }
            Transform::UrlDecode => Some(url::decode(&value, true)),
            Transform::TrimStart(chars) => {
                Some(value.trim_start_matches(|c| chars.contains(c)).to_string())
            }
            Transform::Skip(n) => Some(value.chars().skip(*n).collect()),
            Transform::First(n) => Some(value.chars().take(*n).collect()),
            Transform::Remove(text) => Some(value.replace(text.as_str(), "")),
            Transform::NoSpaces => Some(value.replace([' ', '\n'], "")),
            Transform::Trim => Some(value.trim().to_string()),
            Transform::Upper => Some(value.to_uppercase()),
            Transform::Lower => Some(value.to_lowercase()),
            Transform::VersionText => version_text(&value),
            Transform::Number => number(&value),
            Transform::ExactVersion => is_exact_version(&value).then(|| value.clone()),
            Transform::SetNames => set_names(&value),
            Transform::NonEmpty => (!value.is_empty()).then(|| value.clone()),
            Transform::Url {
                part,
                plus_is_space,
            } => url::split(&value)
                .and_then(|u| u.part(part).map(|p| url::decode(p, *plus_is_space))),
        };
        match next {
            Some(v) => value = v,
            None => return Found::Absent,
        }
    }
    Found::Value(value)
}

/// osCommerce's reading of a version text (`'osCommerce 2.2-MS2'` →
/// `2.2ms2`): from the first digit on, without spaces, `-`, `_`, quotes and
/// parentheses, lower-cased.
fn version_text(value: &str) -> Option<String> {
    let start = value.find(|c: char| c.is_ascii_digit())?;
    let line = value[start..].lines().next().unwrap_or_default();
    let kept: String = line
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '\'' | ')' | ';'))
        .collect();
    Some(kept.to_lowercase()).filter(|v| !v.is_empty())
}

/// The first run of digits and dots (`v6.6.7.1` → `6.6.7.1`).
fn number(value: &str) -> Option<String> {
    let start = value.find(|c: char| c.is_ascii_digit())?;
    let run: String = value[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    Some(run)
}

/// A composer requirement that names one version (`2.4.6-p1`), not a
/// constraint (`^2.4`, `2.4.*`, `>=2.4 <2.5`, `2.4.6 || 2.4.7`).
fn is_exact_version(value: &str) -> bool {
    let v = value.strip_prefix('v').unwrap_or(value);
    v.starts_with(|c: char| c.is_ascii_digit())
        && !v.contains(['^', '*', '<', '>', '=', '~', '|', ' ', ','])
}

/// The charset of a `SET NAMES x;` statement.
fn set_names(value: &str) -> Option<String> {
    let lower = value.to_ascii_lowercase();
    let at = lower.find("set names")?;
    let rest = value[at + "set names".len()..].trim_start();
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Some(name).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(texts: &[&str]) -> Spec {
        Spec(texts.iter().map(|t| Template::parse(t).unwrap()).collect())
    }

    fn store(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        }
        dir
    }

    #[test]
    fn templates_are_checked_when_loaded() {
        for bad in [
            "{define}",
            "{nonsense X}",
            "{define X | frobnicate}",
            "{var}",
            "{define X",
            "x}",
            "{return a..b}",
            "{json a.[k]}",
            "{define X | url socket}",
            "{const C}",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad} was accepted");
        }
        assert!(Template::parse("pub/media/{exists pub/media}").is_ok());
        assert!(Template::parse(
            "{xml DBSETTINGS@DB_NAME in dblist/{xml FRONTEND@dbkey in kernel/wbs.xml | upper}.xml}"
        )
        .is_ok());
    }

    #[test]
    fn php_lookups_alternatives_and_transforms() {
        let dir = store(&[
            ("config.php", "<?php\ndefine('DB_HOST', getenv('H'));\n$table_prefix = 'wp_';\n$glob['dbhost'] = 'db:3307';\nclass JConfig { public $host = 'j'; }\nclass ShopVersion { public static function getVersion() { return 'v6.5.2'; } }\n"),
            ("env.php", "<?php return ['db' => ['connection' => ['indexer' => ['active' => '0', 'host' => 'i'], 'default' => ['active' => 1, 'host' => 'd', 'initStatements' => 'SET NAMES utf8;']]]];\n"),
        ]);
        let r = Reader::new(dir.path(), Some("config.php".into()));
        assert_eq!(
            r.first(&spec(&["{var table_prefix}"]), true),
            Ok(Some("wp_".into()))
        );
        assert_eq!(
            r.first(&spec(&["{var glob.dbhost}"]), true),
            Ok(Some("db:3307".into()))
        );
        assert_eq!(
            r.first(&spec(&["{property JConfig.host}"]), true),
            Ok(Some("j".into()))
        );
        assert_eq!(
            r.first(
                &spec(&["{method ShopVersion.getVersion | trim-start v}"]),
                true
            ),
            Ok(Some("6.5.2".into()))
        );
        assert_eq!(
            r.first(&spec(&["{define NOPE}", "fallback"]), true),
            Ok(Some("fallback".into()))
        );
        let err = r
            .first(&spec(&["{define DB_HOST}", "localhost"]), true)
            .unwrap_err();
        assert!(err.to_string().contains("define DB_HOST"), "{err}");
        assert!(err.to_string().contains("config.php"), "{err}");
        assert_eq!(
            r.first(&spec(&["{define DB_HOST}", "localhost"]), false),
            Ok(Some("localhost".into()))
        );
        let host = spec(&["{return db.connection.[active=1].host in env.php}"]);
        assert_eq!(r.first(&host, true), Ok(Some("d".into())));
        let charset =
            spec(&["{return db.connection.default.initStatements in env.php | set-names}"]);
        assert_eq!(r.first(&charset, true), Ok(Some("utf8".into())));
    }

    #[test]
    fn file_names_from_values_cannot_leave_their_folder() {
        let dir = store(&[(
            "kernel/wbs.xml",
            "<WBS><FRONTEND dbkey='../../etc/passwd'/></WBS>",
        )]);
        let r = Reader::new(dir.path(), None);
        let found = r.resolve(
            &Template::parse(
                "{xml DBSETTINGS@DB_NAME in dblist/{xml FRONTEND@dbkey in kernel/wbs.xml}.xml}",
            )
            .unwrap(),
        );
        assert!(matches!(found, Found::Unreadable(_)), "{found:?}");
    }

    #[test]
    fn small_transforms() {
        assert_eq!(
            version_text("osCommerce 2.2-MS2").as_deref(),
            Some("2.2ms2")
        );
        assert_eq!(
            version_text("osCommerce Online Merchant v2.3").as_deref(),
            Some("2.3")
        );
        assert_eq!(number("v6.6.7.1@abc").as_deref(), Some("6.6.7.1"));
        assert!(is_exact_version("2.4.6-p1"));
        assert!(!is_exact_version("^2.4"));
        assert!(!is_exact_version("2.4.*"));
        assert_eq!(set_names("SET NAMES utf8mb4;").as_deref(), Some("utf8mb4"));
    }
}
