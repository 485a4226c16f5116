// SPDX-License-Identifier: Apache-2.0
//! Escaping for XML/HTML text and attributes, and RFC 4180 CSV fields.

use std::fmt;

/// Text made safe for XML and HTML, in element content and in quoted
/// attribute values alike (`& < > " '` become entities).
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut last = 0;
        for (i, c) in self.0.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                // Control characters other than tab/newline are not allowed
                // in XML 1.0 even as entities: names from the wire can carry them.
                c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => "\u{fffd}",
                '\u{fffe}' | '\u{ffff}' => "\u{fffd}",
                _ => continue,
            };
            f.write_str(&self.0[last..i])?;
            f.write_str(rep)?;
            last = i + c.len_utf8();
        }
        f.write_str(&self.0[last..])
    }
}

/// Escapes `s` for XML/HTML into a new string.
pub fn esc(s: &str) -> String {
    Esc(s).to_string()
}

/// One CSV field per RFC 4180: quoted when it holds a comma, a quote, CR or
/// LF (or starts or ends with a space), with inner quotes doubled. A field
/// that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets
/// a leading apostrophe inside the quotes, so an asset name from the wire
/// cannot become a formula when the file is opened in a spreadsheet.
pub fn csv_field(s: &str) -> String {
    let formula =
        s.starts_with(['=', '+', '@']) || (s.starts_with('-') && s.parse::<f64>().is_err());
    let needs_quotes =
        formula || s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ');
    if !needs_quotes {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 4);
    out.push('"');
    if formula {
        out.push('\'');
    }
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Cuts `s` to at most `max` characters, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn replaces_control_characters_that_xml_forbids() {
        assert_eq!(esc("PLC\u{1}01\tx"), "PLC\u{fffd}01\tx");
    }

    #[test]
    fn quotes_csv_fields_per_rfc_4180() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("-3.5"), "-3.5");
    }

    #[test]
    fn defuses_spreadsheet_formulas() {
        assert_eq!(csv_field("=cmd()"), "\"'=cmd()\"");
        assert_eq!(csv_field("@SUM(A1)"), "\"'@SUM(A1)\"");
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        assert_eq!(truncate("engineering-station", 8), "enginee…");
        assert_eq!(truncate("plc", 8), "plc");
    }
}
