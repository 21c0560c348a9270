//! Reads values out of PHP configuration files without running PHP.
//!
//! Shop platforms keep their database settings in PHP source: `define()` calls, variable
//! assignments, class property defaults and arrays returned by the file. This module is a small
//! but real PHP front end for that job: a tokenizer for the subset of PHP such files use and a
//! tiny evaluator of constant expressions. It walks the statements of a file in order, the way PHP
//! would run them when the file is included, and records what they define:
//!
//! * constants from `define('NAME', expr)` and top-level `const NAME = expr;` (the first
//!   definition wins, as in PHP);
//! * variables from `$var = expr;`, `$arr['k'][] = expr;` (later assignments win; arrays assigned
//!   piecewise are merged into one array);
//! * the value of the top-level `return expr;` (Magento 2 `env.php`, PrestaShop 1.7
//!   `parameters.php`, Shopware 5 `config.php`);
//! * class property defaults (`public $host = '…';`, Joomla `JConfig`), class constants and
//!   `$this->name = expr;` assignments (Oxid `config.inc.php`).
//!
//! Expressions are evaluated when their operands are literals or known constants/variables:
//! array literals, `.`, arithmetic, comparisons, `!`/`&&`/`||`, casts, `__DIR__`, `__FILE__`,
//! `dirname()`, `constant()`, `defined()`. Anything that needs the running application —
//! `getenv()`, other function and method calls, objects, included files, interpolated strings —
//! evaluates to [`PhpValue::Unknown`] instead of a guess. Three rules decide the rest:
//!
//! * Code known not to run has no effect (`if (false)`, loop and function bodies, the untaken
//!   side of `&&`, `||`, `?:`); code under a condition that cannot be evaluated counts as run.
//! * `a ?: b` and `a ?? b` give `b` when `a` is unknown (the usual "environment or default").
//! * `defined('X')` is true once `X` is defined, otherwise unknown (the including code may have
//!   defined it).
//!
//! Parsing never fails and never panics: a statement that cannot be understood is skipped up to
//! the next `;` at its nesting level and the rest of the file is still read. Nesting depth and
//! the amount of data copied between values are bounded, so hostile input can exhaust neither
//! the stack nor memory.
//!
//! Source text is taken as bytes ([`PhpFile::parse_bytes`]): PHP itself is byte oriented and
//! configuration files are not always UTF-8. Bytes outside string literals only matter as
//! identifier characters; string values are converted to `String` lossily (invalid UTF-8 becomes
//! U+FFFD).
//!
//! Predefined constants assume a Unix host: `DIRECTORY_SEPARATOR` is `/`, `PHP_EOL` is `\n`.
//! `__FILE__` and `__DIR__` are derived from the path handed to the parser, which should be the
//! absolute path of the file as PHP would see it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// How deeply statements and expressions may nest before the parser gives up on a statement.
/// Real configuration files nest a few levels; the bound protects the stack.
const MAX_DEPTH: usize = 64;
/// How deeply arrays may nest; deeper values become `Unknown`. Keeps the recursion in `Clone`,
/// `Drop` and comparisons of values bounded.
const MAX_VALUE_DEPTH: usize = 64;
/// How many bytes of value data reads of variables and constants may copy in total. Copying
/// is how a short file could build huge values (`$s = $s . $s;` repeated); past the budget,
/// reads are `Unknown`. Real configuration files use a tiny fraction of it.
const VALUE_BUDGET: usize = 8 << 20;
/// The longest string a concatenation may build.
const MAX_STRING: usize = 1 << 24;
/// Binding power of an assignment's right-hand side: everything but `and`, `or` and `xor`.
const ASSIGN_RHS: u8 = 4;

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/// A PHP value as far as it can be known without running the application.
#[derive(Debug, Clone, PartialEq)]
pub enum PhpValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// An ordered PHP array.
    Array(Vec<(PhpKey, PhpValue)>),
    /// The value depends on run time (environment, function calls, included files, …).
    Unknown,
}

/// A PHP array key. PHP stores integer-looking string keys (`"8"`, `"-3"`) as integers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PhpKey {
    Int(i64),
    Str(String),
}

impl From<&str> for PhpKey {
    /// Applies PHP's key normalisation: a canonical decimal integer string becomes `Int`.
    fn from(key: &str) -> PhpKey {
        if is_canonical_int(key) {
            if let Ok(i) = key.parse() {
                return PhpKey::Int(i);
            }
        }
        PhpKey::Str(key.to_owned())
    }
}

impl PhpKey {
    /// The key PHP uses when `value` appears in `[value => …]`; `None` when it cannot be known
    /// (or PHP would reject it).
    fn from_value(value: &PhpValue) -> Option<PhpKey> {
        match value {
            PhpValue::Int(i) => Some(PhpKey::Int(*i)),
            PhpValue::Str(s) => Some(PhpKey::from(s.as_str())),
            PhpValue::Bool(b) => Some(PhpKey::Int(i64::from(*b))),
            PhpValue::Null => Some(PhpKey::Str(String::new())),
            PhpValue::Float(f) => float_to_int(*f).map(PhpKey::Int),
            PhpValue::Array(_) | PhpValue::Unknown => None,
        }
    }
}

/// `"0"`, `"42"`, `"-7"`, but not `"042"`, `"-0"`, `"+1"` or `" 1"`.
fn is_canonical_int(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    all_digits && (!digits.starts_with('0') || (digits == "0" && s == "0"))
}

impl PhpValue {
    /// The string, if this is a string value (no conversion).
    #[cfg(test)]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PhpValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// PHP's conversion of a scalar to string: `Int(3306)` → `"3306"`, `Bool(true)` → `"1"`,
    /// `Bool(false)` and `Null` → `""`, floats as `echo` prints them. `None` for arrays and
    /// unknown values.
    pub fn to_php_string(&self) -> Option<String> {
        match self {
            PhpValue::Null => Some(String::new()),
            PhpValue::Bool(b) => Some(if *b { "1" } else { "" }.to_owned()),
            PhpValue::Int(i) => Some(i.to_string()),
            PhpValue::Float(f) => Some(float_to_php_string(*f)),
            PhpValue::Str(s) => Some(s.clone()),
            PhpValue::Array(_) | PhpValue::Unknown => None,
        }
    }

    /// PHP's conversion to boolean (`""`, `"0"`, `0`, `0.0`, `null` and `[]` are false);
    /// `None` for unknown values.
    pub fn to_bool(&self) -> Option<bool> {
        match self {
            PhpValue::Null => Some(false),
            PhpValue::Bool(b) => Some(*b),
            PhpValue::Int(i) => Some(*i != 0),
            PhpValue::Float(f) => Some(*f != 0.0),
            PhpValue::Str(s) => Some(!(s.is_empty() || s == "0")),
            PhpValue::Array(items) => Some(!items.is_empty()),
            PhpValue::Unknown => None,
        }
    }

    /// Whether the value depends on run time.
    pub fn is_unknown(&self) -> bool {
        matches!(self, PhpValue::Unknown)
    }

    /// The entries, if this is an array.
    pub fn as_array(&self) -> Option<&[(PhpKey, PhpValue)]> {
        match self {
            PhpValue::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Array lookup; `key` is normalised like PHP does, so `"3"` finds the integer key 3.
    pub fn get(&self, key: &str) -> Option<&PhpValue> {
        self.lookup(&PhpKey::from(key))
    }

    /// Nested array lookup: `path(&["db", "connection", "default"])`.
    #[cfg(any(test, fuzzing))]
    pub fn path(&self, keys: &[&str]) -> Option<&PhpValue> {
        keys.iter().try_fold(self, |value, key| value.get(key))
    }

    fn lookup(&self, key: &PhpKey) -> Option<&PhpValue> {
        let items = self.as_array()?;
        items.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

// ---------------------------------------------------------------------------------------------
// The parsed file
// ---------------------------------------------------------------------------------------------

/// What a PHP file defines when it is included, as far as that can be known statically.
#[derive(Debug, Clone, Default)]
pub struct PhpFile {
    defines: BTreeMap<String, PhpValue>,
    variables: BTreeMap<String, PhpValue>,
    returned: Option<PhpValue>,
    properties: Vec<Member>,
    class_constants: Vec<Member>,
    /// What methods return: the first `return` of each method body.
    method_returns: Vec<Member>,
    /// The first argument of the first top-level call of each function that
    /// is not evaluated (`date_default_timezone_set('Europe/Berlin')`), by
    /// lower-case name.
    calls: Vec<(String, PhpValue)>,
}

/// A class property or class constant. `class` is `None` for `$this->x = …` outside a class
/// (a file included from inside a method, like Oxid's `config.inc.php`).
#[derive(Debug, Clone)]
struct Member {
    class: Option<String>,
    name: String,
    value: PhpValue,
}

impl PhpFile {
    /// Parses PHP source given as text. Never fails; see [`PhpFile::parse_bytes`].
    #[cfg(test)]
    pub fn parse(source: &str, file_path: &Path) -> PhpFile {
        PhpFile::parse_bytes(source.as_bytes(), file_path)
    }

    /// Parses PHP source given as raw bytes (configuration files are not always UTF-8; string
    /// values are converted lossily). `file_path` is what `__FILE__` and `__DIR__` evaluate
    /// from. Never fails: what cannot be understood is left out or recorded as `Unknown`.
    pub fn parse_bytes(source: &[u8], file_path: &Path) -> PhpFile {
        Parser::new(source, file_path).run()
    }

    /// A constant set by `define()` or a top-level `const` (case-sensitive; constants declared
    /// with `const` inside a namespace are found under `Namespace\NAME`).
    pub fn define(&self, name: &str) -> Option<&PhpValue> {
        self.defines.get(name)
    }

    /// A top-level variable, named with or without the leading `$`.
    pub fn variable(&self, name: &str) -> Option<&PhpValue> {
        self.variables.get(name.strip_prefix('$').unwrap_or(name))
    }

    /// The value of the file's top-level `return`: the first one that may run (a later one
    /// replaces it only if its value was unknown). Reading stops at a `return` that always runs.
    pub fn returned(&self) -> Option<&PhpValue> {
        self.returned.as_ref()
    }

    /// A property default or `$this->name = …` assignment. `class` is matched
    /// case-insensitively; `None` matches any class and assignments made outside a class.
    pub fn property(&self, class: Option<&str>, name: &str) -> Option<&PhpValue> {
        find_member(
            &self.properties,
            class,
            name.strip_prefix('$').unwrap_or(name),
        )
    }

    /// A class constant (`const VERSION = '1.2';` inside a class); `class` as in
    /// [`PhpFile::property`].
    pub fn class_constant(&self, class: Option<&str>, name: &str) -> Option<&PhpValue> {
        find_member(&self.class_constants, class, name)
    }

    /// The value the method's first `return` gives (`public static function
    /// getVersion() { return '6.5.2'; }`); `class` as in [`PhpFile::property`].
    pub fn method_return(&self, class: Option<&str>, name: &str) -> Option<&PhpValue> {
        find_member(&self.method_returns, class, name)
    }

    /// The first argument of the first top-level call of `function` (a call
    /// whose result the parser does not compute), e.g. the zone of
    /// `date_default_timezone_set('Europe/Berlin')`.
    pub fn call_argument(&self, function: &str) -> Option<&PhpValue> {
        let function = function.to_ascii_lowercase();
        self.calls
            .iter()
            .find(|(name, _)| *name == function)
            .map(|(_, v)| v)
    }

    /// All constants, sorted by name (the fuzz targets read them back).
    #[cfg(fuzzing)]
    pub fn defines(&self) -> impl Iterator<Item = (&str, &PhpValue)> {
        self.defines.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// All top-level variables, sorted by name (without `$`).
    #[cfg(fuzzing)]
    pub fn variables(&self) -> impl Iterator<Item = (&str, &PhpValue)> {
        self.variables.iter().map(|(k, v)| (k.as_str(), v))
    }
}

fn find_member<'m>(members: &'m [Member], class: Option<&str>, name: &str) -> Option<&'m PhpValue> {
    let class_matches = |m: &Member| {
        class.is_none_or(|c| {
            m.class
                .as_deref()
                .is_some_and(|mc| mc.eq_ignore_ascii_case(c))
        })
    };
    let member = members
        .iter()
        .find(|m| m.name == name && class_matches(m))?;
    Some(&member.value)
}

/// Lookup used while parsing: `None` means "outside any class", not "any class".
fn find_member_exact<'m>(
    members: &'m [Member],
    class: Option<&str>,
    name: &str,
) -> Option<&'m PhpValue> {
    let member = members
        .iter()
        .find(|m| m.name == name && same_class(m.class.as_deref(), class))?;
    Some(&member.value)
}

fn same_class(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    }
}

fn record_member(members: &mut Vec<Member>, class: Option<String>, name: String, value: PhpValue) {
    let existing = members
        .iter_mut()
        .find(|m| m.name == name && same_class(m.class.as_deref(), class.as_deref()));
    match existing {
        Some(member) => member.value = value,
        None => members.push(Member { class, name, value }),
    }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A keyword or a (possibly namespace-qualified) name.
    Name(String),
    /// `$name`, stored without the `$`.
    Var(String),
    Int(i64),
    Float(f64),
    /// A string literal; `None` when its value needs run time (interpolation, shell command)
    /// or PHP would reject it.
    Str(Option<Vec<u8>>),
    /// `(int)`, `(string)`, …, normalised to one name per kind.
    Cast(&'static str),
    Op(&'static str),
    /// Something PHP would not accept (unterminated string, stray byte, bad number).
    Bad,
    Eof,
}

struct Token {
    tok: Tok,
    /// Byte offset in the source (for `__LINE__`).
    at: usize,
}

/// Operators, longest first so that the first match is the longest.
const OPERATORS: &[&str] = &[
    "<<=", ">>=", "**=", "...", "<=>", "===", "!==", "??=", "?->", "=>", "==", "!=", "<>", "<=",
    ">=", "&&", "||", "??", "::", "->", "++", "--", "+=", "-=", "*=", "/=", ".=", "%=", "&=", "|=",
    "^=", "<<", ">>", "**", ";", ",", "(", ")", "[", "]", "{", "}", "=", ".", "?", ":", "+", "-",
    "*", "/", "%", "!", "<", ">", "&", "|", "^", "~", "@", "$", "\\",
];

/// Splits source into tokens; the result always ends with `Tok::Eof`.
fn tokenize(src: &[u8]) -> Vec<Token> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        out: Vec::new(),
    };
    while lexer.skip_inline_html() {
        lexer.lex_php();
    }
    lexer.out.push(Token {
        tok: Tok::Eof,
        at: src.len(),
    });
    lexer.out
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Length of the PHP open tag at the start of `rest`, including the one whitespace character
/// PHP swallows after `<?php`.
fn open_tag_len(rest: &[u8]) -> Option<usize> {
    if rest.len() >= 5 && rest[..5].eq_ignore_ascii_case(b"<?php") {
        match rest.get(5) {
            None => return Some(5),
            Some(b'\r') if rest.get(6) == Some(&b'\n') => return Some(7),
            Some(b' ' | b'\t' | b'\n' | b'\r') => return Some(6),
            _ => {}
        }
    }
    if rest.starts_with(b"<?=") {
        return Some(3);
    }
    // Short open tag; only when followed by whitespace so that `<?xml` is not taken for code.
    match rest.get(2) {
        Some(b' ' | b'\t' | b'\n' | b'\r') if rest.starts_with(b"<?") => Some(2),
        _ => None,
    }
}

struct Lexer<'s> {
    src: &'s [u8],
    pos: usize,
    out: Vec<Token>,
}

impl Lexer<'_> {
    fn byte(&self, i: usize) -> Option<u8> {
        self.src.get(i).copied()
    }

    fn rest(&self) -> &[u8] {
        &self.src[self.pos.min(self.src.len())..]
    }

    /// Skips text outside `<?php … ?>`; returns whether an open tag was found.
    fn skip_inline_html(&mut self) -> bool {
        while self.pos < self.src.len() {
            if let Some(len) = open_tag_len(&self.src[self.pos..]) {
                self.pos += len;
                return true;
            }
            self.pos += 1;
        }
        false
    }

    /// Lexes code up to the closing tag or the end of input.
    fn lex_php(&mut self) {
        loop {
            self.skip_trivia();
            if self.pos >= self.src.len() {
                return;
            }
            let at = self.pos;
            if self.rest().starts_with(b"?>") {
                // The closing tag ends a statement like `;` does.
                self.out.push(Token {
                    tok: Tok::Op(";"),
                    at,
                });
                self.pos += 2;
                return;
            }
            if self.rest().starts_with(b"#[") {
                self.skip_attribute();
                continue;
            }
            let tok = self.next_token();
            self.out.push(Token { tok, at });
        }
    }

    /// Skips whitespace and comments (but not `#[`, which starts an attribute).
    fn skip_trivia(&mut self) {
        while let Some(c) = self.byte(self.pos) {
            match (c, self.byte(self.pos + 1)) {
                (b' ' | b'\t' | b'\n' | b'\r', _) => self.pos += 1,
                (b'#', Some(b'[')) => return,
                (b'#', _) | (b'/', Some(b'/')) => self.skip_line_comment(),
                (b'/', Some(b'*')) => self.skip_block_comment(),
                _ => return,
            }
        }
    }

    /// A `//` or `#` comment ends at the end of the line or just before `?>`.
    fn skip_line_comment(&mut self) {
        while let Some(c) = self.byte(self.pos) {
            if c == b'\n' || c == b'\r' || self.rest().starts_with(b"?>") {
                return;
            }
            self.pos += 1;
        }
    }

    fn skip_block_comment(&mut self) {
        match find(&self.src[self.pos + 2..], b"*/") {
            Some(end) => self.pos += end + 4,
            None => self.pos = self.src.len(),
        }
    }

    /// Skips a PHP 8 attribute `#[…]` with nested brackets. If it never closes, it was a
    /// PHP 7 style `#` comment that happens to start with `[`.
    fn skip_attribute(&mut self) {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1usize;
        while depth > 0 {
            self.skip_trivia();
            if self.pos >= self.src.len() || self.rest().starts_with(b"?>") {
                self.pos = start;
                self.skip_line_comment();
                return;
            }
            if self.rest().starts_with(b"#[") {
                self.pos += 2;
                depth += 1;
                continue;
            }
            match self.next_token() {
                Tok::Op("[") => depth += 1,
                Tok::Op("]") => depth -= 1,
                _ => {}
            }
        }
    }

    fn next_token(&mut self) -> Tok {
        let c = self.src[self.pos];
        let next = self.byte(self.pos + 1);
        if c == b'$' && next.is_some_and(is_ident_start) {
            self.pos += 1;
            return Tok::Var(self.lex_ident());
        }
        if is_ident_start(c) || (c == b'\\' && next.is_some_and(is_ident_start)) {
            return Tok::Name(self.lex_name());
        }
        if c.is_ascii_digit() || (c == b'.' && next.is_some_and(|b| b.is_ascii_digit())) {
            return self.lex_number();
        }
        match c {
            b'\'' => return self.lex_single_quoted(),
            b'"' | b'`' => return self.lex_double_quoted(c),
            b'(' => {
                if let Some(cast) = self.lex_cast() {
                    return cast;
                }
            }
            b'<' if self.rest().starts_with(b"<<<") => {
                if let Some(heredoc) = self.lex_heredoc() {
                    return heredoc;
                }
            }
            _ => {}
        }
        self.lex_operator()
    }

    fn lex_ident(&mut self) -> String {
        let start = self.pos;
        while self.byte(self.pos).is_some_and(is_ident_char) {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.src[start..self.pos]).into_owned()
    }

    /// A name, possibly qualified: `Foo`, `\Foo\Bar`, `namespace\Foo`.
    fn lex_name(&mut self) -> String {
        let start = self.pos;
        if self.src[self.pos] == b'\\' {
            self.pos += 1;
        }
        loop {
            while self.byte(self.pos).is_some_and(is_ident_char) {
                self.pos += 1;
            }
            let qualified = self.byte(self.pos) == Some(b'\\')
                && self.byte(self.pos + 1).is_some_and(is_ident_start);
            if !qualified {
                break;
            }
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.src[start..self.pos]).into_owned()
    }

    fn lex_operator(&mut self) -> Tok {
        let rest = self.rest();
        match OPERATORS.iter().find(|op| rest.starts_with(op.as_bytes())) {
            Some(op) => {
                self.pos += op.len();
                Tok::Op(if *op == "<>" { "!=" } else { op })
            }
            None => {
                self.pos += 1;
                Tok::Bad
            }
        }
    }

    /// `( int )`-style casts; PHP only allows spaces and tabs inside the parentheses.
    fn lex_cast(&mut self) -> Option<Tok> {
        let mut i = self.pos + 1;
        let skip_blanks = |mut i: usize| {
            while matches!(self.byte(i), Some(b' ' | b'\t')) {
                i += 1;
            }
            i
        };
        i = skip_blanks(i);
        let word_start = i;
        while self.byte(i).is_some_and(|b| b.is_ascii_alphabetic()) {
            i += 1;
        }
        let word = self.src[word_start..i].to_ascii_lowercase();
        i = skip_blanks(i);
        if self.byte(i) != Some(b')') {
            return None;
        }
        let kind = match word.as_slice() {
            b"int" | b"integer" => "int",
            b"bool" | b"boolean" => "bool",
            b"float" | b"double" | b"real" => "float",
            b"string" | b"binary" => "string",
            b"array" => "array",
            b"object" => "object",
            b"unset" => "unset",
            _ => return None,
        };
        self.pos = i + 1;
        Some(Tok::Cast(kind))
    }

    fn lex_number(&mut self) -> Tok {
        let radix = match (self.byte(self.pos), self.byte(self.pos + 1)) {
            (Some(b'0'), Some(b'x' | b'X')) => 16,
            (Some(b'0'), Some(b'b' | b'B')) => 2,
            (Some(b'0'), Some(b'o' | b'O')) => 8,
            _ => 10,
        };
        let prefixed_digit = self
            .byte(self.pos + 2)
            .and_then(|b| char::from(b).to_digit(radix));
        if radix != 10 && prefixed_digit.is_some() {
            self.pos += 2;
            let start = self.pos;
            self.skip_digits(|b| char::from(b).is_digit(radix));
            return radix_number(&self.text_without_underscores(start), radix);
        }
        self.lex_decimal()
    }

    /// Decimal integers, legacy octal (`0755`) and floats.
    fn lex_decimal(&mut self) -> Tok {
        let start = self.pos;
        self.skip_digits(|b| b.is_ascii_digit());
        let mut is_float = false;
        if self.byte(self.pos) == Some(b'.') {
            is_float = true;
            self.pos += 1;
            self.skip_digits(|b| b.is_ascii_digit());
        }
        if matches!(self.byte(self.pos), Some(b'e' | b'E')) {
            let mut i = self.pos + 1;
            if matches!(self.byte(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if self.byte(i).is_some_and(|b| b.is_ascii_digit()) {
                is_float = true;
                self.pos = i;
                self.skip_digits(|b| b.is_ascii_digit());
            }
        }
        let text = self.text_without_underscores(start);
        if is_float {
            return parse_float(&text).map_or(Tok::Bad, Tok::Float);
        }
        match text.strip_prefix('0') {
            Some(octal) if !octal.is_empty() => radix_number(octal, 8),
            _ => radix_number(&text, 10),
        }
    }

    /// Skips digits; an underscore is only part of a number between two digits.
    fn skip_digits(&mut self, is_digit: impl Fn(u8) -> bool) {
        while let Some(c) = self.byte(self.pos) {
            let separator = c == b'_' && self.byte(self.pos + 1).is_some_and(&is_digit);
            if !(is_digit(c) || separator) {
                break;
            }
            self.pos += 1;
        }
    }

    fn text_without_underscores(&self, start: usize) -> String {
        let bytes = self.src[start..self.pos].iter().filter(|&&b| b != b'_');
        bytes.map(|&b| char::from(b)).collect()
    }

    /// `'…'`: only `\\` and `\'` are escapes.
    fn lex_single_quoted(&mut self) -> Tok {
        let mut value = Vec::new();
        let mut i = self.pos + 1;
        while let Some(c) = self.byte(i) {
            match (c, self.byte(i + 1)) {
                (b'\\', Some(escaped @ (b'\\' | b'\''))) => {
                    value.push(escaped);
                    i += 2;
                }
                (b'\'', _) => {
                    self.pos = i + 1;
                    return Tok::Str(Some(value));
                }
                _ => {
                    value.push(c);
                    i += 1;
                }
            }
        }
        self.pos = self.src.len();
        Tok::Bad
    }

    /// `"…"` (or a `` `…` `` shell command, whose value is never known).
    fn lex_double_quoted(&mut self, quote: u8) -> Tok {
        let start = self.pos + 1;
        let mut i = start;
        let mut interpolated = false;
        loop {
            let Some(c) = self.byte(i) else {
                self.pos = self.src.len();
                return Tok::Bad;
            };
            if c == quote {
                break;
            }
            if c == b'\\' {
                i += 2;
            } else if let Some(next) = interpolation_at(self.src, i) {
                interpolated = true;
                i = next;
            } else {
                i += 1;
            }
        }
        self.pos = i + 1;
        if interpolated || quote == b'`' {
            return Tok::Str(None);
        }
        Tok::Str(unescape(&self.src[start..i], Some(quote)))
    }

    /// Heredoc `<<<EOT` / `<<<"EOT"` and nowdoc `<<<'EOT'` with PHP 7.3+ closing-marker rules.
    /// Returns `None` when `<<<` does not start a valid heredoc header.
    fn lex_heredoc(&mut self) -> Option<Tok> {
        let src = self.src;
        let mut i = self.pos + 3;
        while matches!(src.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let quote = match src.get(i) {
            Some(&q @ (b'\'' | b'"')) => {
                i += 1;
                Some(q)
            }
            _ => None,
        };
        let label_start = i;
        if !src.get(i).copied().is_some_and(is_ident_start) {
            return None;
        }
        while src.get(i).copied().is_some_and(is_ident_char) {
            i += 1;
        }
        let label = &src[label_start..i];
        if let Some(q) = quote {
            if src.get(i) != Some(&q) {
                return None;
            }
            i += 1;
        }
        let body_start = skip_newline(src, i)?;
        let Some(end) = find_heredoc_end(src, body_start, label) else {
            self.pos = src.len();
            return Some(Tok::Bad);
        };
        self.pos = end.after_label;
        let Some(body) = dedent(&src[body_start..end.body_end], end.indent) else {
            return Some(Tok::Str(None));
        };
        Some(heredoc_value(body, quote == Some(b'\'')))
    }
}

fn heredoc_value(body: Vec<u8>, nowdoc: bool) -> Tok {
    if nowdoc {
        Tok::Str(Some(body))
    } else if has_interpolation(&body) {
        Tok::Str(None)
    } else {
        Tok::Str(unescape(&body, None))
    }
}

fn skip_newline(src: &[u8], i: usize) -> Option<usize> {
    match src.get(i) {
        Some(b'\n') => Some(i + 1),
        Some(b'\r') if src.get(i + 1) == Some(&b'\n') => Some(i + 2),
        Some(b'\r') => Some(i + 1),
        _ => None,
    }
}

fn next_line_start(src: &[u8], from: usize) -> Option<usize> {
    let newline = src[from..].iter().position(|&b| b == b'\n' || b == b'\r')?;
    skip_newline(src, from + newline)
}

struct HeredocEnd {
    /// End of the body (the newline before the closing marker is not part of it).
    body_end: usize,
    /// Width of the closing marker's indentation, removed from every body line.
    indent: usize,
    after_label: usize,
}

/// Finds the closing marker: a line whose first non-blank text is the label, not followed by
/// an identifier character (PHP 7.3+; the marker may be indented and followed by `;`, `,`, …).
fn find_heredoc_end(src: &[u8], body_start: usize, label: &[u8]) -> Option<HeredocEnd> {
    let mut line = body_start;
    loop {
        let mut i = line;
        while matches!(src.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let after_label = i + label.len();
        let closes = src[i..].starts_with(label)
            && !src.get(after_label).copied().is_some_and(is_ident_char);
        if closes {
            let body_end = if line == body_start {
                body_start
            } else if line >= body_start + 2 && &src[line - 2..line] == b"\r\n" {
                line - 2
            } else {
                line - 1
            };
            return Some(HeredocEnd {
                body_end,
                indent: i - line,
                after_label,
            });
        }
        line = next_line_start(src, line)?;
    }
}

/// Removes the closing marker's indentation from each body line. `None` when a line with text
/// is indented less than the marker (PHP rejects that).
fn dedent(body: &[u8], indent: usize) -> Option<Vec<u8>> {
    if indent == 0 {
        return Some(body.to_vec());
    }
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let blanks = rest
            .iter()
            .take(indent)
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        if blanks < indent
            && rest
                .get(blanks)
                .is_some_and(|b| !matches!(b, b'\n' | b'\r'))
        {
            return None;
        }
        let line_end = next_line_start(rest, blanks).unwrap_or(rest.len());
        out.extend_from_slice(&rest[blanks..line_end]);
        if line_end >= rest.len() {
            return Some(out);
        }
        rest = &rest[line_end..];
    }
}

/// If an interpolation (`$name`, `{$…}`, `${…}`) starts at `i`, the index just after its
/// start (after the whole braced part, skipping nested strings, for the braced forms).
fn interpolation_at(src: &[u8], i: usize) -> Option<usize> {
    match (src[i], src.get(i + 1).copied()) {
        (b'$', Some(b'{')) => Some(skip_braces(src, i + 1)),
        (b'{', Some(b'$')) => Some(skip_braces(src, i)),
        (b'$', Some(b)) if is_ident_start(b) => Some(i + 1),
        _ => None,
    }
}

/// Index after the `}` matching the `{` at `i` (or the end of input).
fn skip_braces(src: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while let Some(&c) = src.get(i) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b'\'' | b'"' => {
                i = skip_quoted(src, i + 1, c);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    src.len()
}

fn skip_quoted(src: &[u8], mut i: usize, quote: u8) -> usize {
    while let Some(&c) = src.get(i) {
        if c == b'\\' {
            i += 2;
            continue;
        }
        if c == quote {
            return i + 1;
        }
        i += 1;
    }
    src.len()
}

fn has_interpolation(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            i += 2;
        } else if interpolation_at(body, i).is_some() {
            return true;
        } else {
            i += 1;
        }
    }
    false
}

/// Decodes the escapes of a double-quoted string (`quote` = `Some(b'"')`) or heredoc body
/// (`None`, where `\"` stays as it is). `None` for an invalid `\u{…}`, which PHP rejects.
fn unescape(raw: &[u8], quote: Option<u8>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' || i + 1 >= raw.len() {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        i = match unescape_one(raw, i + 1, quote, &mut out) {
            Escape::Decoded(next) => next,
            // Not an escape: the backslash is kept and the next byte read normally.
            Escape::Literal => {
                out.push(b'\\');
                i + 1
            }
            Escape::Invalid => return None,
        };
    }
    Some(out)
}

enum Escape {
    /// Decoded into the output; reading continues at this index.
    Decoded(usize),
    /// A backslash that starts no escape.
    Literal,
    /// An escape PHP rejects at compile time.
    Invalid,
}

/// Decodes the escape whose letter is at `at`.
fn unescape_one(raw: &[u8], at: usize, quote: Option<u8>, out: &mut Vec<u8>) -> Escape {
    let simple = match raw[at] {
        b'n' => Some(b'\n'),
        b't' => Some(b'\t'),
        b'r' => Some(b'\r'),
        b'v' => Some(0x0b),
        b'e' => Some(0x1b),
        b'f' => Some(0x0c),
        b'\\' => Some(b'\\'),
        b'$' => Some(b'$'),
        c if Some(c) == quote => Some(c),
        _ => None,
    };
    if let Some(byte) = simple {
        out.push(byte);
        return Escape::Decoded(at + 1);
    }
    match raw[at] {
        b'0'..=b'7' => Escape::Decoded(unescape_numeric(raw, at, 8, 3, out)),
        b'x' if raw.get(at + 1).is_some_and(u8::is_ascii_hexdigit) => {
            Escape::Decoded(unescape_numeric(raw, at + 1, 16, 2, out))
        }
        b'u' if raw.get(at + 1) == Some(&b'{') => {
            unescape_codepoint(raw, at + 2, out).map_or(Escape::Invalid, Escape::Decoded)
        }
        _ => Escape::Literal,
    }
}

/// Up to `max` digits of `radix` starting at `at`, pushed as one byte (PHP keeps the low byte
/// of an octal escape above `\377`).
fn unescape_numeric(raw: &[u8], at: usize, radix: u32, max: usize, out: &mut Vec<u8>) -> usize {
    let digits = raw[at..]
        .iter()
        .take(max)
        .map_while(|&b| char::from(b).to_digit(radix))
        .collect::<Vec<_>>();
    let value = digits.iter().fold(0u32, |acc, d| acc * radix + d);
    out.push((value & 0xff) as u8);
    at + digits.len()
}

/// `\u{1F600}`: the codepoint written as UTF-8; `None` if malformed.
fn unescape_codepoint(raw: &[u8], at: usize, out: &mut Vec<u8>) -> Option<usize> {
    let len = raw[at..].iter().position(|&b| b == b'}')?;
    let hex = std::str::from_utf8(&raw[at..at + len]).ok()?;
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    Some(at + len + 1)
}

/// Rust's float parser wants digits on both sides of the point; PHP allows `.5` and `1.`.
fn parse_float(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut normalized = String::with_capacity(text.len() + 2);
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'.' && i == 0 {
            normalized.push('0');
        }
        normalized.push(char::from(c));
        if c == b'.' && !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            normalized.push('0');
        }
    }
    normalized.parse().ok()
}

/// An integer literal; like PHP, one that does not fit an `i64` becomes a float.
fn radix_number(digits: &str, radix: u32) -> Tok {
    if digits.is_empty() {
        return Tok::Bad;
    }
    let mut exact = Some(0u64);
    let mut approx = 0f64;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else {
            return Tok::Bad;
        };
        exact = exact
            .and_then(|v| v.checked_mul(u64::from(radix)))
            .and_then(|v| v.checked_add(u64::from(d)));
        approx = approx * f64::from(radix) + f64::from(d);
    }
    match exact.and_then(|v| i64::try_from(v).ok()) {
        Some(i) => Tok::Int(i),
        None if radix == 10 => Tok::Float(digits.parse().unwrap_or(approx)),
        None => Tok::Float(approx),
    }
}

// ---------------------------------------------------------------------------------------------
// Parser and evaluator
// ---------------------------------------------------------------------------------------------

/// A statement could not be parsed; the caller skips to the next `;`.
#[derive(Debug)]
struct Syntax;

type PResult<T> = Result<T, Syntax>;

/// What kind of code is being read.
#[derive(Clone)]
struct Ctx {
    /// The code may run: its side effects (definitions, assignments) are recorded.
    live: bool,
    /// The code runs whenever the file is included (no unknown condition above it).
    certain: bool,
    /// Inside a function or method body: no constants, variables are local.
    in_function: bool,
    /// The class whose body or method is being read.
    class: Option<String>,
    /// The method whose body is being read.
    method: Option<String>,
}

/// Where an assigned value goes.
enum Place {
    None,
    /// A variable and the array keys below it (`None` = `[]`, append).
    Var(String, Vec<Option<PhpKey>>),
    /// `$this` itself.
    This,
    /// `$this->name` or `Class::$name`.
    Prop(Option<String>, String),
}

/// A parsed operand: its value and, if it can be assigned to, where it lives.
struct Operand {
    /// `None`: read the value from `place` when needed, so that `$config['db']['host']`
    /// copies one string rather than the whole `$config`.
    value: Option<PhpValue>,
    place: Place,
}

impl Operand {
    fn value(value: PhpValue) -> Operand {
        Operand {
            value: Some(value),
            place: Place::None,
        }
    }

    fn unknown() -> Operand {
        Operand::value(PhpValue::Unknown)
    }

    fn stored(place: Place) -> Operand {
        Operand { value: None, place }
    }
}

struct Arg {
    name: Option<String>,
    value: PhpValue,
}

/// Where a list of statements ends.
#[derive(Clone, Copy)]
enum Until {
    Eof,
    Brace,
    Keywords(&'static [&'static str]),
}

const IF_ENDS: &[&str] = &["elseif", "else", "endif"];
const MEMBER_MODIFIERS: &[&str] = &[
    "public",
    "protected",
    "private",
    "var",
    "static",
    "readonly",
    "final",
    "abstract",
];
/// Keywords that cannot start an expression.
const RESERVED: &[&str] = &[
    "abstract",
    "and",
    "as",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "declare",
    "default",
    "do",
    "echo",
    "else",
    "elseif",
    "enddeclare",
    "endfor",
    "endforeach",
    "endif",
    "endswitch",
    "endwhile",
    "extends",
    "final",
    "finally",
    "for",
    "foreach",
    "global",
    "goto",
    "if",
    "implements",
    "instanceof",
    "insteadof",
    "interface",
    "namespace",
    "or",
    "private",
    "protected",
    "public",
    "return",
    "switch",
    "trait",
    "try",
    "use",
    "var",
    "while",
    "xor",
];

struct Parser<'s> {
    src: &'s [u8],
    toks: Vec<Token>,
    pos: usize,
    /// Offset of the last consumed token.
    last_at: usize,
    file: String,
    namespace: String,
    depth: usize,
    ctx: Ctx,
    /// Variables of the current scope (the file, or the method being read).
    vars: BTreeMap<String, PhpValue>,
    out: PhpFile,
    /// A top-level `return` that always runs was reached.
    stopped: bool,
    /// What is left of `VALUE_BUDGET`.
    budget: usize,
}

impl<'s> Parser<'s> {
    fn new(src: &'s [u8], file_path: &Path) -> Parser<'s> {
        Parser {
            src,
            toks: tokenize(src),
            pos: 0,
            last_at: 0,
            file: file_path.to_string_lossy().into_owned(),
            namespace: String::new(),
            depth: 0,
            ctx: Ctx {
                live: true,
                certain: true,
                in_function: false,
                class: None,
                method: None,
            },
            vars: BTreeMap::new(),
            out: PhpFile::default(),
            stopped: false,
            budget: VALUE_BUDGET,
        }
    }

    fn run(mut self) -> PhpFile {
        self.statements(Until::Eof);
        self.out.variables = self.vars;
        self.out
    }

    // --- token helpers ---------------------------------------------------------------------

    fn peek_at(&self, n: usize) -> &Tok {
        let last = self.toks.len() - 1;
        &self.toks[(self.pos + n).min(last)].tok
    }

    fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    /// Consumes a token; at the end keeps returning `Eof`.
    fn bump(&mut self) -> Tok {
        let token = &self.toks[self.pos];
        self.last_at = token.at;
        if token.tok != Tok::Eof {
            self.pos += 1;
        }
        token.tok.clone()
    }

    fn at_eof(&self) -> bool {
        *self.peek() == Tok::Eof
    }

    fn peek_is_op(&self, n: usize, op: &str) -> bool {
        matches!(self.peek_at(n), Tok::Op(o) if *o == op)
    }

    fn is_op(&self, op: &str) -> bool {
        self.peek_is_op(0, op)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let found = self.is_op(op);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect_op(&mut self, op: &str) -> PResult<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(Syntax)
        }
    }

    fn is_kw(&self, keyword: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if n.eq_ignore_ascii_case(keyword))
    }

    fn eat_kw(&mut self, keyword: &str) -> bool {
        let found = self.is_kw(keyword);
        if found {
            self.pos += 1;
        }
        found
    }

    fn eat_any_kw(&mut self, keywords: &[&str]) -> bool {
        keywords.iter().any(|k| self.eat_kw(k))
    }

    fn end_of_statement(&mut self) -> PResult<()> {
        if self.eat_op(";") || self.at_eof() {
            Ok(())
        } else {
            Err(Syntax)
        }
    }

    /// Skips a balanced `open … close` group starting at the current token.
    fn skip_group(&mut self, open: &str, close: &str) -> PResult<()> {
        self.expect_op(open)?;
        let mut depth = 1usize;
        while depth > 0 {
            match self.bump() {
                Tok::Eof => return Err(Syntax),
                Tok::Op(o) if o == open => depth += 1,
                Tok::Op(o) if o == close => depth -= 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// Error recovery for a statement that began at `start`.
    fn recover_from(&mut self, start: usize) {
        // The failed parse may already have consumed the `;` that ends the statement.
        if self.pos > start && self.toks[self.pos - 1].tok == Tok::Op(";") {
            return;
        }
        self.recover();
    }

    /// Skips to just after the next `;` at this nesting level, or to just before a `}` that
    /// closes the enclosing block. Used after a syntax error and for statements that define
    /// nothing.
    fn recover(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                Tok::Eof => return,
                Tok::Op(";") if depth == 0 => {
                    self.pos += 1;
                    return;
                }
                Tok::Op("}") if depth == 0 => return,
                Tok::Op("(" | "[" | "{") => depth += 1,
                Tok::Op(")" | "]" | "}") => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// Runs `f` one nesting level deeper, failing beyond `MAX_DEPTH`.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(Syntax);
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    /// Runs `f` with side effects enabled or disabled.
    fn with_live<T>(&mut self, live: bool, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let saved = self.ctx.live;
        self.ctx.live = live;
        let result = f(self);
        self.ctx.live = saved;
        result
    }

    /// Runs `f` for code that never runs at include time (loop and catch bodies).
    fn dead<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let saved = (self.ctx.live, self.ctx.certain);
        self.ctx.live = false;
        self.ctx.certain = false;
        let result = f(self);
        (self.ctx.live, self.ctx.certain) = saved;
        result
    }

    // --- statements --------------------------------------------------------------------------

    fn statements(&mut self, until: Until) {
        while !self.stopped && !self.at_eof() && !self.at_end(until) {
            let start = self.pos;
            if self.statement().is_err() {
                self.recover_from(start);
            }
            if self.pos == start {
                self.pos += 1;
            }
        }
    }

    fn at_end(&self, until: Until) -> bool {
        match until {
            Until::Eof => false,
            Until::Brace => self.is_op("}"),
            Until::Keywords(keywords) => keywords.iter().any(|k| self.is_kw(k)),
        }
    }

    /// One statement as the body of `if`, `while`, …; errors are recovered here so that the
    /// enclosing statement stays intact.
    fn single_statement(&mut self) {
        let start = self.pos;
        if self.statement().is_err() {
            self.recover_from(start);
        }
    }

    fn statement(&mut self) -> PResult<()> {
        self.nested(Self::statement_inner)
    }

    fn statement_inner(&mut self) -> PResult<()> {
        if self.eat_op(";") {
            return Ok(());
        }
        if self.is_op("{") {
            return self.block();
        }
        let Tok::Name(name) = self.peek() else {
            return self.expression_statement();
        };
        match name.to_ascii_lowercase().as_str() {
            "if" => self.if_statement(),
            "return" => self.return_statement(),
            "const" => self.const_statement(),
            "class" | "interface" | "trait" | "abstract" | "final" | "readonly" => {
                self.class_declaration()
            }
            "enum" if matches!(self.peek_at(1), Tok::Name(_)) => self.class_declaration(),
            "function" if self.is_function_declaration() => self.function_declaration(),
            "namespace" => self.namespace_statement(),
            "while" => self.loop_statement(&["endwhile"]),
            "for" => self.loop_statement(&["endfor"]),
            "foreach" => self.loop_statement(&["endforeach"]),
            "switch" => self.loop_statement(&["endswitch"]),
            "do" => self.do_statement(),
            "declare" => self.declare_statement(),
            "try" => self.try_statement(),
            "case" => self.case_label(),
            "default" if self.peek_is_op(1, ":") || self.peek_is_op(1, ";") => {
                self.pos += 2;
                Ok(())
            }
            "use" | "global" | "echo" | "unset" | "goto" | "break" | "continue" => {
                self.recover();
                Ok(())
            }
            "static" if matches!(self.peek_at(1), Tok::Var(_)) => {
                self.recover();
                Ok(())
            }
            "__halt_compiler" => {
                self.stopped = true;
                Ok(())
            }
            // A `goto` label.
            _ if self.peek_is_op(1, ":") => {
                self.pos += 2;
                Ok(())
            }
            _ => self.expression_statement(),
        }
    }

    fn expression_statement(&mut self) -> PResult<()> {
        self.expr()?;
        self.end_of_statement()
    }

    fn block(&mut self) -> PResult<()> {
        self.expect_op("{")?;
        self.statements(Until::Brace);
        self.eat_op("}");
        Ok(())
    }

    /// `if`/`elseif`/`else`, braced or with the `:` … `endif;` syntax. A branch whose condition
    /// is known false is read without effect; with an unknown condition every branch counts.
    fn if_statement(&mut self) -> PResult<()> {
        self.bump();
        let outer = (self.ctx.live, self.ctx.certain);
        // Whether an earlier branch ran: Some(false) = none did, Some(true) = one did.
        let mut prior = Some(false);
        let mut alt;
        loop {
            let cond = self.condition(outer.0 && prior != Some(true))?;
            alt = self.eat_op(":");
            self.branch(outer, prior, cond, alt);
            prior = combine_branches(prior, cond);
            if !self.eat_kw("elseif") {
                break;
            }
        }
        if self.eat_kw("else") {
            if alt {
                self.expect_op(":")?;
            }
            self.branch(outer, prior, Some(true), alt);
        }
        if !alt {
            return Ok(());
        }
        if !self.eat_kw("endif") {
            return Err(Syntax);
        }
        self.end_of_statement()
    }

    fn condition(&mut self, live: bool) -> PResult<Option<bool>> {
        self.expect_op("(")?;
        let value = self.with_live(live, Self::expr)?;
        self.expect_op(")")?;
        Ok(value.to_bool())
    }

    fn branch(&mut self, outer: (bool, bool), prior: Option<bool>, cond: Option<bool>, alt: bool) {
        let saved = (self.ctx.live, self.ctx.certain);
        self.ctx.live = outer.0 && prior != Some(true) && cond != Some(false);
        self.ctx.certain = outer.1 && prior == Some(false) && cond == Some(true);
        if alt {
            self.statements(Until::Keywords(IF_ENDS));
        } else {
            self.single_statement();
        }
        (self.ctx.live, self.ctx.certain) = saved;
    }

    fn return_statement(&mut self) -> PResult<()> {
        self.bump();
        let value = if self.is_op(";") || self.at_eof() {
            PhpValue::Null
        } else {
            self.expr()?
        };
        self.end_of_statement()?;
        if self.ctx.in_function {
            self.record_method_return(value);
            return Ok(());
        }
        if !self.ctx.live {
            return Ok(());
        }
        // The first return that may run wins, unless its value is unknown.
        if matches!(self.out.returned, None | Some(PhpValue::Unknown)) {
            self.out.returned = Some(value);
        }
        // PHP stops reading the file at a return that always runs.
        self.stopped = self.ctx.certain;
        Ok(())
    }

    /// The first `return` of a method body is what the method returns
    /// (later ones are under conditions the first did not take).
    fn record_method_return(&mut self, value: PhpValue) {
        let (Some(class), Some(method)) = (self.ctx.class.clone(), self.ctx.method.clone()) else {
            return;
        };
        if !self.ctx.live || find_member(&self.out.method_returns, Some(&class), &method).is_some()
        {
            return;
        }
        let value = self.charge(value);
        self.out.method_returns.push(Member {
            class: Some(class),
            name: method,
            value,
        });
    }

    fn const_statement(&mut self) -> PResult<()> {
        self.bump();
        self.constant_list(false)
    }

    /// `NAME = expr, NAME = expr;` after `const`, at top level or in a class.
    fn constant_list(&mut self, in_class: bool) -> PResult<()> {
        loop {
            self.skip_constant_type()?;
            let Tok::Name(name) = self.bump() else {
                return Err(Syntax);
            };
            self.expect_op("=")?;
            let value = self.expr()?;
            self.record_constant(name, value, in_class);
            if !self.eat_op(",") {
                break;
            }
        }
        self.end_of_statement()
    }

    /// Skips the type of a typed class constant (`const string NAME = …`, PHP 8.3).
    fn skip_constant_type(&mut self) -> PResult<()> {
        while !(matches!(self.peek(), Tok::Name(_)) && self.peek_is_op(1, "=")) {
            if matches!(self.peek(), Tok::Eof | Tok::Op(";" | "{" | "}")) {
                return Err(Syntax);
            }
            self.bump();
        }
        Ok(())
    }

    fn record_constant(&mut self, name: String, value: PhpValue, in_class: bool) {
        if !self.ctx.live {
            return;
        }
        if in_class {
            record_member(
                &mut self.out.class_constants,
                self.ctx.class.clone(),
                name,
                value,
            );
        } else if self.namespace.is_empty() {
            self.define_constant(&name, value);
        } else {
            let qualified = format!("{}\\{}", self.namespace, name);
            self.define_constant(&qualified, value);
        }
    }

    fn namespace_statement(&mut self) -> PResult<()> {
        self.bump();
        let name = match self.peek() {
            Tok::Name(n) => n.clone(),
            _ => String::new(),
        };
        if !name.is_empty() {
            self.bump();
        }
        if self.is_op("{") {
            let saved = std::mem::replace(&mut self.namespace, name);
            let result = self.block();
            self.namespace = saved;
            return result;
        }
        self.namespace = name;
        self.end_of_statement()
    }

    /// `while`, `for`, `foreach`, `switch`: the header is skipped and the body read without
    /// effect (its effects depend on run-time iteration).
    fn loop_statement(&mut self, end: &'static [&'static str]) -> PResult<()> {
        self.bump();
        self.skip_group("(", ")")?;
        self.dead(|p| p.body(end))
    }

    /// A statement body, or `: statements end-keyword;` in the alternative syntax.
    fn body(&mut self, end: &'static [&'static str]) -> PResult<()> {
        if !self.eat_op(":") {
            self.single_statement();
            return Ok(());
        }
        self.statements(Until::Keywords(end));
        self.eat_any_kw(end);
        self.end_of_statement()
    }

    fn do_statement(&mut self) -> PResult<()> {
        self.bump();
        self.dead(|p| {
            p.single_statement();
            Ok(())
        })?;
        if !self.eat_kw("while") {
            return Err(Syntax);
        }
        self.skip_group("(", ")")?;
        self.end_of_statement()
    }

    fn declare_statement(&mut self) -> PResult<()> {
        self.bump();
        self.skip_group("(", ")")?;
        if self.eat_op(";") || self.at_eof() {
            return Ok(());
        }
        self.body(&["enddeclare"])
    }

    fn try_statement(&mut self) -> PResult<()> {
        self.bump();
        self.block()?;
        while self.eat_kw("catch") {
            self.skip_group("(", ")")?;
            self.dead(Self::block)?;
        }
        if self.eat_kw("finally") {
            self.block()?;
        }
        Ok(())
    }

    /// `case expr:` inside a switch body.
    fn case_label(&mut self) -> PResult<()> {
        self.bump();
        self.expr()?;
        if self.eat_op(":") || self.eat_op(";") {
            Ok(())
        } else {
            Err(Syntax)
        }
    }

    fn is_function_declaration(&self) -> bool {
        match self.peek_at(1) {
            Tok::Name(_) => true,
            Tok::Op("&") => matches!(self.peek_at(2), Tok::Name(_)),
            _ => false,
        }
    }

    /// A named function: nothing in its body runs at include time.
    fn function_declaration(&mut self) -> PResult<()> {
        self.bump();
        self.eat_op("&");
        self.bump();
        self.skip_group("(", ")")?;
        self.skip_return_type();
        self.skip_group("{", "}")
    }

    fn skip_return_type(&mut self) {
        if !self.eat_op(":") {
            return;
        }
        while matches!(
            self.peek(),
            Tok::Name(_) | Tok::Op("?" | "|" | "&" | "(" | ")")
        ) {
            self.pos += 1;
        }
    }

    // --- classes -------------------------------------------------------------------------------

    fn class_declaration(&mut self) -> PResult<()> {
        while self.eat_any_kw(&["abstract", "final", "readonly"]) {}
        if !self.eat_any_kw(&["class", "interface", "trait", "enum"]) {
            return Err(Syntax);
        }
        let Tok::Name(name) = self.bump() else {
            return Err(Syntax);
        };
        // `extends …`, `implements …`, an enum's backing type.
        while !self.is_op("{") {
            if matches!(self.peek(), Tok::Eof | Tok::Op(";")) {
                return Err(Syntax);
            }
            self.bump();
        }
        self.bump();
        let saved = self.ctx.clone();
        self.ctx.class = Some(name);
        self.class_members();
        self.ctx = saved;
        self.eat_op("}");
        Ok(())
    }

    fn class_members(&mut self) {
        while !self.is_op("}") && !self.at_eof() {
            let start = self.pos;
            if self.nested(Self::class_member).is_err() {
                self.recover_from(start);
            }
            if self.pos == start {
                self.pos += 1;
            }
        }
    }

    fn class_member(&mut self) -> PResult<()> {
        if self.eat_op(";") {
            return Ok(());
        }
        self.skip_member_modifiers()?;
        if self.eat_kw("const") {
            return self.constant_list(true);
        }
        if self.eat_kw("function") {
            return self.method();
        }
        if self.eat_kw("use") {
            return self.trait_use();
        }
        if self.eat_kw("case") {
            self.recover();
            return Ok(());
        }
        let typed = self.skip_property_type();
        self.property_declarations(typed)
    }

    /// `public`, `static`, …, including PHP 8.4 asymmetric visibility `private(set)`.
    fn skip_member_modifiers(&mut self) -> PResult<()> {
        while self.eat_any_kw(MEMBER_MODIFIERS) {
            if self.is_op("(") {
                self.skip_group("(", ")")?;
            }
        }
        Ok(())
    }

    /// Skips a property type; returns whether there was one (typed properties without a
    /// default have no value, untyped ones are `null`).
    fn skip_property_type(&mut self) -> bool {
        let start = self.pos;
        while matches!(
            self.peek(),
            Tok::Name(_) | Tok::Op("?" | "|" | "&" | "(" | ")")
        ) {
            self.pos += 1;
        }
        self.pos != start
    }

    /// `$a = expr, $b;` after the modifiers and type.
    fn property_declarations(&mut self, typed: bool) -> PResult<()> {
        loop {
            let Tok::Var(name) = self.bump() else {
                return Err(Syntax);
            };
            let value = if self.eat_op("=") {
                Some(self.expr()?)
            } else {
                None
            };
            self.record_property_default(name, value, typed);
            if self.is_op("{") {
                // PHP 8.4 property hooks; no `;` follows them.
                return self.skip_group("{", "}");
            }
            if !self.eat_op(",") {
                break;
            }
        }
        self.end_of_statement()
    }

    fn record_property_default(&mut self, name: String, value: Option<PhpValue>, typed: bool) {
        let value = match value {
            Some(v) => v,
            None if typed => return,
            None => PhpValue::Null,
        };
        if self.ctx.live {
            record_member(
                &mut self.out.properties,
                self.ctx.class.clone(),
                name,
                value,
            );
        }
    }

    fn trait_use(&mut self) -> PResult<()> {
        loop {
            match self.peek() {
                Tok::Op(";") => {
                    self.bump();
                    return Ok(());
                }
                Tok::Op("{") => return self.skip_group("{", "}"),
                Tok::Eof | Tok::Op("}") => return Err(Syntax),
                _ => {
                    self.bump();
                }
            }
        }
    }

    /// A method: its body is read for `$this->name = …` assignments, with its own variables.
    fn method(&mut self) -> PResult<()> {
        self.eat_op("&");
        let Tok::Name(name) = self.bump() else {
            return Err(Syntax);
        };
        self.skip_group("(", ")")?;
        self.skip_return_type();
        if self.eat_op(";") {
            return Ok(());
        }
        let saved_ctx = self.ctx.clone();
        let saved_vars = std::mem::take(&mut self.vars);
        self.ctx.in_function = true;
        self.ctx.certain = false;
        self.ctx.method = Some(name);
        let result = self.block();
        self.vars = saved_vars;
        self.ctx = saved_ctx;
        result
    }

    // --- expressions ---------------------------------------------------------------------------

    fn expr(&mut self) -> PResult<PhpValue> {
        self.binary(0)
    }

    /// The binary operator at the cursor: (operator, precedence, right-associative).
    fn binary_operator(&self) -> Option<(&'static str, u8, bool)> {
        let (op, prec) = match self.peek() {
            Tok::Op(op) => (*op, binary_precedence(op)?),
            Tok::Name(name) => match name.to_ascii_lowercase().as_str() {
                "or" => ("or", 1),
                "xor" => ("xor", 2),
                "and" => ("and", 3),
                "instanceof" => ("instanceof", 18),
                _ => return None,
            },
            _ => return None,
        };
        Some((op, prec, op == "??"))
    }

    /// Precedence climbing over PHP's binary operators.
    fn binary(&mut self, min: u8) -> PResult<PhpValue> {
        let mut left = self.unary()?;
        while let Some((op, prec, right_assoc)) = self.binary_operator() {
            if prec < min {
                break;
            }
            self.bump();
            left = match op {
                "?" => self.ternary(left)?,
                "??" => self.coalesce(left)?,
                "&&" | "and" | "||" | "or" => self.logical(op, left, prec)?,
                _ => {
                    let right = self.binary(if right_assoc { prec } else { prec + 1 })?;
                    binary_value(op, &left, &right)
                }
            };
        }
        Ok(left)
    }

    /// `cond ? a : b` and `a ?: b`. Only the side that may run has effects. With an unknown
    /// condition `?:` falls back to `b` (a default such as `getenv('X') ?: 'localhost'`).
    fn ternary(&mut self, cond: PhpValue) -> PResult<PhpValue> {
        let live = self.ctx.live;
        let truth = cond.to_bool();
        if self.eat_op(":") {
            let fallback = self.with_live(live && truth != Some(true), |p| p.binary(6))?;
            return Ok(if truth == Some(true) { cond } else { fallback });
        }
        let then = self.with_live(live && truth != Some(false), Self::expr)?;
        self.expect_op(":")?;
        let otherwise = self.with_live(live && truth != Some(true), |p| p.binary(6))?;
        Ok(match truth {
            Some(true) => then,
            Some(false) => otherwise,
            None => PhpValue::Unknown,
        })
    }

    /// `a ?? b`: `a` when it is known and not null, else `b`.
    fn coalesce(&mut self, left: PhpValue) -> PResult<PhpValue> {
        let keep = !matches!(left, PhpValue::Null | PhpValue::Unknown);
        let live = self.ctx.live && !keep;
        // Right-associative: a chain recurses here, not through `unary`, so count the depth.
        let right = self.nested(|p| p.with_live(live, |p| p.binary(6)))?;
        Ok(if keep { left } else { right })
    }

    /// `&&`, `||`, `and`, `or` with short-circuit: a right side that cannot run has no effect.
    fn logical(&mut self, op: &str, left: PhpValue, prec: u8) -> PResult<PhpValue> {
        let is_and = matches!(op, "&&" | "and");
        let left = left.to_bool();
        let short = left == Some(!is_and);
        let live = self.ctx.live && !short;
        let right = self.with_live(live, |p| p.binary(prec + 1))?.to_bool();
        let result = match (left, right) {
            (Some(l), _) if l != is_and => Some(l),
            (_, Some(r)) if r != is_and => Some(r),
            (Some(_), Some(r)) => Some(r),
            _ => None,
        };
        Ok(result.map_or(PhpValue::Unknown, PhpValue::Bool))
    }

    fn unary(&mut self) -> PResult<PhpValue> {
        self.nested(Self::unary_inner)
    }

    fn unary_inner(&mut self) -> PResult<PhpValue> {
        let op = match self.peek() {
            Tok::Op(op @ ("!" | "-" | "+" | "~" | "@" | "&" | "++" | "--")) => *op,
            Tok::Cast(kind) => {
                let kind = *kind;
                self.bump();
                let value = self.unary()?;
                return Ok(cast(kind, value));
            }
            _ => return self.power(),
        };
        self.bump();
        let value = self.unary()?;
        Ok(match op {
            "!" => value
                .to_bool()
                .map_or(PhpValue::Unknown, |b| PhpValue::Bool(!b)),
            "-" => negate(&value),
            "+" => number_value(&value),
            "~" => match value {
                PhpValue::Int(i) => PhpValue::Int(!i),
                _ => PhpValue::Unknown,
            },
            "@" | "&" => value,
            _ => PhpValue::Unknown,
        })
    }

    /// `**` binds tighter than unary minus and is right-associative.
    fn power(&mut self) -> PResult<PhpValue> {
        let base = self.postfix()?;
        if !self.eat_op("**") {
            return Ok(base);
        }
        let exponent = self.unary()?;
        Ok(arithmetic("**", &base, &exponent))
    }

    /// An operand with its `[…]`, `->…`, `::…`, `(…)` suffixes, then a possible assignment.
    fn postfix(&mut self) -> PResult<PhpValue> {
        let mut operand = self.primary()?;
        loop {
            operand = match self.peek() {
                Tok::Op("[") => self.index(operand)?,
                Tok::Op("->" | "?->") => self.member(operand)?,
                Tok::Op("::") => {
                    self.bump();
                    self.bump();
                    self.skip_call()?
                }
                Tok::Op("(") => {
                    self.arguments()?;
                    Operand::unknown()
                }
                Tok::Op("++" | "--") => {
                    self.bump();
                    let old = self.current_value(&operand);
                    self.store(&operand.place, PhpValue::Unknown);
                    Operand::value(old)
                }
                _ => break,
            };
        }
        match self.assignment_operator() {
            Some(op) => self.assign(operand, op),
            None => Ok(self.resolve(operand)),
        }
    }

    /// The value of an operand, read from its place if it was not computed.
    fn resolve(&mut self, operand: Operand) -> PhpValue {
        match operand.value {
            Some(value) => value,
            None => self.current_value(&operand),
        }
    }

    fn current_value(&mut self, operand: &Operand) -> PhpValue {
        if let Some(value) = &operand.value {
            return value.clone();
        }
        let found = match &operand.place {
            Place::Var(name, keys) => lookup_path(self.vars.get(name), keys).cloned(),
            Place::Prop(class, name) => {
                find_member_exact(&self.out.properties, class.as_deref(), name).cloned()
            }
            Place::None | Place::This => None,
        };
        self.charge(found.unwrap_or(PhpValue::Unknown))
    }

    /// Accounts for a copied value against `VALUE_BUDGET`.
    fn charge(&mut self, value: PhpValue) -> PhpValue {
        match value_weight(&value, self.budget) {
            Some(weight) => {
                self.budget -= weight;
                value
            }
            None => {
                self.budget = 0;
                PhpValue::Unknown
            }
        }
    }

    /// After a method name: its call arguments, if any. The result is never known.
    fn skip_call(&mut self) -> PResult<Operand> {
        if self.is_op("(") {
            self.arguments()?;
        }
        Ok(Operand::unknown())
    }

    fn primary(&mut self) -> PResult<Operand> {
        match self.bump() {
            Tok::Int(i) => Ok(Operand::value(PhpValue::Int(i))),
            Tok::Float(f) => Ok(Operand::value(PhpValue::Float(f))),
            Tok::Str(Some(bytes)) => Ok(Operand::value(PhpValue::Str(bytes_to_string(bytes)))),
            Tok::Str(None) => Ok(Operand::unknown()),
            Tok::Var(name) => Ok(self.variable_operand(name)),
            Tok::Op("(") => {
                let value = self.expr()?;
                self.expect_op(")")?;
                Ok(Operand::value(value))
            }
            Tok::Op("[") => Ok(Operand::value(self.array_literal("]")?)),
            Tok::Op("$") => self.variable_variable(),
            Tok::Name(name) => self.name_expression(name),
            other => {
                // Leave the offending token (often `;` or `}`) for error recovery.
                if other != Tok::Eof {
                    self.pos -= 1;
                }
                Err(Syntax)
            }
        }
    }

    fn variable_operand(&self, name: String) -> Operand {
        if name == "this" {
            return Operand {
                value: Some(PhpValue::Unknown),
                place: Place::This,
            };
        }
        Operand::stored(Place::Var(name, Vec::new()))
    }

    /// `$$name` or `${expr}`: the variable's name is computed at run time.
    fn variable_variable(&mut self) -> PResult<Operand> {
        if self.eat_op("{") {
            self.expr()?;
            self.expect_op("}")?;
        } else {
            self.unary()?;
        }
        Ok(Operand::unknown())
    }

    /// `base[key]` or `base[]`.
    fn index(&mut self, base: Operand) -> PResult<Operand> {
        self.bump();
        if self.eat_op("]") {
            return Ok(Operand {
                value: Some(PhpValue::Unknown),
                place: deeper(base.place, None),
            });
        }
        let key = self.expr()?;
        self.expect_op("]")?;
        let Some(key) = PhpKey::from_value(&key) else {
            return Ok(Operand::unknown());
        };
        if let Place::Var(name, keys) = &base.place {
            if name == "GLOBALS" && keys.is_empty() {
                return Ok(self.global_variable(key));
            }
        }
        match base.place {
            Place::Var(name, mut keys) if keys.len() < MAX_VALUE_DEPTH => {
                keys.push(Some(key));
                // A computed base (after `[]`) has no readable value below it.
                let value = base.value.map(|_| PhpValue::Unknown);
                Ok(Operand {
                    value,
                    place: Place::Var(name, keys),
                })
            }
            place => {
                let base = self.resolve(Operand {
                    value: base.value,
                    place,
                });
                let value = base.lookup(&key).cloned().unwrap_or(PhpValue::Unknown);
                Ok(Operand::value(value))
            }
        }
    }

    /// `$GLOBALS['name']` is the global `$name` (only the file's own scope is known).
    fn global_variable(&self, key: PhpKey) -> Operand {
        match key {
            PhpKey::Str(name) if !self.ctx.in_function => self.variable_operand(name),
            _ => Operand::unknown(),
        }
    }

    /// `base->name`; only `$this->name` is tracked.
    fn member(&mut self, base: Operand) -> PResult<Operand> {
        self.bump();
        let name = match self.bump() {
            Tok::Name(name) => Some(name),
            Tok::Var(_) => None,
            Tok::Op("{") => {
                self.expr()?;
                self.expect_op("}")?;
                None
            }
            _ => return Err(Syntax),
        };
        if self.is_op("(") {
            return self.skip_call();
        }
        match (base.place, name) {
            (Place::This, Some(name)) => {
                Ok(Operand::stored(Place::Prop(self.ctx.class.clone(), name)))
            }
            _ => Ok(Operand::unknown()),
        }
    }

    /// A keyword expression, a call, a class member access or a constant.
    fn name_expression(&mut self, name: String) -> PResult<Operand> {
        let lower = name.to_ascii_lowercase();
        let word = lower.strip_prefix('\\').unwrap_or(&lower);
        let literal = match word {
            "true" => Some(PhpValue::Bool(true)),
            "false" => Some(PhpValue::Bool(false)),
            "null" => Some(PhpValue::Null),
            _ => self.magic_constant(&lower),
        };
        if let Some(value) = literal {
            return Ok(Operand::value(value));
        }
        if let Some(operand) = self.keyword_expression(&lower)? {
            return Ok(operand);
        }
        if self.is_op("(") {
            return self.call(&name);
        }
        if self.is_op("::") {
            return self.class_access(&name);
        }
        let value = self.constant_value(&name).unwrap_or(PhpValue::Unknown);
        Ok(Operand::value(self.charge(value)))
    }

    fn magic_constant(&self, word: &str) -> Option<PhpValue> {
        let value = match word {
            "__file__" => PhpValue::Str(self.file.clone()),
            "__dir__" => PhpValue::Str(php_dirname(&self.file, 1).unwrap_or_default()),
            "__line__" => PhpValue::Int(line_of(self.src, self.last_at)),
            "__namespace__" => PhpValue::Str(self.namespace.clone()),
            "__class__" => PhpValue::Str(self.qualified_class_name()),
            "__function__" | "__method__" | "__trait__" | "__property__" => PhpValue::Unknown,
            "__compiler_halt_offset__" => PhpValue::Unknown,
            _ => return None,
        };
        Some(value)
    }

    fn qualified_class_name(&self) -> String {
        match &self.ctx.class {
            Some(class) if !self.namespace.is_empty() => format!("{}\\{}", self.namespace, class),
            Some(class) => class.clone(),
            None => String::new(),
        }
    }

    /// Expressions introduced by a keyword; `None` when `word` is no such keyword.
    fn keyword_expression(&mut self, word: &str) -> PResult<Option<Operand>> {
        let operand = match word {
            "array" if self.is_op("(") => {
                self.bump();
                Operand::value(self.array_literal(")")?)
            }
            "list" if self.is_op("(") => {
                self.skip_group("(", ")")?;
                Operand::unknown()
            }
            "isset" | "empty" | "eval" if self.is_op("(") => {
                self.arguments()?;
                Operand::unknown()
            }
            "exit" | "die" => self.skip_call()?,
            "function" => self.closure(false)?,
            "fn" => self.closure(true)?,
            "static" if self.is_kw("function") || self.is_kw("fn") => {
                let arrow = self.is_kw("fn");
                self.bump();
                self.closure(arrow)?
            }
            "match" if self.is_op("(") => {
                self.skip_group("(", ")")?;
                self.skip_group("{", "}")?;
                Operand::unknown()
            }
            "new" => self.new_expression()?,
            "print" | "include" | "include_once" | "require" | "require_once" | "throw"
            | "clone" => {
                self.binary(ASSIGN_RHS)?;
                Operand::unknown()
            }
            "yield" => self.yield_expression()?,
            _ if RESERVED.contains(&word) => return Err(Syntax),
            _ => return Ok(None),
        };
        Ok(Some(operand))
    }

    /// A closure or arrow function: nothing in it runs at include time.
    fn closure(&mut self, arrow: bool) -> PResult<Operand> {
        self.eat_op("&");
        self.skip_group("(", ")")?;
        if arrow {
            self.skip_return_type();
            self.expect_op("=>")?;
            self.with_live(false, |p| p.binary(ASSIGN_RHS))?;
            return Ok(Operand::unknown());
        }
        if self.eat_kw("use") {
            self.skip_group("(", ")")?;
        }
        self.skip_return_type();
        self.skip_group("{", "}")?;
        Ok(Operand::unknown())
    }

    fn new_expression(&mut self) -> PResult<Operand> {
        match self.bump() {
            Tok::Name(name) if name.eq_ignore_ascii_case("class") => {
                // Anonymous class: arguments, `extends …`, body.
                while !self.is_op("{") {
                    if self.at_eof() {
                        return Err(Syntax);
                    }
                    self.bump();
                }
                self.skip_group("{", "}")?;
                return Ok(Operand::unknown());
            }
            Tok::Name(_) | Tok::Var(_) => {}
            Tok::Op("(") => {
                self.expr()?;
                self.expect_op(")")?;
            }
            _ => return Err(Syntax),
        }
        self.skip_call()
    }

    fn yield_expression(&mut self) -> PResult<Operand> {
        if matches!(self.peek(), Tok::Eof | Tok::Op(";" | ")" | "," | "]")) {
            return Ok(Operand::unknown());
        }
        self.eat_kw("from");
        self.binary(ASSIGN_RHS)?;
        if self.eat_op("=>") {
            self.binary(ASSIGN_RHS)?;
        }
        Ok(Operand::unknown())
    }

    /// `(a, name: b, ...$c)`; `None` when the arguments cannot be known (spread, `f(...)`).
    fn arguments(&mut self) -> PResult<Option<Vec<Arg>>> {
        self.expect_op("(")?;
        let mut args = Vec::new();
        let mut complete = true;
        while !self.eat_op(")") {
            if self.is_op("...") && self.peek_is_op(1, ")") {
                self.bump();
                complete = false;
                continue;
            }
            let name = self.argument_name();
            complete &= !self.eat_op("...");
            let value = self.expr()?;
            args.push(Arg { name, value });
            if !self.eat_op(",") {
                self.expect_op(")")?;
                break;
            }
        }
        Ok(complete.then_some(args))
    }

    /// The `name:` of a named argument.
    fn argument_name(&mut self) -> Option<String> {
        let Tok::Name(name) = self.peek() else {
            return None;
        };
        if !self.peek_is_op(1, ":") {
            return None;
        }
        let name = name.clone();
        self.pos += 2;
        Some(name)
    }

    /// A function call; the few pure built-ins that config files use are evaluated.
    fn call(&mut self, name: &str) -> PResult<Operand> {
        let Some(args) = self.arguments()? else {
            return Ok(Operand::unknown());
        };
        let Some(function) = global_function_name(name) else {
            return Ok(Operand::unknown());
        };
        let value = match function.as_str() {
            "define" => self.call_define(&args),
            "defined" => self.call_defined(&args),
            "constant" => self.call_constant(&args),
            "dirname" => call_dirname(&args),
            "intval" if argument(&args, 1, "base").is_none() => cast_arg(&args, "int"),
            "strval" => cast_arg(&args, "string"),
            "boolval" => cast_arg(&args, "bool"),
            "floatval" => cast_arg(&args, "float"),
            _ => {
                self.record_call(&function, &args);
                PhpValue::Unknown
            }
        };
        Ok(Operand::value(self.charge(value)))
    }

    fn record_call(&mut self, function: &str, args: &[Arg]) {
        if self.ctx.in_function || !self.ctx.live {
            return;
        }
        let function = function.to_ascii_lowercase();
        if self.out.calls.iter().any(|(name, _)| *name == function) {
            return;
        }
        let first = match args.first().map(|a| &a.value) {
            Some(
                v @ (PhpValue::Str(_) | PhpValue::Int(_) | PhpValue::Float(_) | PhpValue::Bool(_)),
            ) => v.clone(),
            Some(PhpValue::Null) => PhpValue::Null,
            _ => PhpValue::Unknown,
        };
        let first = self.charge(first);
        self.out.calls.push((function, first));
    }

    fn call_define(&mut self, args: &[Arg]) -> PhpValue {
        let name = argument(args, 0, "constant_name");
        let value = argument(args, 1, "value");
        match (name, value) {
            (Some(PhpValue::Str(name)), Some(value)) => {
                let (name, value) = (name.clone(), value.clone());
                self.define_constant(&name, value)
            }
            _ => PhpValue::Unknown,
        }
    }

    /// `defined('X')` is true once `X` is known to be defined; otherwise it may have been
    /// defined by the including code, so the answer is unknown.
    fn call_defined(&self, args: &[Arg]) -> PhpValue {
        match argument(args, 0, "constant_name") {
            Some(PhpValue::Str(name)) if self.global_constant(name).is_some() => {
                PhpValue::Bool(true)
            }
            _ => PhpValue::Unknown,
        }
    }

    fn call_constant(&self, args: &[Arg]) -> PhpValue {
        let Some(PhpValue::Str(name)) = argument(args, 0, "name") else {
            return PhpValue::Unknown;
        };
        let found = match name.split_once("::") {
            Some((class, constant)) => {
                let class = self.resolve_class(class);
                class.and_then(|c| self.out.class_constant(Some(&c), constant).cloned())
            }
            None => self.global_constant(name),
        };
        found.unwrap_or(PhpValue::Unknown)
    }

    /// Records a constant unless it exists; returns what `define()` returns.
    fn define_constant(&mut self, name: &str, value: PhpValue) -> PhpValue {
        if !self.ctx.live || self.ctx.in_function {
            return PhpValue::Unknown;
        }
        let name = name.strip_prefix('\\').unwrap_or(name);
        if name.is_empty() || self.global_constant(name).is_some() {
            return PhpValue::Bool(false);
        }
        self.out.defines.insert(name.to_owned(), value);
        PhpValue::Bool(true)
    }

    /// A constant by the name used in code (namespace rules: an unqualified name is looked up
    /// in the current namespace first, then globally).
    fn constant_value(&self, name: &str) -> Option<PhpValue> {
        if let Some(global) = name.strip_prefix('\\') {
            return self.global_constant(global);
        }
        if self.namespace.is_empty() {
            return self.global_constant(name);
        }
        let qualified = format!("{}\\{}", self.namespace, name);
        let local = self.out.defines.get(&qualified).cloned();
        if local.is_some() || name.contains('\\') {
            return local;
        }
        self.global_constant(name)
    }

    fn global_constant(&self, name: &str) -> Option<PhpValue> {
        let name = name.strip_prefix('\\').unwrap_or(name);
        predefined_constant(name).or_else(|| self.out.defines.get(name).cloned())
    }

    /// `Class::CONSTANT`, `Class::$property`, `Class::method()`.
    fn class_access(&mut self, class: &str) -> PResult<Operand> {
        self.bump();
        let class = self.resolve_class(class);
        match self.bump() {
            Tok::Name(_) | Tok::Var(_) if self.is_op("(") => self.skip_call(),
            Tok::Name(member) if member.eq_ignore_ascii_case("class") => Ok(Operand::unknown()),
            Tok::Name(member) => {
                let value = class.and_then(|c| self.out.class_constant(Some(&c), &member).cloned());
                Ok(Operand::value(
                    self.charge(value.unwrap_or(PhpValue::Unknown)),
                ))
            }
            Tok::Var(property) if class.is_some() => {
                Ok(Operand::stored(Place::Prop(class, property)))
            }
            Tok::Var(_) => Ok(Operand::unknown()),
            _ => Err(Syntax),
        }
    }

    /// The class a name refers to: `self`/`static` are the current class; classes are keyed
    /// by their short name.
    fn resolve_class(&self, name: &str) -> Option<String> {
        match name.to_ascii_lowercase().as_str() {
            "self" | "static" => self.ctx.class.clone(),
            "parent" => None,
            _ => Some(name.rsplit('\\').next().unwrap_or(name).to_owned()),
        }
    }

    /// `[…]` or `array(…)` up to `close`.
    fn array_literal(&mut self, close: &'static str) -> PResult<PhpValue> {
        let mut array = ArrayBuilder::default();
        let mut complete = true;
        loop {
            if self.eat_op(close) {
                break;
            }
            // An empty element (only meaningful in list() destructuring).
            if self.eat_op(",") {
                continue;
            }
            complete &= self.array_element(&mut array)?;
            if !self.eat_op(",") {
                self.expect_op(close)?;
                break;
            }
        }
        let value = array.finish();
        let too_deep = nested_deeper_than(&value, MAX_VALUE_DEPTH);
        Ok(if complete && !too_deep {
            value
        } else {
            PhpValue::Unknown
        })
    }

    /// One `value`, `key => value` or `...spread`; false when the array can no longer be
    /// known.
    fn array_element(&mut self, array: &mut ArrayBuilder) -> PResult<bool> {
        if self.eat_op("...") {
            let spread = self.expr()?;
            return Ok(array.spread(spread));
        }
        let first = self.expr()?;
        if !self.eat_op("=>") {
            array.push(first);
            return Ok(true);
        }
        let value = self.expr()?;
        // An entry whose key is unknown is left out; the other entries stay usable.
        if let Some(key) = PhpKey::from_value(&first) {
            array.set(key, value);
        }
        Ok(true)
    }

    fn assignment_operator(&self) -> Option<&'static str> {
        match self.peek() {
            Tok::Op(
                op @ ("=" | ".=" | "+=" | "-=" | "*=" | "/=" | "%=" | "**=" | "??=" | "&=" | "|="
                | "^=" | "<<=" | ">>="),
            ) => Some(*op),
            _ => None,
        }
    }

    fn assign(&mut self, target: Operand, op: &'static str) -> PResult<PhpValue> {
        self.bump();
        if op == "??=" {
            let current = self.current_value(&target);
            let keep = !matches!(current, PhpValue::Null | PhpValue::Unknown);
            let live = self.ctx.live && !keep;
            let value = self.with_live(live, |p| p.binary(ASSIGN_RHS))?;
            if keep {
                return Ok(current);
            }
            self.store(&target.place, value.clone());
            return Ok(value);
        }
        let rhs = self.binary(ASSIGN_RHS)?;
        let value = match op {
            "=" => rhs,
            _ => {
                let current = self.current_value(&target);
                binary_value(op.trim_end_matches('='), &current, &rhs)
            }
        };
        self.store(&target.place, value.clone());
        Ok(value)
    }

    fn store(&mut self, place: &Place, value: PhpValue) {
        if !self.ctx.live {
            return;
        }
        match place {
            Place::Var(name, keys) => {
                let limit = MAX_VALUE_DEPTH.saturating_sub(keys.len());
                let value = if nested_deeper_than(&value, limit) {
                    PhpValue::Unknown
                } else {
                    value
                };
                let root = self.vars.entry(name.clone()).or_insert(PhpValue::Null);
                set_path(root, keys, value);
            }
            Place::Prop(class, name) => {
                record_member(&mut self.out.properties, class.clone(), name.clone(), value);
            }
            Place::None | Place::This => {}
        }
    }
}

/// Whether an earlier branch of an `if` chain ran, after a branch with condition `cond`.
fn combine_branches(prior: Option<bool>, cond: Option<bool>) -> Option<bool> {
    match (prior, cond) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn binary_precedence(op: &str) -> Option<u8> {
    Some(match op {
        "?" => 5,
        "??" => 6,
        "||" => 7,
        "&&" => 8,
        "|" => 9,
        "^" => 10,
        "&" => 11,
        "==" | "!=" | "===" | "!==" | "<=>" => 12,
        "<" | "<=" | ">" | ">=" => 13,
        "." => 14,
        "<<" | ">>" => 15,
        "+" | "-" => 16,
        "*" | "/" | "%" => 17,
        _ => return None,
    })
}

/// The place one array level below `place`; assignments deeper than the value limit are
/// dropped.
fn deeper(place: Place, key: Option<PhpKey>) -> Place {
    match place {
        Place::Var(name, mut keys) if keys.len() < MAX_VALUE_DEPTH => {
            keys.push(key);
            Place::Var(name, keys)
        }
        _ => Place::None,
    }
}

/// The value at `keys` below `root`; `None` for a missing entry or an append (`[]`) key.
fn lookup_path<'v>(root: Option<&'v PhpValue>, keys: &[Option<PhpKey>]) -> Option<&'v PhpValue> {
    keys.iter()
        .try_fold(root?, |value, key| value.lookup(key.as_ref()?))
}

/// Approximate bytes needed to copy `value`; `None` once that exceeds `limit`.
fn value_weight(value: &PhpValue, limit: usize) -> Option<usize> {
    const ENTRY: usize = std::mem::size_of::<(PhpKey, PhpValue)>();
    let weight = match value {
        PhpValue::Str(s) => s.len() + 1,
        PhpValue::Array(items) => {
            let mut total = 1usize;
            for (key, item) in items {
                let key_weight = match key {
                    PhpKey::Int(_) => ENTRY,
                    PhpKey::Str(s) => ENTRY + s.len(),
                };
                total = total.checked_add(key_weight)?;
                total += value_weight(item, limit.checked_sub(total)?)?;
            }
            total
        }
        _ => 1,
    };
    (weight <= limit).then_some(weight)
}

/// Assigns `value` at `keys` below `slot`, creating arrays like PHP does for `null`/unset
/// (and `false`); a scalar or unknown value in the way leaves everything unchanged.
fn set_path(slot: &mut PhpValue, keys: &[Option<PhpKey>], value: PhpValue) {
    let mut slot = slot;
    for key in keys {
        if matches!(slot, PhpValue::Null | PhpValue::Bool(false)) {
            *slot = PhpValue::Array(Vec::new());
        }
        let PhpValue::Array(items) = slot else { return };
        let key = match key {
            Some(key) => key.clone(),
            None => match next_int_key(items) {
                Some(next) => PhpKey::Int(next),
                None => return,
            },
        };
        let index = match items.iter().position(|(k, _)| *k == key) {
            Some(index) => index,
            None => {
                items.push((key, PhpValue::Null));
                items.len() - 1
            }
        };
        slot = &mut items[index].1;
    }
    *slot = value;
}

/// The key `$array[] = …` uses: one more than the largest integer key, or 0.
fn next_int_key(items: &[(PhpKey, PhpValue)]) -> Option<i64> {
    let largest = items.iter().filter_map(|(k, _)| match k {
        PhpKey::Int(i) => Some(*i),
        PhpKey::Str(_) => None,
    });
    match largest.max() {
        Some(max) => max.checked_add(1),
        None => Some(0),
    }
}

/// Whether arrays nest more than `limit` levels inside `value` (stops looking at the limit).
fn nested_deeper_than(value: &PhpValue, limit: usize) -> bool {
    match value {
        PhpValue::Array(items) => {
            limit == 0 || items.iter().any(|(_, v)| nested_deeper_than(v, limit - 1))
        }
        _ => false,
    }
}

/// Builds an array literal with PHP's key rules in linear time.
struct ArrayBuilder {
    items: Vec<(PhpKey, PhpValue)>,
    index: HashMap<PhpKey, usize>,
    /// The next implicit integer key; `None` once `i64::MAX` was used.
    next: Option<i64>,
}

impl Default for ArrayBuilder {
    fn default() -> Self {
        ArrayBuilder {
            items: Vec::new(),
            index: HashMap::new(),
            next: Some(0),
        }
    }
}

impl ArrayBuilder {
    fn set(&mut self, key: PhpKey, value: PhpValue) {
        if let (PhpKey::Int(i), Some(next)) = (&key, self.next) {
            if *i >= next {
                self.next = i.checked_add(1);
            }
        }
        match self.index.get(&key) {
            Some(&at) => self.items[at].1 = value,
            None => {
                self.index.insert(key.clone(), self.items.len());
                self.items.push((key, value));
            }
        }
    }

    fn push(&mut self, value: PhpValue) {
        if let Some(next) = self.next {
            self.set(PhpKey::Int(next), value);
        }
    }

    /// `...$array`: integer keys are renumbered, string keys kept (PHP 8.1). False when the
    /// spread value is not a known array.
    fn spread(&mut self, value: PhpValue) -> bool {
        let PhpValue::Array(items) = value else {
            return false;
        };
        for (key, value) in items {
            match key {
                PhpKey::Int(_) => self.push(value),
                PhpKey::Str(_) => self.set(key, value),
            }
        }
        true
    }

    fn finish(self) -> PhpValue {
        PhpValue::Array(self.items)
    }
}

fn argument<'a>(args: &'a [Arg], position: usize, name: &str) -> Option<&'a PhpValue> {
    let named = args.iter().find(|a| a.name.as_deref() == Some(name));
    let positional = || args.iter().filter(|a| a.name.is_none()).nth(position);
    named.or_else(positional).map(|a| &a.value)
}

/// The lower-case name of a global function called as `name` or `\name`; `None` for
/// namespaced functions, which are never built-ins.
fn global_function_name(name: &str) -> Option<String> {
    let bare = name.strip_prefix('\\').unwrap_or(name);
    (!bare.contains('\\')).then(|| bare.to_ascii_lowercase())
}

fn call_dirname(args: &[Arg]) -> PhpValue {
    let Some(PhpValue::Str(path)) = argument(args, 0, "path") else {
        return PhpValue::Unknown;
    };
    let levels = match argument(args, 1, "levels") {
        None => 1,
        Some(PhpValue::Int(levels)) => *levels,
        Some(_) => return PhpValue::Unknown,
    };
    php_dirname(path, levels).map_or(PhpValue::Unknown, PhpValue::Str)
}

fn cast_arg(args: &[Arg], kind: &str) -> PhpValue {
    match argument(args, 0, "value") {
        Some(value) => cast(kind, value.clone()),
        None => PhpValue::Unknown,
    }
}

/// Constants every PHP build has, with their values on a Unix host.
fn predefined_constant(name: &str) -> Option<PhpValue> {
    let value = match name {
        "DIRECTORY_SEPARATOR" => PhpValue::Str("/".to_owned()),
        "PATH_SEPARATOR" => PhpValue::Str(":".to_owned()),
        "PHP_EOL" => PhpValue::Str("\n".to_owned()),
        "PHP_INT_MAX" => PhpValue::Int(i64::MAX),
        "PHP_INT_MIN" => PhpValue::Int(i64::MIN),
        "PHP_INT_SIZE" => PhpValue::Int(8),
        _ => return None,
    };
    Some(value)
}

fn line_of(src: &[u8], at: usize) -> i64 {
    let newlines = src[..at.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    i64::try_from(newlines).map_or(i64::MAX, |n| n.saturating_add(1))
}

fn bytes_to_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// PHP's `dirname($path, $levels)` for `/`-separated paths; `None` for `levels < 1` (PHP
/// throws).
fn php_dirname(path: &str, levels: i64) -> Option<String> {
    if levels < 1 {
        return None;
    }
    let mut current = path.to_owned();
    for _ in 0..levels {
        let parent = dirname_once(&current);
        if parent == current {
            break;
        }
        current = parent;
    }
    Some(current)
}

fn dirname_once(path: &str) -> String {
    let bytes = path.as_bytes();
    if bytes.is_empty() {
        return String::new();
    }
    let trailing_slashes = |end: usize| {
        bytes[..end]
            .iter()
            .rev()
            .take_while(|&&b| b == b'/')
            .count()
    };
    let mut end = bytes.len() - trailing_slashes(bytes.len());
    if end == 0 {
        return "/".to_owned();
    }
    end -= bytes[..end]
        .iter()
        .rev()
        .take_while(|&&b| b != b'/')
        .count();
    if end == 0 {
        return ".".to_owned();
    }
    end -= trailing_slashes(end);
    if end == 0 {
        return "/".to_owned();
    }
    path[..end].to_owned()
}

// ---------------------------------------------------------------------------------------------
// Operations on values (PHP 8 semantics for the cases that can be decided statically)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }

    fn value(self) -> PhpValue {
        match self {
            Num::I(i) => PhpValue::Int(i),
            Num::F(f) => PhpValue::Float(f),
        }
    }
}

/// The number a value stands for in arithmetic; strings only when wholly numeric.
fn as_number(value: &PhpValue) -> Option<Num> {
    match value {
        PhpValue::Null => Some(Num::I(0)),
        PhpValue::Bool(b) => Some(Num::I(i64::from(*b))),
        PhpValue::Int(i) => Some(Num::I(*i)),
        PhpValue::Float(f) => Some(Num::F(*f)),
        PhpValue::Str(s) => numeric_string(s),
        PhpValue::Array(_) | PhpValue::Unknown => None,
    }
}

const PHP_WHITESPACE: &[char] = &[' ', '\t', '\n', '\r', '\x0b', '\x0c'];

/// A PHP 8 numeric string (surrounding whitespace allowed).
fn numeric_string(s: &str) -> Option<Num> {
    let trimmed = s.trim_matches(PHP_WHITESPACE);
    let len = numeric_prefix_len(trimmed);
    (len > 0 && len == trimmed.len()).then(|| parse_numeric(trimmed))
}

/// The number at the start of a string, as `(int)` and `(float)` read it (`"12abc"` → 12).
fn leading_number(s: &str) -> Num {
    let trimmed = s.trim_start_matches(PHP_WHITESPACE);
    let len = numeric_prefix_len(trimmed);
    if len == 0 {
        return Num::I(0);
    }
    parse_numeric(&trimmed[..len])
}

/// Length of `[+-]digits[.digits][e[+-]digits]` at the start of `s` (0 if none).
fn numeric_prefix_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits_from = |i: usize| {
        b[i.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_digits = digits_from(i);
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        frac_digits = digits_from(i + 1);
        if int_digits + frac_digits > 0 {
            i += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return 0;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let exp_digits = digits_from(i + 1 + sign);
        if exp_digits > 0 {
            i += 1 + sign + exp_digits;
        }
    }
    i
}

fn parse_numeric(text: &str) -> Num {
    let is_float = text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'));
    if !is_float {
        if let Ok(i) = text.parse() {
            return Num::I(i);
        }
    }
    Num::F(parse_float(text.trim_start_matches('+')).unwrap_or(0.0))
}

/// `(int)` of a float: truncation; NaN, infinities and out-of-range values are not decided.
fn float_to_int(f: f64) -> Option<i64> {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.is_finite() && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
}

fn to_int(value: &PhpValue) -> Option<i64> {
    match value {
        PhpValue::Null => Some(0),
        PhpValue::Bool(b) => Some(i64::from(*b)),
        PhpValue::Int(i) => Some(*i),
        PhpValue::Float(f) => float_to_int(*f),
        // Numeric strings saturate, as PHP's string-to-int conversion does.
        PhpValue::Str(s) => Some(match leading_number(s) {
            Num::I(i) => i,
            Num::F(f) => f as i64,
        }),
        PhpValue::Array(items) => Some(i64::from(!items.is_empty())),
        PhpValue::Unknown => None,
    }
}

fn to_float(value: &PhpValue) -> Option<f64> {
    match value {
        PhpValue::Str(s) => Some(leading_number(s).as_f64()),
        PhpValue::Array(_) => None,
        other => as_number(other).map(Num::as_f64),
    }
}

fn cast(kind: &str, value: PhpValue) -> PhpValue {
    let cast = match kind {
        "int" => to_int(&value).map(PhpValue::Int),
        "float" => to_float(&value).map(PhpValue::Float),
        "string" => value.to_php_string().map(PhpValue::Str),
        "bool" => value.to_bool().map(PhpValue::Bool),
        "array" => cast_to_array(value),
        _ => None,
    };
    cast.unwrap_or(PhpValue::Unknown)
}

fn cast_to_array(value: PhpValue) -> Option<PhpValue> {
    match value {
        PhpValue::Array(_) => Some(value),
        PhpValue::Null => Some(PhpValue::Array(Vec::new())),
        PhpValue::Unknown => None,
        scalar => Some(PhpValue::Array(vec![(PhpKey::Int(0), scalar)])),
    }
}

fn number_value(value: &PhpValue) -> PhpValue {
    as_number(value).map_or(PhpValue::Unknown, Num::value)
}

fn negate(value: &PhpValue) -> PhpValue {
    match as_number(value) {
        Some(Num::I(i)) => i
            .checked_neg()
            .map_or(PhpValue::Float(-(i as f64)), PhpValue::Int),
        Some(Num::F(f)) => PhpValue::Float(-f),
        None => PhpValue::Unknown,
    }
}

fn binary_value(op: &str, left: &PhpValue, right: &PhpValue) -> PhpValue {
    let truth = |b: Option<bool>| b.map_or(PhpValue::Unknown, PhpValue::Bool);
    match op {
        "." => concat(left, right),
        "+" | "-" | "*" | "/" | "%" | "**" => arithmetic(op, left, right),
        "|" | "&" | "^" | "<<" | ">>" => bitwise(op, left, right),
        "===" => truth(strict_equal(left, right)),
        "!==" => truth(strict_equal(left, right).map(|b| !b)),
        "==" => truth(loose_equal(left, right)),
        "!=" => truth(loose_equal(left, right).map(|b| !b)),
        "<" | "<=" | ">" | ">=" | "<=>" => compare(op, left, right),
        "xor" => match (left.to_bool(), right.to_bool()) {
            (Some(a), Some(b)) => PhpValue::Bool(a != b),
            _ => PhpValue::Unknown,
        },
        _ => PhpValue::Unknown,
    }
}

fn concat(left: &PhpValue, right: &PhpValue) -> PhpValue {
    match (left.to_php_string(), right.to_php_string()) {
        (Some(l), Some(r)) if l.len() + r.len() <= MAX_STRING => PhpValue::Str(l + &r),
        _ => PhpValue::Unknown,
    }
}

fn arithmetic(op: &str, left: &PhpValue, right: &PhpValue) -> PhpValue {
    match (as_number(left), as_number(right)) {
        (Some(Num::I(l)), Some(Num::I(r))) => int_arithmetic(op, l, r),
        (Some(l), Some(r)) => float_arithmetic(op, l.as_f64(), r.as_f64()),
        _ => PhpValue::Unknown,
    }
}

/// Integer arithmetic; like PHP, a result that overflows is computed as a float.
fn int_arithmetic(op: &str, l: i64, r: i64) -> PhpValue {
    let exact = match op {
        "+" => l.checked_add(r),
        "-" => l.checked_sub(r),
        "*" => l.checked_mul(r),
        "%" if r == 0 => return PhpValue::Unknown,
        "%" => Some(l.checked_rem(r).unwrap_or(0)),
        "/" if r == 0 => return PhpValue::Unknown,
        "/" => match l.checked_rem(r) {
            Some(0) => l.checked_div(r),
            _ => None,
        },
        "**" => u32::try_from(r).ok().and_then(|e| l.checked_pow(e)),
        _ => None,
    };
    exact.map_or_else(|| float_arithmetic(op, l as f64, r as f64), PhpValue::Int)
}

fn float_arithmetic(op: &str, l: f64, r: f64) -> PhpValue {
    PhpValue::Float(match op {
        "+" => l + r,
        "-" => l - r,
        "*" => l * r,
        "/" if r != 0.0 => l / r,
        "**" => l.powf(r),
        _ => return PhpValue::Unknown,
    })
}

fn bitwise(op: &str, left: &PhpValue, right: &PhpValue) -> PhpValue {
    let (PhpValue::Int(l), PhpValue::Int(r)) = (left, right) else {
        return PhpValue::Unknown;
    };
    let (l, r) = (*l, *r);
    let shift = u32::try_from(r).ok();
    PhpValue::Int(match (op, shift) {
        ("|", _) => l | r,
        ("&", _) => l & r,
        ("^", _) => l ^ r,
        ("<<", Some(s)) if s < 64 => l << s,
        ("<<", Some(_)) => 0,
        (">>", Some(s)) if s < 64 => l >> s,
        (">>", Some(_)) => l >> 63,
        _ => return PhpValue::Unknown,
    })
}

fn strict_equal(left: &PhpValue, right: &PhpValue) -> Option<bool> {
    match (left, right) {
        (PhpValue::Unknown, _) | (_, PhpValue::Unknown) => None,
        (PhpValue::Array(l), PhpValue::Array(r)) => strict_array_equal(l, r),
        (PhpValue::Float(l), PhpValue::Float(r)) => Some(l == r),
        _ => Some(left == right),
    }
}

fn strict_array_equal(left: &[(PhpKey, PhpValue)], right: &[(PhpKey, PhpValue)]) -> Option<bool> {
    if left.len() != right.len() {
        return Some(false);
    }
    let mut all = Some(true);
    for ((lk, lv), (rk, rv)) in left.iter().zip(right) {
        match strict_equal(lv, rv) {
            _ if lk != rk => return Some(false),
            Some(false) => return Some(false),
            None => all = None,
            Some(true) => {}
        }
    }
    all
}

/// `==` for the pairs whose PHP 8 answer is simple; others are not decided.
fn loose_equal(left: &PhpValue, right: &PhpValue) -> Option<bool> {
    use PhpValue::{Bool, Float, Int, Null, Str};
    match (left, right) {
        (Bool(_), _) | (_, Bool(_)) | (Null, _) | (_, Null) if !has_unknown(left, right) => {
            let null_and_string = matches!((left, right), (Null, Str(_)) | (Str(_), Null));
            if null_and_string {
                return Some(left.to_php_string() == right.to_php_string());
            }
            Some(left.to_bool()? == right.to_bool()?)
        }
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            Some(as_number(left)?.as_f64() == as_number(right)?.as_f64())
        }
        (Str(l), Str(r)) => match (numeric_string(l), numeric_string(r)) {
            (Some(a), Some(b)) => Some(a.as_f64() == b.as_f64()),
            _ => Some(l == r),
        },
        _ => None,
    }
}

fn has_unknown(left: &PhpValue, right: &PhpValue) -> bool {
    left.is_unknown() || right.is_unknown()
}

/// Ordering of numbers; other operands are not decided.
fn compare(op: &str, left: &PhpValue, right: &PhpValue) -> PhpValue {
    let numeric = |v: &PhpValue| match v {
        PhpValue::Int(i) => Some(*i as f64),
        PhpValue::Float(f) => Some(*f),
        _ => None,
    };
    let (Some(l), Some(r)) = (numeric(left), numeric(right)) else {
        return PhpValue::Unknown;
    };
    let Some(ordering) = l.partial_cmp(&r) else {
        return PhpValue::Bool(false);
    };
    match op {
        "<" => PhpValue::Bool(ordering.is_lt()),
        "<=" => PhpValue::Bool(ordering.is_le()),
        ">" => PhpValue::Bool(ordering.is_gt()),
        ">=" => PhpValue::Bool(ordering.is_ge()),
        _ => PhpValue::Int(ordering as i64),
    }
}

/// A float as PHP converts it to string (`precision` = 14): `1.5`, `3`, `1.0E+25`, `1.0E-5`.
fn float_to_php_string(f: f64) -> String {
    if f.is_nan() {
        return "NAN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "INF" } else { "-INF" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // 14 significant digits, then PHP's choice between plain and exponent notation.
    let formatted = format!("{:.13e}", f.abs());
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    format!("{sign}{}", place_decimal_point(digits, exponent))
}

fn place_decimal_point(digits: &str, exponent: i32) -> String {
    let point = exponent + 1;
    if !(-3..=14).contains(&point) {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{first}.{rest}E{sign}{}", exponent.unsigned_abs());
    }
    let len = digits.len() as i32;
    if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if len <= point {
        format!("{digits}{}", "0".repeat((point - len) as usize))
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        format!("{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Sample files are written from the documented facts of each platform (file names,
    // constant and key names, formats), not copied from the platforms.

    const OPENCART3: &str = r#"<?php
// HTTP
define('HTTP_SERVER', 'http://shop.example.com/');
define('HTTPS_SERVER', 'https://shop.example.com/');

// DIR
define('DIR_APPLICATION', '/var/www/shop/catalog/');
define('DIR_SYSTEM', '/var/www/shop/system/');
define('DIR_IMAGE', '/var/www/shop/image/');
define('DIR_STORAGE', DIR_SYSTEM . 'storage/');
define('DIR_LANGUAGE', DIR_APPLICATION . 'language/');
define('DIR_TEMPLATE', DIR_APPLICATION . 'view/theme/');
define('DIR_CACHE', DIR_STORAGE . 'cache/');

// DB
define('DB_DRIVER', 'mysqli');
define('DB_HOSTNAME', 'localhost');
define('DB_USERNAME', 'oc_user');
define('DB_PASSWORD', 'p@ss\'w\\rd"x\n');
define('DB_DATABASE', 'opencart');
define('DB_PORT', '3306');
define('DB_PREFIX', 'oc_');
"#;

    const OPENCART4: &str = r#"<?php
// APPLICATION
define('APPLICATION', 'Catalog');

// HTTP
define('HTTP_SERVER', 'http://localhost/oc4/');

// DIR
define('DIR_OPENCART', '/srv/oc4/');
define('DIR_APPLICATION', DIR_OPENCART . 'catalog/');
define('DIR_EXTENSION', DIR_OPENCART . 'extension/');
define('DIR_IMAGE', DIR_OPENCART . 'image/');
define('DIR_SYSTEM', DIR_OPENCART . 'system/');
define('DIR_STORAGE', DIR_SYSTEM . 'storage/');
define('DIR_LANGUAGE', DIR_APPLICATION . 'language/');

// DB
define('DB_DRIVER', 'mysqli');
define('DB_HOSTNAME', '127.0.0.1');
define('DB_USERNAME', 'root');
define('DB_PASSWORD', '');
define('DB_DATABASE', 'oc4');
define('DB_PORT', 3306);
define('DB_PREFIX', 'oc_');
define('DB_SSL_KEY', '');
"#;

    const WORDPRESS: &str = r#"<?php
/**
 * The base configuration for WordPress.
 *
 * define('DB_NAME', 'from_doc_comment');
 */

// ** Database settings - You can get this info from your web host ** //
/** The name of the database for WordPress */
define( "DB_NAME", "wordpress" );
// define('DB_NAME', 'wrong');
# define('DB_USER', 'wrong_too');
/* define('DB_PASSWORD','x') */
define( 'DB_USER', 'wp_user' );
define( 'DB_PASSWORD', "s3cr\$t\"pw" );
Define ( 'DB_HOST' , 'localhost:3307' ) ;
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
define( 'AUTH_KEY',         'put your unique phrase here' );

/**
 * WordPress database table prefix.
 */
$table_prefix = 'wp_';

define( 'WP_DEBUG', false );
#[ an old-style comment that merely starts with a bracket

/* That's all, stop editing! Happy publishing. */

/** Absolute path to the WordPress directory. */
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

/** Sets up WordPress vars and included files. */
require_once ABSPATH . 'wp-settings.php';
"#;

    const MAGENTO2_ENV: &str = r#"<?php
return [
    'backend' => [
        'frontName' => 'admin_xyz'
    ],
    'crypt' => [
        'key' => 'deadbeef'
    ],
    'db' => [
        'table_prefix' => '',
        'connection' => [
            'default' => [
                'host' => 'localhost',
                'dbname' => 'magento',
                'username' => 'm',
                'password' => 'p',
                'model' => 'mysql4',
                'engine' => 'innodb',
                'initStatements' => 'SET NAMES utf8;',
                'active' => '1',
                'driver_options' => [
                    1014 => false
                ]
            ]
        ]
    ],
    'resource' => [
        'default_setup' => [
            'connection' => 'default'
        ]
    ],
    'MAGE_MODE' => 'production',
    'install' => [
        'date' => 'Mon, 01 Jan 2024 00:00:00 +0000'
    ]
];
"#;

    const PRESTASHOP17: &str = r#"<?php return array (
  'parameters' => 
  array (
    'database_host' => '127.0.0.1',
    'database_port' => '',
    'database_name' => 'prestashop',
    'database_user' => 'root',
    'database_password' => 'pa%%ss',
    'database_prefix' => 'ps_',
    'database_engine' => 'InnoDB',
    'mailer_transport' => 'smtp',
    'ps_caching' => 'CacheMemcache',
    'ps_cache_enable' => false,
    'ps_creation_date' => '2024-01-01',
    'locale' => 'en-US',
    'use_debug_toolbar' => true,
    'cookie_key' => 'abc',
  ),
);
"#;

    const JOOMLA: &str = r#"<?php
class JConfig {
	public $offline = false;
	public $dbtype = 'mysqli';
	public $host = 'localhost';
	public $user = 'joomla';
	public $password = 'a\'b';
	public $db = 'joomla_db';
	public $dbprefix = 'jos_';
	public $offset = 'UTC';
	var $legacy = 'old';
	public static $shared = array('a' => 1);
	public $lifetime = 15;
	public $untyped;
	public ?string $typed;
}
"#;

    const OXID: &str = r#"<?php
/**
 * This file is included from inside a method of the shop's config class.
 */
    /** Database connection info */
    $this->dbType = 'pdo_mysql';
    $this->dbHost = 'localhost';
    $this->dbPort  = 3306;
    $this->dbName = 'oxid';
    $this->dbUser = 'oxid_user';
    $this->dbPwd  = 'ox\'pw';
    $this->sShopURL     = 'http://oxid.example';
    $this->sShopDir     = __DIR__;
    $this->sCompileDir  = __DIR__ . '/tmp';
    date_default_timezone_set('Europe/Berlin');
"#;

    const CUBECART: &str = r#"<?php
$glob['adminFile'] = 'admin.php';
$glob['dbdatabase'] = 'cubecart';
$glob['dbhost'] = 'localhost';
$glob['dbpassword'] = 'ccpw';
$glob['dbprefix'] = 'CubeCart_';
$glob['dbusername'] = 'cc';
$glob['installed'] = '1';
$glob['rootRel'] = '/';
$glob['storeURL'] = 'http://cc.example';
$glob['encoder'] = 'ioncube';
?>
"#;

    const SHOPWARE5: &str = r#"<?php return array (
  'db' => 
  array (
    'username' => 'sw',
    'password' => 'swpw',
    'dbname' => 'shopware',
    'host' => 'localhost',
    'port' => '3306',
  ),
);
"#;

    const DRUPAL7: &str = r#"<?php
$databases = array (
  'default' =>
  array (
    'default' =>
    array (
      'database' => 'drupal',
      'username' => 'du',
      'password' => 'dp',
      'host' => 'localhost',
      'port' => '',
      'driver' => 'mysql',
      'prefix' => '',
    ),
  ),
);
$databases['default']['default']['port'] = '3307';
$update_free_access = FALSE;
$drupal_hash_salt = '';
ini_set('session.gc_probability', 1);
"#;

    fn path() -> &'static Path {
        Path::new("/var/www/shop/config.php")
    }

    fn parse(source: &str) -> PhpFile {
        PhpFile::parse(source, path())
    }

    fn s(value: &str) -> PhpValue {
        PhpValue::Str(value.to_owned())
    }

    fn define_str<'f>(file: &'f PhpFile, name: &str) -> Option<&'f str> {
        file.define(name).and_then(PhpValue::as_str)
    }

    // --- platform samples ----------------------------------------------------------------------

    #[test]
    fn opencart3_config() {
        let file = parse(OPENCART3);
        assert_eq!(define_str(&file, "DB_HOSTNAME"), Some("localhost"));
        assert_eq!(define_str(&file, "DB_USERNAME"), Some("oc_user"));
        assert_eq!(define_str(&file, "DB_PASSWORD"), Some("p@ss'w\\rd\"x\\n"));
        assert_eq!(define_str(&file, "DB_DATABASE"), Some("opencart"));
        assert_eq!(file.define("DB_PORT"), Some(&s("3306")));
        assert_eq!(define_str(&file, "DB_PREFIX"), Some("oc_"));
        assert_eq!(
            define_str(&file, "DIR_STORAGE"),
            Some("/var/www/shop/system/storage/")
        );
        assert_eq!(
            define_str(&file, "DIR_CACHE"),
            Some("/var/www/shop/system/storage/cache/")
        );
        assert_eq!(
            define_str(&file, "DIR_TEMPLATE"),
            Some("/var/www/shop/catalog/view/theme/")
        );
        assert_eq!(
            file.define("db_hostname"),
            None,
            "constants are case-sensitive"
        );
    }

    #[test]
    fn opencart4_config() {
        let file = parse(OPENCART4);
        assert_eq!(
            define_str(&file, "DIR_APPLICATION"),
            Some("/srv/oc4/catalog/")
        );
        assert_eq!(
            define_str(&file, "DIR_STORAGE"),
            Some("/srv/oc4/system/storage/")
        );
        assert_eq!(
            define_str(&file, "DIR_LANGUAGE"),
            Some("/srv/oc4/catalog/language/")
        );
        assert_eq!(file.define("DB_PORT"), Some(&PhpValue::Int(3306)));
        assert_eq!(
            file.define("DB_PORT")
                .and_then(PhpValue::to_php_string)
                .as_deref(),
            Some("3306")
        );
        assert_eq!(define_str(&file, "DB_PASSWORD"), Some(""));
        assert_eq!(define_str(&file, "DB_HOSTNAME"), Some("127.0.0.1"));
    }

    #[test]
    fn wordpress_config_ignores_comments() {
        let file = PhpFile::parse(WORDPRESS, Path::new("/srv/wp/wp-config.php"));
        assert_eq!(define_str(&file, "DB_NAME"), Some("wordpress"));
        assert_eq!(define_str(&file, "DB_USER"), Some("wp_user"));
        assert_eq!(define_str(&file, "DB_PASSWORD"), Some("s3cr$t\"pw"));
        assert_eq!(define_str(&file, "DB_HOST"), Some("localhost:3307"));
        assert_eq!(define_str(&file, "DB_COLLATE"), Some(""));
        assert_eq!(file.define("WP_DEBUG"), Some(&PhpValue::Bool(false)));
        assert_eq!(file.variable("$table_prefix"), Some(&s("wp_")));
        assert_eq!(file.variable("table_prefix"), Some(&s("wp_")));
        assert_eq!(define_str(&file, "ABSPATH"), Some("/srv/wp/"));
    }

    #[test]
    fn magento2_env_returns_array() {
        let file = parse(MAGENTO2_ENV);
        let env = file.returned().expect("env.php returns an array");
        let default = env.path(&["db", "connection", "default"]).unwrap();
        assert_eq!(default.get("host"), Some(&s("localhost")));
        assert_eq!(default.get("dbname"), Some(&s("magento")));
        assert_eq!(default.get("username"), Some(&s("m")));
        assert_eq!(default.get("password"), Some(&s("p")));
        assert_eq!(default.get("active"), Some(&s("1")));
        assert_eq!(env.path(&["db", "table_prefix"]), Some(&s("")));
        assert_eq!(
            default.path(&["driver_options", "1014"]),
            Some(&PhpValue::Bool(false))
        );
        assert_eq!(
            env.path(&["resource", "default_setup", "connection"]),
            Some(&s("default"))
        );
        assert_eq!(env.get("missing"), None);
    }

    #[test]
    fn prestashop17_parameters() {
        let file = parse(PRESTASHOP17);
        let parameters = file.returned().and_then(|r| r.get("parameters")).unwrap();
        assert_eq!(parameters.get("database_host"), Some(&s("127.0.0.1")));
        assert_eq!(parameters.get("database_port"), Some(&s("")));
        assert_eq!(parameters.get("database_name"), Some(&s("prestashop")));
        assert_eq!(parameters.get("database_password"), Some(&s("pa%%ss")));
        assert_eq!(parameters.get("database_prefix"), Some(&s("ps_")));
        assert_eq!(
            parameters.get("ps_cache_enable"),
            Some(&PhpValue::Bool(false))
        );
    }

    #[test]
    fn shopware5_config() {
        let file = parse(SHOPWARE5);
        let db = file.returned().and_then(|r| r.get("db")).unwrap();
        assert_eq!(db.get("host"), Some(&s("localhost")));
        assert_eq!(db.get("port"), Some(&s("3306")));
        assert_eq!(db.get("dbname"), Some(&s("shopware")));
    }

    #[test]
    fn joomla_class_properties() {
        let file = parse(JOOMLA);
        assert_eq!(
            file.property(Some("JConfig"), "host"),
            Some(&s("localhost"))
        );
        assert_eq!(
            file.property(Some("jconfig"), "$dbprefix"),
            Some(&s("jos_"))
        );
        assert_eq!(file.property(None, "password"), Some(&s("a'b")));
        assert_eq!(file.property(None, "legacy"), Some(&s("old")));
        assert_eq!(file.property(None, "lifetime"), Some(&PhpValue::Int(15)));
        assert_eq!(file.property(None, "untyped"), Some(&PhpValue::Null));
        assert_eq!(file.property(None, "typed"), None);
        let shared = file.property(None, "shared").unwrap();
        assert_eq!(shared.get("a"), Some(&PhpValue::Int(1)));
        assert_eq!(file.property(Some("Other"), "host"), None);
        assert_eq!(file.variable("host"), None);
    }

    #[test]
    fn oxid_this_assignments() {
        let file = PhpFile::parse(OXID, Path::new("/srv/oxid/source/config.inc.php"));
        assert_eq!(file.property(None, "dbHost"), Some(&s("localhost")));
        assert_eq!(file.property(None, "dbName"), Some(&s("oxid")));
        assert_eq!(file.property(None, "dbUser"), Some(&s("oxid_user")));
        assert_eq!(file.property(None, "dbPwd"), Some(&s("ox'pw")));
        assert_eq!(file.property(None, "dbPort"), Some(&PhpValue::Int(3306)));
        assert_eq!(
            file.property(None, "sCompileDir"),
            Some(&s("/srv/oxid/source/tmp"))
        );
    }

    #[test]
    fn this_assignments_inside_methods() {
        let file = parse(
            r#"<?php
            class Config {
                protected $dbHost = 'default';
                public function init() {
                    $host = 'db.internal';
                    $this->dbHost = $host;
                    $this->dbName = 'shop';
                    define('NOT_AT_INCLUDE_TIME', 1);
                    return 5;
                }
            }
            $host = 'outer';
            "#,
        );
        assert_eq!(
            file.property(Some("Config"), "dbHost"),
            Some(&s("db.internal"))
        );
        assert_eq!(file.property(Some("Config"), "dbName"), Some(&s("shop")));
        assert_eq!(file.variable("host"), Some(&s("outer")));
        assert_eq!(file.define("NOT_AT_INCLUDE_TIME"), None);
        assert_eq!(file.returned(), None);
    }

    #[test]
    fn cubecart_piecewise_array() {
        let file = parse(CUBECART);
        let glob = file.variable("glob").unwrap();
        assert_eq!(glob.get("dbhost"), Some(&s("localhost")));
        assert_eq!(glob.get("dbdatabase"), Some(&s("cubecart")));
        assert_eq!(glob.get("dbusername"), Some(&s("cc")));
        assert_eq!(glob.get("dbpassword"), Some(&s("ccpw")));
        assert_eq!(glob.get("dbprefix"), Some(&s("CubeCart_")));
        assert_eq!(glob.as_array().map(<[_]>::len), Some(10));
    }

    #[test]
    fn drupal7_databases_and_later_overrides() {
        let file = parse(DRUPAL7);
        let default = file
            .variable("databases")
            .unwrap()
            .path(&["default", "default"])
            .unwrap();
        assert_eq!(default.get("database"), Some(&s("drupal")));
        assert_eq!(default.get("port"), Some(&s("3307")));
        assert_eq!(
            file.variable("update_free_access"),
            Some(&PhpValue::Bool(false))
        );
    }

    #[test]
    fn globals_array_is_the_global_variable() {
        let file = parse("<?php $GLOBALS['ISC_CFG']['dbServer'] = 'db1'; $GLOBALS['x'] = 2;");
        assert_eq!(
            file.variable("ISC_CFG").and_then(|v| v.get("dbServer")),
            Some(&s("db1"))
        );
        assert_eq!(file.variable("x"), Some(&PhpValue::Int(2)));
    }

    // --- strings -------------------------------------------------------------------------------

    #[test]
    fn heredoc_and_nowdoc() {
        let file = parse(
            "<?php
$a = <<<EOT
  Line 1
    Line \\\"2\\\" \\t tab
  EOT;
$b = <<<'NOW'
raw \\n $not_var
NOW;
$c = <<<\"QUOTED\"
x\\x41\\101
QUOTED;
$d = <<<EOT
hello $name
EOT;
$e = [<<<A
    one
    A, 'two'];
$f = <<<EOT
EOT;
$g = <<<EOT
  bad
 EOT;
$h = <<<EOT\r\nwindows\r\nEOT;\r\n$i = 'after';
",
        );
        assert_eq!(
            file.variable("a"),
            Some(&s("Line 1\n  Line \\\"2\\\" \t tab"))
        );
        assert_eq!(file.variable("b"), Some(&s("raw \\n $not_var")));
        assert_eq!(file.variable("c"), Some(&s("xAA")));
        assert_eq!(file.variable("d"), Some(&PhpValue::Unknown));
        let e = file.variable("e").unwrap();
        assert_eq!(e.get("0"), Some(&s("one")));
        assert_eq!(e.get("1"), Some(&s("two")));
        assert_eq!(file.variable("f"), Some(&s("")));
        assert_eq!(file.variable("g"), Some(&s(" bad")));
        assert_eq!(file.variable("h"), Some(&s("windows")));
        assert_eq!(file.variable("i"), Some(&s("after")));
    }

    #[test]
    fn heredoc_body_indented_less_than_marker_is_unknown() {
        let file = parse("<?php\n$a = <<<EOT\n  ok\n bad\n  EOT;\n$b = 1;");
        assert_eq!(file.variable("a"), Some(&PhpValue::Unknown));
        assert_eq!(file.variable("b"), Some(&PhpValue::Int(1)));
    }

    #[test]
    fn double_quoted_escapes() {
        let file = parse(
            r#"<?php
            $a = "a\nb\tc\\d\$e\"f\101\x42\u{263A}\e\v\f\r\q\x";
            $b = "\400";
            $c = "cost $5 and {braces} and \{";
            $d = "\u{110000}";
            $e = 'single \n \\ \' \x41';
            "#,
        );
        assert_eq!(
            file.variable("a"),
            Some(&s("a\nb\tc\\d$e\"fAB\u{263A}\u{1b}\u{0b}\u{0c}\r\\q\\x"))
        );
        assert_eq!(file.variable("b"), Some(&s("\0")));
        assert_eq!(file.variable("c"), Some(&s("cost $5 and {braces} and \\{")));
        assert_eq!(file.variable("d"), Some(&PhpValue::Unknown));
        assert_eq!(file.variable("e"), Some(&s("single \\n \\ ' \\x41")));
    }

    #[test]
    fn interpolated_strings_are_unknown() {
        let file = parse(
            r#"<?php
            $env = 'prod';
            $a = "host-$env";
            $b = "{$cfg["key}"]} tail";
            $c = "${name}";
            $d = `hostname`;
            $e = 'after';
            "#,
        );
        for name in ["a", "b", "c", "d"] {
            assert_eq!(file.variable(name), Some(&PhpValue::Unknown), "{name}");
        }
        assert_eq!(file.variable("e"), Some(&s("after")));
    }

    #[test]
    fn non_utf8_bytes_are_kept_lossily() {
        let source = b"<?php define('PW', 'caf\xe9'); define('OK', \"\xff\"); define('NEXT', 'x');";
        let file = PhpFile::parse_bytes(source, path());
        assert_eq!(define_str(&file, "PW"), Some("caf\u{FFFD}"));
        assert_eq!(define_str(&file, "OK"), Some("\u{FFFD}"));
        assert_eq!(define_str(&file, "NEXT"), Some("x"));
    }

    // --- literals and expressions --------------------------------------------------------------

    #[test]
    fn numbers() {
        let file = parse(
            "<?php $a = 0x1F; $b = 0755; $c = 0o17; $d = 0b101; $e = 1_000_000; $f = 1.5;
             $g = .5; $h = 1e3; $i = -42; $j = -0x10; $k = 9223372036854775807;
             $l = 9223372036854775808; $m = -9223372036854775808; $n = 1.; $o = 0;
             $p = 2 ** 10; $q = -2 ** 2; $r = 7 % 3; $t = 1 + 2 * 3; $u = 10 / 4; $v = 08;",
        );
        let int = |name: &str| file.variable(name).cloned();
        assert_eq!(int("a"), Some(PhpValue::Int(31)));
        assert_eq!(int("b"), Some(PhpValue::Int(493)));
        assert_eq!(int("c"), Some(PhpValue::Int(15)));
        assert_eq!(int("d"), Some(PhpValue::Int(5)));
        assert_eq!(int("e"), Some(PhpValue::Int(1_000_000)));
        assert_eq!(int("f"), Some(PhpValue::Float(1.5)));
        assert_eq!(int("g"), Some(PhpValue::Float(0.5)));
        assert_eq!(int("h"), Some(PhpValue::Float(1000.0)));
        assert_eq!(int("i"), Some(PhpValue::Int(-42)));
        assert_eq!(int("j"), Some(PhpValue::Int(-16)));
        assert_eq!(int("k"), Some(PhpValue::Int(i64::MAX)));
        assert_eq!(int("l"), Some(PhpValue::Float(9_223_372_036_854_775_808.0)));
        assert_eq!(
            int("m"),
            Some(PhpValue::Float(-9_223_372_036_854_775_808.0))
        );
        assert_eq!(int("n"), Some(PhpValue::Float(1.0)));
        assert_eq!(int("o"), Some(PhpValue::Int(0)));
        assert_eq!(int("p"), Some(PhpValue::Int(1024)));
        assert_eq!(int("q"), Some(PhpValue::Int(-4)));
        assert_eq!(int("r"), Some(PhpValue::Int(1)));
        assert_eq!(int("t"), Some(PhpValue::Int(7)));
        assert_eq!(int("u"), Some(PhpValue::Float(2.5)));
        assert_eq!(int("v"), None, "invalid octal literal is a syntax error");
    }

    #[test]
    fn keywords_are_case_insensitive() {
        let file = parse("<?php $a = TRUE; $b = False; $c = NULL; $d = \\true; DEFINE('X', null);");
        assert_eq!(file.variable("a"), Some(&PhpValue::Bool(true)));
        assert_eq!(file.variable("b"), Some(&PhpValue::Bool(false)));
        assert_eq!(file.variable("c"), Some(&PhpValue::Null));
        assert_eq!(file.variable("d"), Some(&PhpValue::Bool(true)));
        assert_eq!(file.define("X"), Some(&PhpValue::Null));
    }

    #[test]
    fn arrays_keys_and_appends() {
        let file = parse(
            "<?php
            $a = ['a', 'b', 5 => 'c', 'd', '7' => 'e', 'k' => ['x' => 1,], true => 'one', 'a',];
            $list[] = 'first';
            $list[] = 'second';
            $list['x']['y'] = 'z';
            $list['x']['w'] = 'v';
            $old = array(1, array('n' => 'm'), );
            $dup = ['k' => 1, 'k' => 2];
            $spread = [...['p', 'q'], 'r', ...['s' => 't']];
            ",
        );
        let a = file.variable("a").unwrap();
        let keys: Vec<&PhpKey> = a.as_array().unwrap().iter().map(|(k, _)| k).collect();
        let expected = [
            PhpKey::Int(0),
            PhpKey::Int(1),
            PhpKey::Int(5),
            PhpKey::Int(6),
            PhpKey::Int(7),
            PhpKey::Str("k".into()),
            PhpKey::Int(8),
        ];
        assert_eq!(keys, expected.iter().collect::<Vec<_>>());
        assert_eq!(a.get("1"), Some(&s("one")), "true => 'one' overwrote key 1");
        assert_eq!(a.get("8"), Some(&s("a")));
        assert_eq!(a.path(&["k", "x"]), Some(&PhpValue::Int(1)));
        let list = file.variable("list").unwrap();
        assert_eq!(list.get("0"), Some(&s("first")));
        assert_eq!(list.get("1"), Some(&s("second")));
        assert_eq!(list.path(&["x", "y"]), Some(&s("z")));
        assert_eq!(list.path(&["x", "w"]), Some(&s("v")));
        assert_eq!(
            file.variable("old").unwrap().path(&["1", "n"]),
            Some(&s("m"))
        );
        assert_eq!(file.variable("dup").unwrap().as_array().unwrap().len(), 1);
        assert_eq!(
            file.variable("dup").unwrap().get("k"),
            Some(&PhpValue::Int(2))
        );
        let spread = file.variable("spread").unwrap();
        assert_eq!(spread.get("2"), Some(&s("r")));
        assert_eq!(spread.get("s"), Some(&s("t")));
    }

    #[test]
    fn unknown_array_key_drops_only_that_entry() {
        let file = parse("<?php return ['host' => 'h', FOO::BAR => 'x', 'port' => getenv('P')];");
        let r = file.returned().unwrap();
        assert_eq!(r.get("host"), Some(&s("h")));
        assert_eq!(r.get("port"), Some(&PhpValue::Unknown));
        assert_eq!(r.as_array().unwrap().len(), 2);
    }

    #[test]
    fn magic_constants_and_dirname() {
        let file = parse(
            "<?php
            define('A', __DIR__);
            define('B', __FILE__);
            define('C', dirname(__FILE__));
            define('D', dirname(__DIR__));
            define('E', dirname(__FILE__, 2));
            define('F', dirname('/a/b/c/', 5));
            define('G', __dir__ . DIRECTORY_SEPARATOR . 'x');
            define('H', __LINE__);
            define('I', dirname(levels: 3, path: __FILE__));
            ",
        );
        assert_eq!(define_str(&file, "A"), Some("/var/www/shop"));
        assert_eq!(define_str(&file, "B"), Some("/var/www/shop/config.php"));
        assert_eq!(define_str(&file, "C"), Some("/var/www/shop"));
        assert_eq!(define_str(&file, "D"), Some("/var/www"));
        assert_eq!(define_str(&file, "E"), Some("/var/www"));
        assert_eq!(define_str(&file, "F"), Some("/"));
        assert_eq!(define_str(&file, "G"), Some("/var/www/shop/x"));
        assert_eq!(file.define("H"), Some(&PhpValue::Int(9)));
        assert_eq!(define_str(&file, "I"), Some("/var"));
    }

    #[test]
    fn runtime_values_are_unknown_with_fallbacks() {
        let file = parse(
            "<?php
            $a = getenv('DB_HOST');
            $b = getenv('DB_PORT') ?: '3306';
            $c = $_ENV['DB_HOST'] ?? 'localhost';
            $d = 'set' ?? 'default';
            $e = true ? 'yes' : 'no';
            $f = getenv('X') ? 'a' : 'b';
            $g = 0 ?: 'zero';
            $h = null ?? (false ? 1 : 2);
            $i = some_function('x') . 'suffix';
            $j = $undefined;
            $k = new Foo('x');
            $l = Foo::bar();
            $m = 'pre' . getenv('X');
            ",
        );
        assert_eq!(file.variable("a"), Some(&PhpValue::Unknown));
        assert_eq!(file.variable("b"), Some(&s("3306")));
        assert_eq!(file.variable("c"), Some(&s("localhost")));
        assert_eq!(file.variable("d"), Some(&s("set")));
        assert_eq!(file.variable("e"), Some(&s("yes")));
        assert_eq!(file.variable("f"), Some(&PhpValue::Unknown));
        assert_eq!(file.variable("g"), Some(&s("zero")));
        assert_eq!(file.variable("h"), Some(&PhpValue::Int(2)));
        for name in ["i", "j", "k", "l", "m"] {
            assert_eq!(file.variable(name), Some(&PhpValue::Unknown), "{name}");
        }
    }

    #[test]
    fn casts_and_conversions() {
        let file = parse(
            "<?php $a = (int)'3306'; $b = (string)3306; $c = (int) '12abc'; $d = (bool)'0';
             $e = ( int )\"7\"; $f = (float)'1.5'; $g = (array)'x'; $h = intval('42');
             $i = (string)1.0; $j = (string)0.1; $k = (int)true; $l = (string)false;",
        );
        assert_eq!(file.variable("a"), Some(&PhpValue::Int(3306)));
        assert_eq!(file.variable("b"), Some(&s("3306")));
        assert_eq!(file.variable("c"), Some(&PhpValue::Int(12)));
        assert_eq!(file.variable("d"), Some(&PhpValue::Bool(false)));
        assert_eq!(file.variable("e"), Some(&PhpValue::Int(7)));
        assert_eq!(file.variable("f"), Some(&PhpValue::Float(1.5)));
        assert_eq!(file.variable("g").unwrap().get("0"), Some(&s("x")));
        assert_eq!(file.variable("h"), Some(&PhpValue::Int(42)));
        assert_eq!(file.variable("i"), Some(&s("1")));
        assert_eq!(file.variable("j"), Some(&s("0.1")));
        assert_eq!(file.variable("k"), Some(&PhpValue::Int(1)));
        assert_eq!(file.variable("l"), Some(&s("")));
    }

    #[test]
    fn compound_assignments() {
        let file = parse("<?php $a = 'x'; $a .= 'y'; $n = 1; $n += 2; $z ??= 'dflt'; $a ??= 'no';");
        assert_eq!(file.variable("a"), Some(&s("xy")));
        assert_eq!(file.variable("n"), Some(&PhpValue::Int(3)));
        assert_eq!(file.variable("z"), Some(&s("dflt")));
    }

    // --- control flow --------------------------------------------------------------------------

    #[test]
    fn conditions_and_guards() {
        let file = parse(
            "<?php
            if (!defined('_PS_VERSION_')) define('_PS_VERSION_', '1.6.1.24');
            if (!defined('_PS_VERSION_')) define('_PS_VERSION_', 'second');
            defined('X') or define('X', 'v');
            defined('X') or define('X', 'other');
            if (false) { define('F', 1); $v = 'dead'; } elseif (true) { define('F', 2); } else { define('F', 3); }
            if (getenv('G')) { define('G', getenv('G')); } else { define('G', 'fallback'); }
            if (getenv('V')) { $v = 'first'; } else { $v = 'second'; }
            if (true): define('H', 'alt'); else: define('H', 'no'); endif;
            if (0) define('I', 'dead'); else if (1) define('I', 'live');
            false && define('J', 1);
            true || define('K', 1);
            while (true) { define('LOOP', 1); }
            foreach ($a as $b): define('LOOP2', 1); endforeach;
            switch ($x) { case 1: define('CASE', 1); break; default: break; }
            try { define('TRY', 1); } catch (Exception $e) { define('CATCH', 1); } finally { define('FIN', 1); }
            function f() { define('FN', 1); }
            $closure = function () { define('CL', 1); };
            ",
        );
        assert_eq!(define_str(&file, "_PS_VERSION_"), Some("1.6.1.24"));
        assert_eq!(define_str(&file, "X"), Some("v"));
        assert_eq!(file.define("F"), Some(&PhpValue::Int(2)));
        assert_eq!(
            file.define("G"),
            Some(&PhpValue::Unknown),
            "first definition wins"
        );
        assert_eq!(
            file.variable("v"),
            Some(&s("second")),
            "later assignment wins"
        );
        assert_eq!(define_str(&file, "H"), Some("alt"));
        assert_eq!(define_str(&file, "I"), Some("live"));
        for name in ["J", "K", "LOOP", "LOOP2", "CASE", "CATCH", "FN", "CL"] {
            assert_eq!(file.define(name), None, "{name}");
        }
        assert_eq!(file.define("TRY"), Some(&PhpValue::Int(1)));
        assert_eq!(file.define("FIN"), Some(&PhpValue::Int(1)));
    }

    #[test]
    fn return_stops_the_file() {
        let file = parse("<?php $a = 1; return ['a' => $a]; define('AFTER', 1);");
        assert_eq!(file.returned().unwrap().get("a"), Some(&PhpValue::Int(1)));
        assert_eq!(file.define("AFTER"), None);
        let conditional = parse(
            "<?php if (file_exists('local.php')) { return require 'local.php'; }
             return ['db' => ['host' => 'h']];",
        );
        assert_eq!(
            conditional.returned().unwrap().path(&["db", "host"]),
            Some(&s("h"))
        );
    }

    #[test]
    fn syntax_errors_skip_one_statement() {
        let file = parse(
            "<?php
            define('A', 'one');
            define('B', 'two' 'oops');
            $x = ;
            define('C', 'three');
            $y = foo(;
            }
            define('D', 'four');
            $arr = [1, 2,, 3];
            if (true) { $in = 1 2; $in2 = 'ok'; }
            $s = 'unterminated;
            ",
        );
        assert_eq!(define_str(&file, "A"), Some("one"));
        assert_eq!(file.define("B"), None);
        assert_eq!(file.variable("x"), None);
        assert_eq!(define_str(&file, "C"), Some("three"));
        assert_eq!(define_str(&file, "D"), Some("four"));
        assert_eq!(file.variable("arr").unwrap().as_array().unwrap().len(), 3);
        assert_eq!(file.variable("in2"), Some(&s("ok")));
        assert_eq!(file.variable("s"), None);
    }

    #[test]
    fn inline_html_tags_and_comments() {
        let file = parse(
            "#!/usr/bin/env php\n<html><?php define('A', 1) ?><p>define('B', 2);</p>\
             <?php define('C', 3); // comment ends at the tag ?> define('E', 5);\
             <?PHP define('D', 4); /* ?> inside a block comment */ define('F', 6);\
             <?= 'echo' ?>",
        );
        assert_eq!(file.define("A"), Some(&PhpValue::Int(1)));
        assert_eq!(file.define("B"), None);
        assert_eq!(file.define("C"), Some(&PhpValue::Int(3)));
        assert_eq!(file.define("D"), Some(&PhpValue::Int(4)));
        assert_eq!(file.define("E"), None);
        assert_eq!(file.define("F"), Some(&PhpValue::Int(6)));
    }

    #[test]
    fn attributes_are_skipped() {
        let file = parse(
            "<?php
            #[Attr(['x' => ']'])]
            class C {
                #[Deprecated, Other(1)]
                public $p = 'v';
                #[\\Attr] public function f() {}
            }
            # plain comment define('NO', 1);
            define('YES', 1);",
        );
        assert_eq!(file.property(Some("C"), "p"), Some(&s("v")));
        assert_eq!(file.define("NO"), None);
        assert_eq!(file.define("YES"), Some(&PhpValue::Int(1)));
    }

    #[test]
    fn class_constants_and_self_references() {
        let file = parse(
            "<?php
            namespace App\\Kernel;
            use Foo\\Bar;
            abstract class AppKernel extends Kernel implements A, B {
                const VERSION = '8.0.0';
                public const MAJOR_VERSION = 8, MINOR_VERSION = 0;
                final public const string TYPED = 't';
                public $v = self::VERSION;
                private static $s = AppKernel::MAJOR_VERSION + 1;
                public function registerBundles(): iterable { return []; }
                abstract protected function x();
            }
            enum Suit: string { case Hearts = 'H'; const Wild = self::Hearts; }
            const DB = 'x';
            define('GLOBAL_ONE', DB . 'y');
            define('FROM_CLASS', constant('AppKernel::VERSION'));",
        );
        assert_eq!(
            file.class_constant(Some("AppKernel"), "VERSION"),
            Some(&s("8.0.0"))
        );
        assert_eq!(
            file.class_constant(None, "MINOR_VERSION"),
            Some(&PhpValue::Int(0))
        );
        assert_eq!(file.class_constant(None, "TYPED"), Some(&s("t")));
        assert_eq!(file.property(Some("AppKernel"), "v"), Some(&s("8.0.0")));
        assert_eq!(file.property(None, "s"), Some(&PhpValue::Int(9)));
        assert_eq!(define_str(&file, "App\\Kernel\\DB"), Some("x"));
        assert_eq!(define_str(&file, "GLOBAL_ONE"), Some("xy"));
        assert_eq!(define_str(&file, "FROM_CLASS"), Some("8.0.0"));
        assert_eq!(file.returned(), None);
    }

    // --- value API -----------------------------------------------------------------------------

    #[test]
    fn value_conversions() {
        assert_eq!(PhpValue::Int(3306).to_php_string().as_deref(), Some("3306"));
        assert_eq!(PhpValue::Bool(true).to_php_string().as_deref(), Some("1"));
        assert_eq!(PhpValue::Bool(false).to_php_string().as_deref(), Some(""));
        assert_eq!(PhpValue::Null.to_php_string().as_deref(), Some(""));
        assert_eq!(PhpValue::Float(1.5).to_php_string().as_deref(), Some("1.5"));
        assert_eq!(PhpValue::Unknown.to_php_string(), None);
        assert_eq!(PhpValue::Array(Vec::new()).to_php_string(), None);
        assert_eq!(PhpValue::Int(1).as_str(), None);
        assert_eq!(PhpValue::Str("0".into()).to_bool(), Some(false));
        assert_eq!(PhpValue::Unknown.to_bool(), None);
    }

    #[test]
    fn float_strings_follow_php() {
        let cases = [
            (3.0, "3"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.3"),
            (1e14, "1.0E+14"),
            (1e13, "10000000000000"),
            (123456.789, "123456.789"),
            (0.0001, "0.0001"),
            (0.00001, "1.0E-5"),
            (1.5e-7, "1.5E-7"),
            (1e25, "1.0E+25"),
            (-0.0, "-0"),
            (f64::INFINITY, "INF"),
            (f64::NAN, "NAN"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_to_php_string(value), expected, "{value}");
        }
    }

    #[test]
    fn keys_normalise_like_php() {
        assert_eq!(PhpKey::from("8"), PhpKey::Int(8));
        assert_eq!(PhpKey::from("-3"), PhpKey::Int(-3));
        assert_eq!(PhpKey::from("0"), PhpKey::Int(0));
        assert_eq!(PhpKey::from("08"), PhpKey::Str("08".into()));
        assert_eq!(PhpKey::from("-0"), PhpKey::Str("-0".into()));
        assert_eq!(PhpKey::from(" 1"), PhpKey::Str(" 1".into()));
        assert_eq!(
            PhpKey::from("99999999999999999999"),
            PhpKey::Str("99999999999999999999".into())
        );
    }

    #[test]
    fn dirname_matches_php() {
        let cases = [
            ("/a/b/c", 1, "/a/b"),
            ("/a/b/", 1, "/a"),
            ("a", 1, "."),
            ("/a", 1, "/"),
            ("/", 1, "/"),
            ("", 1, ""),
            ("a/b", 1, "a"),
            ("//a//b//", 1, "//a"),
            ("/a/b/c", 2, "/a"),
            ("/a/b/c", 99, "/"),
        ];
        for (path, levels, expected) in cases {
            assert_eq!(
                php_dirname(path, levels).as_deref(),
                Some(expected),
                "{path} {levels}"
            );
        }
        assert_eq!(php_dirname("/a", 0), None);
    }

    // --- robustness ----------------------------------------------------------------------------

    const SAMPLES: &[&str] = &[
        OPENCART3,
        OPENCART4,
        WORDPRESS,
        MAGENTO2_ENV,
        PRESTASHOP17,
        JOOMLA,
        OXID,
        CUBECART,
        SHOPWARE5,
        DRUPAL7,
        "<?php $a = <<<EOT\n  x {$y['}']} \\u{41}\n  EOT;\n$b = <<<'N'\nn\nN; #[A(']')] class C { public $x = \"\\101\"; }",
        "<?php if (a): foreach ($x as $y): endforeach; elseif (b): else: endif; ?>x<?= 1 ?>",
    ];

    #[test]
    fn every_prefix_parses_without_panic() {
        for sample in SAMPLES {
            let bytes = sample.as_bytes();
            for end in 0..=bytes.len() {
                PhpFile::parse_bytes(&bytes[..end], path());
            }
        }
    }

    /// A small deterministic generator so the test needs no dependencies.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn mutate(rng: &mut XorShift, bytes: &mut Vec<u8>) {
        const INTERESTING: &[u8] = b"'\"`\\$?<>()[]{};,=.:#/*-!&|@0x\n\t\xff\xc3";
        let at = rng.below(bytes.len() + 1);
        let byte = if rng.below(2) == 0 {
            INTERESTING[rng.below(INTERESTING.len())]
        } else {
            rng.next() as u8
        };
        match rng.below(4) {
            0 if at < bytes.len() => bytes[at] = byte,
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            2 => {
                let len = rng.below(16).min(bytes.len() - at.min(bytes.len()));
                let chunk = bytes[at..at + len].to_vec();
                bytes.splice(at..at, chunk);
            }
            _ => bytes.insert(at, byte),
        }
    }

    #[test]
    fn random_mutations_parse_without_panic() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..4000 {
            let mut bytes = SAMPLES[rng.below(SAMPLES.len())].as_bytes().to_vec();
            for _ in 0..=rng.below(8) {
                mutate(&mut rng, &mut bytes);
            }
            PhpFile::parse_bytes(&bytes, path());
        }
        for _ in 0..500 {
            let len = rng.below(200);
            let mut bytes = b"<?php ".to_vec();
            bytes.extend((0..len).map(|_| rng.next() as u8));
            PhpFile::parse_bytes(&bytes, path());
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let n = 100_000;
        let repeat = |unit: &str| unit.repeat(n);
        let inputs = [
            format!("<?php $a = {}1;", repeat("[")),
            format!("<?php $a = {}1;", repeat("(")),
            format!("<?php $a = {}1;", repeat("!")),
            format!("<?php $a = {}1;", repeat("-")),
            format!("<?php $a = {}1;", repeat("(int)")),
            format!("<?php $a = 1{};", repeat(" ?? 1")),
            format!("<?php $a = 2{};", repeat(" ** 2")),
            format!("<?php $a{} = 1;", repeat("[0]")),
            format!("<?php {}", repeat("{")),
            format!("<?php {}", repeat("if (1) ")),
            format!("<?php {}", repeat("class A { function f() { ")),
            format!("<?php $a = \"{}\";", repeat("{$")),
            format!("<?php {}", repeat("#[")),
        ];
        for input in &inputs {
            PhpFile::parse(input, path());
        }
        // Nesting that real files use still works after hostile input in the same process.
        let file = parse(&format!(
            "<?php $a = {}1{}; define('OK', 1);",
            "[".repeat(20),
            "]".repeat(20)
        ));
        assert_eq!(file.define("OK"), Some(&PhpValue::Int(1)));
        assert!(!file.variable("a").unwrap().is_unknown());
    }

    #[test]
    fn doubling_values_stays_bounded() {
        let mut source = String::from("<?php $s = 'abcdefgh'; $a = [1, 2]; define('C', 'x');");
        for _ in 0..64 {
            source.push_str("$s = $s . $s; $a = [$a, $a, $a]; $a[] = $a;");
        }
        source.push_str("$after = 'ok';");
        let file = parse(&source);
        assert_eq!(file.variable("s"), Some(&PhpValue::Unknown));
        assert_eq!(file.variable("after"), Some(&s("ok")));
    }

    #[test]
    fn repeated_self_nesting_stays_bounded() {
        let mut source = String::from("<?php $a = [[[[[[[[1]]]]]]]];");
        for _ in 0..50 {
            source.push_str("$a[0][0][0][0][0][0][0][0] = $a;");
        }
        let file = parse(&source);
        assert!(file.variable("a").is_some());
    }
}
