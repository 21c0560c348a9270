//! A small XML reader for shop configuration files (Magento 1 and Zoey
//! `app/etc/local.xml`, WebAsyst `kernel/wbs.xml` and `dblist/*.xml`,
//! Joomla extension manifests, CubeCart language files, Shopware's
//! `defaults.xml`).
//!
//! It builds a tree of elements, attributes and text the way PHP's SimpleXML
//! sees it for the lookups the platforms need: an element's text is the
//! concatenation of its direct text and CDATA, entities decoded. The prolog,
//! comments, processing instructions and the DOCTYPE (with its internal
//! subset) are skipped; external entities are never read. Input that is not
//! well-formed is refused with the byte offset, never half-read: SimpleXML
//! refuses it too. Nesting depth and the number of nodes are bounded.

/// How deeply elements may nest.
const MAX_DEPTH: usize = 256;
/// How many elements one document may hold.
const MAX_ELEMENTS: usize = 200_000;

/// An element: its name, attributes in document order, child elements and
/// its own text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// The first child element called `name`.
    #[cfg(any(test, fuzzing))]
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a document and returns its root element.
pub fn parse(source: &[u8]) -> Result<Element, String> {
    let text = String::from_utf8_lossy(source);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Parser {
        src: text,
        pos: 0,
        elements: 0,
    }
    .document()
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    elements: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn error(&self, what: &str) -> String {
        format!("not well-formed XML at byte {}: {what}", self.pos)
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Skips past `end`, which must come.
    fn skip_past(&mut self, end: &str) -> Result<(), String> {
        match self.rest().find(end) {
            Some(i) => {
                self.pos += i + end.len();
                Ok(())
            }
            None => Err(self.error(&format!("'{end}' never comes"))),
        }
    }

    /// Skips what may stand outside the root element: the XML declaration,
    /// processing instructions, comments, the DOCTYPE and white space.
    fn skip_misc(&mut self) -> Result<(), String> {
        loop {
            self.skip_space();
            let rest = self.rest();
            if rest.starts_with("<?") {
                self.skip_past("?>")?;
            } else if rest.starts_with("<!--") {
                self.skip_past("-->")?;
            } else if rest.starts_with("<!DOCTYPE") {
                self.skip_doctype()?;
            } else {
                return Ok(());
            }
        }
    }

    fn skip_doctype(&mut self) -> Result<(), String> {
        let mut in_subset = false;
        for (i, c) in self.rest().char_indices() {
            match c {
                '[' => in_subset = true,
                ']' => in_subset = false,
                '>' if !in_subset => {
                    self.pos += i + 1;
                    return Ok(());
                }
                _ => {}
            }
        }
        Err(self.error("the DOCTYPE never ends"))
    }

    fn document(mut self) -> Result<Element, String> {
        self.skip_misc()?;
        if !self.rest().starts_with('<') {
            return Err(self.error("no root element"));
        }
        let root = self.element()?;
        self.skip_misc()?;
        if !self.rest().is_empty() {
            return Err(self.error("content after the root element"));
        }
        Ok(root)
    }

    /// Reads an element and everything inside it, with an explicit stack so
    /// that deep nesting cannot exhaust the call stack.
    fn element(&mut self) -> Result<Element, String> {
        let mut stack: Vec<Element> = Vec::new();
        loop {
            // At '<' of a start tag.
            let (element, empty) = self.start_tag()?;
            if empty {
                if let Some(done) = Self::close(&mut stack, element) {
                    return Ok(done);
                }
            } else {
                if stack.len() >= MAX_DEPTH {
                    return Err(self.error("elements nest too deeply"));
                }
                stack.push(element);
            }
            // Content until the next start tag, or end tags.
            loop {
                let Some(open) = stack.last_mut() else {
                    unreachable!("an element is open while its content is read");
                };
                let rest = &self.src[self.pos..];
                let next = rest
                    .find('<')
                    .ok_or_else(|| self.error("unclosed element"))?;
                let text = decode_entities(&rest[..next]).map_err(|e| self.error(&e))?;
                open.text.push_str(&text);
                self.pos += next;
                let rest = self.rest();
                if let Some(body) = rest.strip_prefix("<![CDATA[") {
                    let end = body
                        .find("]]>")
                        .ok_or_else(|| self.error("CDATA never ends"))?;
                    open.text.push_str(&body[..end]);
                    self.pos += "<![CDATA[".len() + end + 3;
                } else if rest.starts_with("<!--") {
                    self.skip_past("-->")?;
                } else if rest.starts_with("<?") {
                    self.skip_past("?>")?;
                } else if rest.starts_with("</") {
                    let name = open.name.clone();
                    self.end_tag(&name)?;
                    let element = stack.pop().expect("checked above");
                    if let Some(done) = Self::close(&mut stack, element) {
                        return Ok(done);
                    }
                } else {
                    break;
                }
            }
        }
    }

    /// Attaches a finished element to its parent; returns it when it is the
    /// root.
    fn close(stack: &mut [Element], element: Element) -> Option<Element> {
        match stack.last_mut() {
            Some(parent) => {
                parent.children.push(element);
                None
            }
            None => Some(element),
        }
    }

    fn start_tag(&mut self) -> Result<(Element, bool), String> {
        self.elements += 1;
        if self.elements > MAX_ELEMENTS {
            return Err(self.error("too many elements"));
        }
        self.pos += 1;
        let name = self.name()?;
        let mut element = Element {
            name,
            ..Element::default()
        };
        loop {
            self.skip_space();
            let rest = self.rest();
            if rest.starts_with("/>") {
                self.pos += 2;
                return Ok((element, true));
            }
            if rest.starts_with('>') {
                self.pos += 1;
                return Ok((element, false));
            }
            let attribute = self.name()?;
            self.skip_space();
            if !self.rest().starts_with('=') {
                return Err(self.error("an attribute without a value"));
            }
            self.pos += 1;
            self.skip_space();
            let quote = self
                .rest()
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')
                .ok_or_else(|| self.error("an attribute value without quotes"))?;
            self.pos += 1;
            let end = self
                .rest()
                .find(quote)
                .ok_or_else(|| self.error("an attribute value never ends"))?;
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return Err(self.error("'<' in an attribute value"));
            }
            let value = decode_entities(raw).map_err(|e| self.error(&e))?;
            self.pos += end + 1;
            if element.attribute(&attribute).is_some() {
                return Err(self.error("an attribute given twice"));
            }
            element.attributes.push((attribute, value));
        }
    }

    fn end_tag(&mut self, open: &str) -> Result<(), String> {
        self.pos += 2;
        let name = self.name()?;
        if name != open {
            return Err(self.error(&format!("</{name}> closes <{open}>")));
        }
        self.skip_space();
        if !self.rest().starts_with('>') {
            return Err(self.error("an end tag without '>'"));
        }
        self.pos += 1;
        Ok(())
    }

    fn name(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|(i, c)| !is_name_char(*c, *i == 0))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return Err(self.error("a name was expected"));
        }
        self.pos += len;
        Ok(rest[..len].to_string())
    }
}

fn is_name_char(c: char, first: bool) -> bool {
    c.is_alphabetic()
        || c == '_'
        || c == ':'
        || (!first && (c.is_ascii_digit() || c == '-' || c == '.'))
        || (!c.is_ascii() && !c.is_whitespace())
}

/// Decodes the five predefined entities and character references.
fn decode_entities(raw: &str) -> Result<String, String> {
    if !raw.contains('&') {
        return Ok(raw.to_string());
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .filter(|i| *i <= 10)
            .ok_or("an '&' that starts no entity")?;
        let entity = &after[..semi];
        let decoded = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                character_reference(entity).ok_or_else(|| format!("unknown entity '&{entity};'"))?
            }
        };
        out.push(decoded);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn character_reference(entity: &str) -> Option<char> {
    let number = entity.strip_prefix('#')?;
    let code = match number
        .strip_prefix('x')
        .or_else(|| number.strip_prefix('X'))
    {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => number.parse().ok()?,
    };
    char::from_u32(code).filter(|c| *c != '\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magento_local_xml_with_cdata_and_comments() {
        let doc = br#"<?xml version="1.0"?>
<!-- Magento -->
<config>
    <global>
        <resources>
            <db><table_prefix><![CDATA[mg_]]></table_prefix></db>
            <default_setup>
                <connection>
                    <host><![CDATA[db.local:3307]]></host>
                    <password><![CDATA[p<a>&ss]]></password>
                    <active>1</active>
                </connection>
            </default_setup>
        </resources>
    </global>
</config>
"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "config");
        let conn = root
            .child("global")
            .and_then(|g| g.child("resources"))
            .and_then(|r| r.child("default_setup"))
            .and_then(|d| d.child("connection"))
            .unwrap();
        assert_eq!(conn.child("host").unwrap().text, "db.local:3307");
        assert_eq!(conn.child("password").unwrap().text, "p<a>&ss");
    }

    #[test]
    fn attributes_entities_and_doctype() {
        let doc = b"<!DOCTYPE x [<!ENTITY e 'v'>]><WBS><FRONTEND dbkey='SHOP&amp;1' x=\"&#65;&#x42;\"/>t&lt;</WBS>";
        let root = parse(doc).unwrap();
        let frontend = root.child("FRONTEND").unwrap();
        assert_eq!(frontend.attribute("dbkey"), Some("SHOP&1"));
        assert_eq!(frontend.attribute("x"), Some("AB"));
        assert_eq!(root.text, "t<");
    }

    #[test]
    fn malformed_documents_are_refused_with_a_place() {
        for doc in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"<a x=1/>",
            b"<a>&bogus;</a>",
            b"",
            b"<a/><b/>",
            b"<a x='1' x='2'/>",
            b"<a><![CDATA[x</a>",
        ] {
            let err = parse(doc).unwrap_err();
            assert!(err.starts_with("not well-formed XML at byte"), "{err}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let doc = "<a>".repeat(100_000);
        assert!(parse(doc.as_bytes()).is_err());
    }
}
