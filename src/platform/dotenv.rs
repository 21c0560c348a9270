//! Reads `.env` files with the rules of Symfony's Dotenv component, which
//! Shopware 6 loads its `DATABASE_URL` with.
//!
//! `KEY=value` lines, optionally after `export `; `#` starts a comment at
//! the start of a line or after white space; single quotes are literal;
//! double quotes may span lines and understand `\"`, `\\`, `\n`, `\r`, `\$`
//! and variable references; unquoted values end at white space and may
//! refer to variables too. `$VAR`, `${VAR}`, `${VAR:-default}` and
//! `${VAR:=default}` take what earlier lines (or an earlier file of the same
//! stack) set. A reference to a variable no file sets would come from the
//! web server's environment, which is not this process's to know: the value
//! is unknown then, except that a `:-`/`:=` default is taken, as the PHP
//! reader takes the default of `getenv('X') ?: 'default'`. `$(command)`
//! needs a shell: unknown. A line Symfony would reject makes the whole file
//! unreadable, with its line number: Shopware would not start with it.

/// The variables of one or more files, in the order they were set.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: Vec<(String, Option<String>)>,
}

impl Env {
    /// A variable's value; `Some(None)` when it is set to something that
    /// needs the environment or a shell.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref())
    }

    fn set(&mut self, name: String, value: Option<String>) {
        self.vars.retain(|(n, _)| *n != name);
        self.vars.push((name, value));
    }

    /// Reads one more file over what is already set (`.env.local` over
    /// `.env`).
    pub fn load(&mut self, source: &[u8]) -> Result<(), String> {
        let text = String::from_utf8_lossy(source);
        let mut parser = Parser {
            src: &text,
            pos: 0,
            env: self,
        };
        parser.file()
    }
}

#[cfg(any(test, fuzzing))]
pub fn parse(source: &[u8]) -> Result<Env, String> {
    let mut env = Env::default();
    env.load(source)?;
    Ok(env)
}

struct Parser<'a, 'e> {
    src: &'a str,
    pos: usize,
    env: &'e mut Env,
}

impl<'a> Parser<'a, '_> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn error(&self, what: &str) -> String {
        let line = self.src[..self.pos].matches('\n').count() + 1;
        format!("line {line}: {what}")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn file(&mut self) -> Result<(), String> {
        loop {
            self.skip_blank_lines_and_comments();
            if self.rest().is_empty() {
                return Ok(());
            }
            let name = self.name()?;
            let value = self.value()?;
            self.env.set(name, value);
        }
    }

    fn skip_blank_lines_and_comments(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with('#') {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else {
                return;
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        if let Some(after) = self.rest().strip_prefix("export") {
            if after.starts_with([' ', '\t']) {
                self.pos += "export".len();
                let rest = self.rest();
                self.pos += rest.len() - rest.trim_start_matches([' ', '\t']).len();
            }
        }
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|(i, c)| {
                !(c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
            })
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return Err(self.error("a variable name was expected"));
        }
        let name = rest[..len].to_string();
        self.pos += len;
        match self.peek() {
            Some('=') => {
                self.pos += 1;
                Ok(name)
            }
            Some(' ' | '\t') => {
                Err(self.error(&format!("white space after the variable name {name}")))
            }
            _ => Err(self.error(&format!("'=' missing after {name}"))),
        }
    }

    /// The value after `=`, up to the end of its line (or of its quotes).
    fn value(&mut self) -> Result<Option<String>, String> {
        let mut out = String::new();
        let mut known = true;
        loop {
            match self.peek() {
                None | Some('\n') => break,
                Some('\r') if self.rest().starts_with("\r\n") => break,
                Some(' ' | '\t') => {
                    let rest = self.rest();
                    let trimmed = rest.trim_start_matches([' ', '\t']);
                    self.pos += rest.len() - trimmed.len();
                    if trimmed.is_empty() || trimmed.starts_with(['\n', '\r', '#']) {
                        self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
                        break;
                    }
                    return Err(self.error("a value with spaces must be in quotes"));
                }
                Some('\'') => {
                    self.pos += 1;
                    let end = self
                        .rest()
                        .find('\'')
                        .ok_or_else(|| self.error("a single quote is never closed"))?;
                    out.push_str(&self.rest()[..end]);
                    self.pos += end + 1;
                }
                Some('"') => {
                    self.pos += 1;
                    known &= self.double_quoted(&mut out)?;
                }
                Some(_) => known &= self.bare(&mut out)?,
            }
        }
        Ok(known.then_some(out))
    }

    /// A double-quoted part; returns whether its value is known.
    fn double_quoted(&mut self, out: &mut String) -> Result<bool, String> {
        let mut known = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("a double quote is never closed"));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(known);
                }
                '\\' => {
                    self.pos += 1;
                    match self.peek() {
                        Some('n') => out.push('\n'),
                        Some('r') => out.push('\r'),
                        Some(e @ ('"' | '\\' | '$')) => out.push(e),
                        Some(other) => {
                            out.push('\\');
                            out.push(other);
                        }
                        None => continue,
                    }
                    self.pos += self.peek().map_or(0, char::len_utf8);
                }
                '$' => known &= self.reference(out)?,
                _ => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// An unquoted run, up to white space or a quote.
    fn bare(&mut self, out: &mut String) -> Result<bool, String> {
        let mut known = true;
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\n' | '\'' | '"' => break,
                '\r' if self.rest().starts_with("\r\n") => break,
                '\\' if self.rest()[1..].starts_with('$') => {
                    out.push('$');
                    self.pos += 2;
                }
                '$' => known &= self.reference(out)?,
                _ => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        Ok(known)
    }

    /// `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:=default}`,
    /// `$(command)`; at `$`. Returns whether the value is known.
    fn reference(&mut self, out: &mut String) -> Result<bool, String> {
        self.pos += 1;
        let rest = self.rest();
        if rest.starts_with('(') {
            let end = rest
                .find(')')
                .ok_or_else(|| self.error("a command is never closed"))?;
            self.pos += end + 1;
            return Ok(false);
        }
        let braced = rest.starts_with('{');
        let start = usize::from(braced);
        let len = rest[start..]
            .char_indices()
            .find(|(i, c)| {
                !(c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
            })
            .map_or(rest.len() - start, |(i, _)| i);
        if len == 0 {
            out.push('$');
            return Ok(true);
        }
        let name = rest[start..start + len].to_string();
        self.pos += start + len;
        let mut default = None;
        if braced {
            let rest = self.rest();
            if let Some(body) = rest.strip_prefix(":-").or_else(|| rest.strip_prefix(":=")) {
                let end = body
                    .find('}')
                    .ok_or_else(|| self.error("a variable reference is never closed"))?;
                default = Some(body[..end].to_string());
                self.pos += 2 + end;
            }
            if !self.rest().starts_with('}') {
                return Err(self.error("a variable reference is never closed"));
            }
            self.pos += 1;
        }
        match (self.env.get(&name), default) {
            (Some(Some("")), Some(d)) => out.push_str(&d),
            (Some(Some(v)), _) => out.push_str(v),
            (Some(None), _) => return Ok(false),
            (None, Some(d)) => out.push_str(&d),
            (None, None) => return Ok(false),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(env: &Env, name: &str) -> Option<Option<String>> {
        env.get(name).map(|v| v.map(str::to_string))
    }

    #[test]
    fn shopware_env_file() {
        let env = parse(
            b"# This file was generated\nAPP_ENV=prod\nAPP_URL=\"http://shop.test\"\nexport DB_HOST=db\nDATABASE_URL=mysql://sw:p%40ss@${DB_HOST}:3306/shopware # inline comment\nQUOTED='a \"b\" $c'\nMULTI=\"line1\nline2\"\n",
        )
        .unwrap();
        assert_eq!(
            value(&env, "DATABASE_URL"),
            Some(Some("mysql://sw:p%40ss@db:3306/shopware".into()))
        );
        assert_eq!(value(&env, "QUOTED"), Some(Some("a \"b\" $c".into())));
        assert_eq!(value(&env, "MULTI"), Some(Some("line1\nline2".into())));
        assert_eq!(
            value(&env, "APP_URL"),
            Some(Some("http://shop.test".into()))
        );
    }

    #[test]
    fn references_to_the_environment_are_unknown_unless_defaulted() {
        let env =
            parse(b"A=${FROM_SERVER}\nB=${FROM_SERVER:-fallback}\nC=\"x$(whoami)\"\n").unwrap();
        assert_eq!(value(&env, "A"), Some(None));
        assert_eq!(value(&env, "B"), Some(Some("fallback".into())));
        assert_eq!(value(&env, "C"), Some(None));
    }

    #[test]
    fn local_file_overrides_and_refers_to_the_base() {
        let mut env = parse(b"DB_PASS=base\nDATABASE_URL=x\n").unwrap();
        env.load(b"DATABASE_URL=mysql://u:${DB_PASS}@h/d\n")
            .unwrap();
        assert_eq!(
            value(&env, "DATABASE_URL"),
            Some(Some("mysql://u:base@h/d".into()))
        );
    }

    #[test]
    fn lines_symfony_rejects_make_the_file_unreadable() {
        for bad in [
            &b"KEY = value\n"[..],
            b"KEY=two words\n",
            b"KEY=\"open\n",
            b"=x\n",
            b"KEY\n",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.starts_with("line "), "{err}");
        }
    }
}
