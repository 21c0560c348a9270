//! Text as the contract wants it: platforms that store request values
//! HTML-escaped (OpenCart runs `htmlspecialchars` over everything a form
//! sends) get it undone on the way out, and escaped the same way on the
//! way in when a filter compares against stored text.

/// HTML 4 Latin-1 entity names, for U+00A0 to U+00FF in order.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Entities outside Latin-1 that shop editors commonly produce.
const OTHER: &[(&str, char)] = &[
    ("amp", '&'),
    ("quot", '"'),
    ("apos", '\''),
    ("lt", '<'),
    ("gt", '>'),
    ("euro", '€'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("sbquo", '‚'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bdquo", '„'),
    ("hellip", '…'),
    ("trade", '™'),
    ("bull", '•'),
    ("dagger", '†'),
    ("permil", '‰'),
];

/// Decodes HTML character references in one pass, as PHP's
/// `html_entity_decode(..., ENT_QUOTES)` does for the names it knows;
/// unknown or malformed references stay as they are.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest[1..]
            .find(';')
            .filter(|end| *end <= 32)
            .and_then(|end| reference(&rest[1..1 + end]).map(|c| (c, end + 2)));
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character a reference body (`amp`, `#039`, `#x27`) stands for.
fn reference(body: &str) -> Option<char> {
    if let Some(number) = body.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    if let Some(i) = LATIN1.iter().position(|n| *n == body) {
        return char::from_u32(0xA0 + i as u32);
    }
    OTHER.iter().find(|(n, _)| *n == body).map(|(_, c)| *c)
}

/// PHP's `htmlspecialchars($s, ENT_COMPAT)`, as OpenCart applies it to
/// what its forms store: `& " < >`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// A `LIKE` pattern matching `needle` anywhere, with `!` as the escape
/// character (written `ESCAPE '!'`, which MySQL and SQLite read alike).
pub fn like_contains(needle: &str) -> String {
    let mut out = String::from("%");
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_decoded_once() {
        assert_eq!(
            decode_entities("Apple Cinema 30&quot;"),
            "Apple Cinema 30\""
        );
        assert_eq!(
            decode_entities("&lt;p&gt;Caf&amp;eacute;&lt;/p&gt;"),
            "<p>Caf&eacute;</p>"
        );
        assert_eq!(decode_entities("O&#039;Brien &#x27;x&#39;"), "O'Brien 'x'");
        assert_eq!(decode_entities("Caf&eacute; &nbsp;&yuml;"), "Café \u{a0}ÿ");
        assert_eq!(
            decode_entities("A & B &unknown; &#0; &"),
            "A & B &unknown; &#0; &"
        );
        assert_eq!(decode_entities("no entities"), "no entities");
    }

    #[test]
    fn escaping_matches_what_the_shop_stored() {
        let name = "Apple Cinema 30\" <b>&</b> 'x'";
        assert_eq!(
            escape_html(name),
            "Apple Cinema 30&quot; &lt;b&gt;&amp;&lt;/b&gt; 'x'"
        );
        assert_eq!(decode_entities(&escape_html(name)), name);
        assert_eq!(like_contains("50%_off!"), "%50!%!_off!!%");
    }
}
