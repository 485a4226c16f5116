// SPDX-License-Identifier: Apache-2.0
//! Small helpers shared by the line-oriented parsers (HTTP, FTP, SSH,
//! Telnet): line splitting, case-insensitive matching, a cheap hash for
//! de-duplicating facts without keeping their text, and the test trace.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// The first line of `input` (without `\r\n` or `\n`) and the bytes it
/// spans including its terminator, or `None` when no `\n` is buffered yet.
pub fn split_line(input: &[u8]) -> Option<(&[u8], usize)> {
    let nl = input.iter().position(|&b| b == b'\n')?;
    let line = input.get(..nl)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, nl.checked_add(1)?))
}

/// ASCII case-insensitive `starts_with`.
pub fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// ASCII case-insensitive substring search.
pub fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Trims ASCII spaces and tabs at both ends.
pub fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |e| e.saturating_add(1));
    s.get(start..end).unwrap_or_default()
}

/// Lossy UTF-8 copy of wire bytes (facts and records only, off the hot path).
pub fn owned(s: &[u8]) -> String {
    String::from_utf8_lossy(s).into_owned()
}

/// FNV-1a hash: lets a session remember which banner or user agent it has
/// already reported without keeping (or allocating) the text.
pub fn fnv1a(s: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Decoded values in the order a session met them, keyed by the tshark
/// field they correspond to (`"http.request.method"`). Off unless enabled,
/// so it costs nothing on the hot path; the tshark agreement tests use it.
#[derive(Debug, Default)]
pub struct Trace(Option<Vec<(&'static str, String)>>);

impl Trace {
    /// Starts recording.
    pub fn enable(&mut self) {
        self.0 = Some(Vec::new());
    }

    /// True when recording.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Records one value (built only when recording).
    pub fn push(&mut self, field: &'static str, value: impl FnOnce() -> String) {
        if let Some(v) = self.0.as_mut() {
            v.push((field, value()));
        }
    }

    /// Takes what was recorded since the last call.
    pub fn take(&mut self) -> Vec<(&'static str, String)> {
        self.0.as_mut().map(std::mem::take).unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn splits_crlf_and_lf_lines() {
        assert_eq!(
            split_line(b"GET / HTTP/1.1\r\nHost"),
            Some((&b"GET / HTTP/1.1"[..], 16))
        );
        assert_eq!(split_line(b"220 ok\nx"), Some((&b"220 ok"[..], 7)));
        assert_eq!(split_line(b"no end"), None);
    }

    #[test]
    fn trims_and_matches_case_insensitively() {
        assert_eq!(trim(b"  a b \t"), b"a b");
        assert_eq!(trim(b"   "), b"");
        assert!(contains_ci(b"Please LOGIN: ", b"login:"));
        assert!(starts_with_ci(b"content-length: 3", b"Content-Length:"));
    }
}
