// SPDX-License-Identifier: Apache-2.0
//! Operating-system hints in User-Agent strings.
//!
//! Windows NT version numbers follow Microsoft's "Operating System Version"
//! table (NT 5.0 = 2000, 5.1 = XP, 5.2 = Server 2003 / XP x64, 6.0 = Vista /
//! Server 2008, 6.1 = 7 / Server 2008 R2, 6.2 = 8, 6.3 = 8.1, 10.0 = 10/11:
//! browsers froze the token at 10.0, so 11 cannot be told apart).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// Windows release named by an `NT x.y` version.
pub fn windows_name(version: &str) -> Option<&'static str> {
    Some(match version {
        "4.0" => "Windows NT 4.0",
        "5.0" => "Windows 2000",
        "5.1" => "Windows XP",
        "5.2" => "Windows XP x64 / Server 2003",
        "6.0" => "Windows Vista / Server 2008",
        "6.1" => "Windows 7 / Server 2008 R2",
        "6.2" => "Windows 8 / Server 2012",
        "6.3" => "Windows 8.1 / Server 2012 R2",
        "10.0" => "Windows 10/11",
        _ => return None,
    })
}

/// Version text following `token` up to a delimiter, with `_` read as `.`
/// (iOS and macOS write `10_15_7`).
fn version_after<'a>(ua: &'a str, token: &str) -> Option<&'a str> {
    let start = ua.find(token)?.checked_add(token.len())?;
    let rest = ua.get(start..)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(rest.len());
    let v = rest.get(..end)?;
    (!v.is_empty()).then_some(v)
}

/// `(name, version)` of the operating system a User-Agent names, if any.
pub fn os_from_user_agent(ua: &str) -> Option<(String, Option<String>)> {
    if let Some(v) = version_after(ua, "Windows NT ") {
        let name = windows_name(v).unwrap_or("Windows");
        return Some((name.to_owned(), Some(v.to_owned())));
    }
    if ua.contains("Windows XP") {
        return Some(("Windows XP".to_owned(), Some("5.1".to_owned())));
    }
    if let Some(v) = version_after(ua, "Android ") {
        return Some(("Android".to_owned(), Some(v.to_owned())));
    }
    if let Some(v) = version_after(ua, "iPhone OS ").or_else(|| version_after(ua, "CPU OS ")) {
        return Some(("iOS".to_owned(), Some(v.replace('_', "."))));
    }
    if let Some(v) = version_after(ua, "Mac OS X ") {
        return Some(("macOS".to_owned(), Some(v.replace('_', "."))));
    }
    if ua.contains("Linux") {
        return Some(("Linux".to_owned(), None));
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn maps_windows_nt_versions() {
        let ua = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)";
        assert_eq!(
            os_from_user_agent(ua),
            Some(("Windows XP".into(), Some("5.1".into())))
        );
        let ua = "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:24.0) Gecko/20100101 Firefox/24.0";
        assert_eq!(
            os_from_user_agent(ua).unwrap().0,
            "Windows 7 / Server 2008 R2"
        );
    }

    #[test]
    fn finds_mobile_mac_and_linux() {
        let ua = "Mozilla/5.0 (Linux; Android 9; SM-G960F) AppleWebKit/537.36";
        assert_eq!(
            os_from_user_agent(ua),
            Some(("Android".into(), Some("9".into())))
        );
        let ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 12_1 like Mac OS X)";
        assert_eq!(
            os_from_user_agent(ua),
            Some(("iOS".into(), Some("12.1".into())))
        );
        let ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)";
        assert_eq!(
            os_from_user_agent(ua).unwrap().1.as_deref(),
            Some("10.15.7")
        );
        assert_eq!(
            os_from_user_agent("Wget/1.21 (linux-gnu)"),
            None,
            "lower-case linux-gnu is a build triple, not evidence enough"
        );
        assert_eq!(os_from_user_agent("X11; Linux x86_64").unwrap().0, "Linux");
        assert_eq!(os_from_user_agent("curl/7.88.1"), None);
    }
}
