// SPDX-License-Identifier: Apache-2.0
//! Byte spans to `line:column` and to the name of the field they belong to.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One step of a path into the document.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Seg<'a> {
    /// A key in a table.
    Key(&'a str),
    /// An index in an array.
    Index(usize),
}

/// The parsed document with spans, and its text.
pub(crate) struct Locator<'i> {
    src: &'i str,
    doc: Option<Spanned<DeTable<'i>>>,
}

impl<'i> Locator<'i> {
    pub(crate) fn new(src: &'i str) -> Locator<'i> {
        Locator {
            src,
            doc: DeTable::parse(src).ok(),
        }
    }

    /// The document text.
    pub(crate) fn src(&self) -> &'i str {
        self.src
    }

    /// 1-based line and column of a byte offset.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let before = &self.src[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before
            .rfind('\n')
            .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
            + 1;
        (line, col)
    }

    /// The span of the value at `path`, or of the deepest prefix found.
    pub(crate) fn span(&self, path: &[Seg<'_>]) -> Range<usize> {
        let Some(doc) = &self.doc else {
            return 0..0;
        };
        let mut span = doc.span();
        let mut cur: Option<&DeValue<'_>> = None;
        let mut table: Option<&DeTable<'_>> = Some(doc.get_ref());
        for seg in path {
            let next = match (seg, table, cur) {
                (Seg::Key(k), Some(t), _) => t.get(*k),
                (Seg::Index(i), _, Some(DeValue::Array(a))) => a.get(*i),
                _ => None,
            };
            let Some(v) = next else { break };
            span = v.span();
            cur = Some(v.get_ref());
            table = match v.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            };
        }
        span
    }

    /// Describes the field that holds `span`: `zone "cell-2": subnets`.
    pub(crate) fn field_at(&self, span: &Range<usize>) -> String {
        let Some(doc) = &self.doc else {
            return String::new();
        };
        let mut parts: Vec<String> = Vec::new();
        describe(doc.get_ref(), span, &mut parts);
        parts.join(": ")
    }
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end && outer.start < outer.end
}

fn entry_label(key: &str, t: &DeTable<'_>) -> String {
    match t.get("name").map(|v| v.get_ref()) {
        Some(DeValue::String(n)) => format!("{key} {n:?}"),
        _ => key.to_string(),
    }
}

fn describe(t: &DeTable<'_>, span: &Range<usize>, parts: &mut Vec<String>) {
    for (k, v) in t.iter() {
        let key_span = k.span();
        if contains(&key_span, span) {
            parts.push(k.get_ref().to_string());
            return;
        }
        if !contains(&v.span(), span) {
            // Arrays of tables have the span of their first header only;
            // look into them anyway.
            if let DeValue::Array(a) = v.get_ref() {
                for item in a.iter() {
                    if let DeValue::Table(it) = item.get_ref() {
                        if contains(&item.span(), span) || table_contains(it, span) {
                            parts.push(entry_label(k.get_ref(), it));
                            describe(it, span, parts);
                            return;
                        }
                    }
                }
            }
            continue;
        }
        match v.get_ref() {
            DeValue::Table(inner) => {
                parts.push(k.get_ref().to_string());
                describe(inner, span, parts);
            }
            DeValue::Array(a) => {
                for item in a.iter() {
                    if let DeValue::Table(it) = item.get_ref() {
                        if contains(&item.span(), span) || table_contains(it, span) {
                            parts.push(entry_label(k.get_ref(), it));
                            describe(it, span, parts);
                            return;
                        }
                    }
                }
                parts.push(k.get_ref().to_string());
            }
            _ => parts.push(k.get_ref().to_string()),
        }
        return;
    }
}

fn table_contains(t: &DeTable<'_>, span: &Range<usize>) -> bool {
    t.iter()
        .any(|(k, v)| contains(&k.span(), span) || contains(&v.span(), span))
}
