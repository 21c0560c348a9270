//! What the `read` SQL policy lets `sql.query` run: one statement that
//! reads. The database enforces "reads only" itself (the statement runs in
//! a read-only transaction); this check refuses what a read-only
//! transaction does not stop: a second statement, statements that commit
//! implicitly (`DROP TABLE` ends the transaction and then runs), locking
//! reads, writing files (`INTO OUTFILE`), and functions with effects
//! outside the transaction (`GET_LOCK`, `SLEEP`, `LOAD_FILE`).
//!
//! The statement is scanned twice, once with MySQL's backslash escapes in
//! string literals and once without (SQLite, or MySQL under
//! `NO_BACKSLASH_ESCAPES`), and must pass both readings.

use super::ApiError;

/// Statements the read policy runs, by their first word.
const READ_STATEMENTS: &[&str] = &[
    "SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "VALUES", "TABLE",
];

/// Words refused anywhere in a read statement, and why.
const REFUSED_WORDS: &[(&str, &str)] = &[
    ("UPDATE", "it writes or locks rows"),
    ("DELETE", "it writes"),
    ("INTO", "it writes a file or variables"),
    ("OUTFILE", "it writes a file"),
    ("DUMPFILE", "it writes a file"),
    ("LOCK", "it locks rows"),
    ("ANALYZE", "it runs the statement it analyzes"),
    ("PROCEDURE", "it runs a procedure"),
    ("LOAD_FILE", "it reads the server's files"),
    ("LOAD_EXTENSION", "it loads code into the database"),
    ("SLEEP", "it holds the connection"),
    ("BENCHMARK", "it holds the connection"),
    ("GET_LOCK", "it takes a lock that outlives the transaction"),
    ("RELEASE_LOCK", "it releases a lock"),
    ("RELEASE_ALL_LOCKS", "it releases locks"),
    ("NEXTVAL", "it advances a sequence"),
    ("SETVAL", "it changes a sequence"),
    ("MASTER_POS_WAIT", "it holds the connection"),
    ("MASTER_GTID_WAIT", "it holds the connection"),
    ("SOURCE_POS_WAIT", "it holds the connection"),
];

/// Words refused unless they are the function of the same name.
const STATEMENT_WORDS: &[&str] = &["INSERT", "REPLACE"];

/// Checks `sql` against the read policy and returns it without a trailing
/// `;`.
pub fn check_read(sql: &str) -> Result<String, ApiError> {
    let mut statement = None;
    for backslash_escapes in [true, false] {
        let tokens = lex(sql, backslash_escapes).map_err(refuse)?;
        check_tokens(&tokens).map_err(refuse)?;
        statement = Some(trim_trailing_semicolon(sql, &tokens));
    }
    Ok(statement.unwrap_or_default())
}

fn refuse(reason: String) -> ApiError {
    ApiError::new(403, format!("sql_policy \"read\" refuses this: {reason}"))
}

#[derive(Debug, PartialEq)]
enum Token {
    /// A bare word, upper-cased.
    Word(String),
    /// A `;` at this byte offset.
    Semicolon(usize),
    /// Any other character outside strings and comments.
    Symbol(char),
}

/// Words, semicolons and symbols outside string literals, quoted
/// identifiers and comments.
fn lex(sql: &str, backslash_escapes: bool) -> Result<Vec<Token>, String> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if c == b'[' { b']' } else { c };
                i = skip_quoted(bytes, i, close, backslash_escapes && c != b'`' && c != b'[')
                    .ok_or("a quoted string or name is not closed")?;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => i = line_end(bytes, i),
            b'#' => i = line_end(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let body = &bytes[i + 2..];
                if body.starts_with(b"!") || body.starts_with(b"M!") {
                    return Err("MySQL executable comments (/*! ... */) are refused".into());
                }
                let end = find(body, b"*/").ok_or("a /* comment is not closed")?;
                i += 2 + end + 2;
            }
            b';' => {
                tokens.push(Token::Semicolon(i));
                i += 1;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                tokens.push(Token::Word(sql[start..i].to_ascii_uppercase()));
            }
            _ if c.is_ascii_whitespace() => i += 1,
            _ => {
                let ch = sql[i..].chars().next().unwrap_or(' ');
                tokens.push(Token::Symbol(ch));
                i += ch.len_utf8();
            }
        }
    }
    Ok(tokens)
}

fn skip_quoted(bytes: &[u8], start: usize, close: u8, backslash_escapes: bool) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        if backslash_escapes && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == close {
            // A doubled quote is an escaped quote.
            if bytes.get(i + 1) == Some(&close) && close != b']' {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    find(&bytes[from..], b"\n").map_or(bytes.len(), |n| from + n + 1)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn check_tokens(tokens: &[Token]) -> Result<(), String> {
    let last_code = tokens
        .iter()
        .rposition(|t| !matches!(t, Token::Semicolon(_)));
    let Some(last_code) = last_code else {
        return Err("the statement is empty".into());
    };
    if tokens[..last_code]
        .iter()
        .any(|t| matches!(t, Token::Semicolon(_)))
    {
        return Err("one statement at a time: remove the ';' between statements".into());
    }
    let first = tokens.iter().find_map(|t| match t {
        Token::Word(w) => Some(w.as_str()),
        _ => None,
    });
    match first {
        Some(word) if READ_STATEMENTS.contains(&word) => {}
        Some(word) => {
            return Err(format!(
                "{word} statements are refused; it runs one SELECT, WITH, SHOW, DESCRIBE or EXPLAIN statement"
            ))
        }
        None => return Err("the statement has no SQL words".into()),
    }
    for (index, token) in tokens.iter().enumerate() {
        let Token::Word(word) = token else { continue };
        if let Some((_, why)) = REFUSED_WORDS.iter().find(|(w, _)| w == word) {
            return Err(format!("{word} is refused: {why}"));
        }
        let next = tokens.get(index + 1);
        if STATEMENT_WORDS.contains(&word.as_str()) && next != Some(&Token::Symbol('(')) {
            return Err(format!("{word} is refused: it writes"));
        }
        if word == "FOR" && matches!(next, Some(Token::Word(w)) if w == "SHARE") {
            return Err("FOR SHARE is refused: it locks rows".into());
        }
    }
    Ok(())
}

/// The statement without the `;` (and what follows it) at its end.
fn trim_trailing_semicolon(sql: &str, tokens: &[Token]) -> String {
    match tokens.iter().find_map(|t| match t {
        Token::Semicolon(at) => Some(*at),
        _ => None,
    }) {
        Some(at) => sql[..at].trim_end().to_string(),
        None => sql.trim_end().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(sql: &str) -> String {
        match check_read(sql) {
            Ok(s) => panic!("accepted: {sql} -> {s}"),
            Err(e) => {
                assert_eq!(e.status, 403);
                e.message
            }
        }
    }

    #[test]
    fn reads_pass() {
        for sql in [
            "SELECT * FROM oc_product",
            "select name from oc_product_description where name like '%;DROP%' -- ; DELETE\n",
            "SELECT REPLACE(name, 'a', 'b'), INSERT('abc', 1, 1, 'x') FROM t;",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "SHOW TABLES",
            "EXPLAIN SELECT 1",
            "SELECT 'it''s', \"update\", `delete` FROM t ORDER BY id DESC",
            "SELECT CAST(x AS CHAR CHARACTER SET utf8) FROM t",
        ] {
            assert!(
                check_read(sql).is_ok(),
                "{sql}: {:?}",
                check_read(sql).err()
            );
        }
        assert_eq!(check_read("SELECT 1 ;  ").unwrap(), "SELECT 1");
    }

    #[test]
    fn writes_locks_files_and_batches_are_refused() {
        assert!(refused("UPDATE oc_product SET price = 0").contains("UPDATE statements"));
        assert!(refused("DELETE FROM oc_product").contains("DELETE statements"));
        assert!(refused("SET @a = 1").contains("SET statements"));
        assert!(refused("DROP TABLE oc_product").contains("DROP statements"));
        assert!(refused("SELECT 1; DELETE FROM oc_product").contains("one statement"));
        assert!(refused("SELECT * FROM oc_product FOR UPDATE").contains("UPDATE is refused"));
        assert!(refused("SELECT * FROM t LOCK IN SHARE MODE").contains("LOCK"));
        assert!(refused("SELECT * FROM t FOR SHARE").contains("FOR SHARE"));
        assert!(refused("SELECT * INTO OUTFILE '/tmp/x' FROM t").contains("INTO"));
        assert!(refused("SELECT * FROM t INTO DUMPFILE '/tmp/x'").contains("INTO"));
        assert!(refused("SELECT LOAD_FILE('/etc/passwd')").contains("LOAD_FILE"));
        assert!(refused("SELECT SLEEP(100)").contains("SLEEP"));
        assert!(refused("SELECT 1 /*!, (DELETE FROM t) */").contains("executable"));
        assert!(refused("WITH x AS (SELECT 1) DELETE FROM t").contains("DELETE"));
        assert!(refused("EXPLAIN ANALYZE DELETE FROM t").contains("ANALYZE"));
        assert!(refused("   ").contains("empty"));
        assert!(refused("SELECT 'open").contains("not closed"));
    }

    #[test]
    fn both_readings_of_backslashes_must_pass() {
        // With backslash escapes this is one string; without, a second
        // statement follows the string.
        let sql = "SELECT 'a\\' ; DROP TABLE t; -- '";
        assert!(refused(sql).contains("one statement"));
        let sql = "SELECT 'a\\'' ; DROP TABLE t; -- '";
        assert!(check_read(sql).is_err());
    }
}
