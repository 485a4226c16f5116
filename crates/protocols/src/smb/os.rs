// SPDX-License-Identifier: Apache-2.0
//! Windows release names from the major.minor version that NTLMSSP Version
//! structures ([MS-NLMP] §2.2.2.10), SMB1 Native OS strings and browser
//! announcements ([MS-BRWS] §2.2.1) carry. Client and server releases share
//! a version number, so both are named (`Windows 7/Server 2008 R2`).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// The Windows release(s) with version `major.minor` ([MS-NLMP] §2.2.2.10
/// ProductMajorVersion / ProductMinorVersion values).
pub const fn windows_release(major: u8, minor: u8) -> Option<&'static str> {
    Some(match (major, minor) {
        (4, 0) => "Windows NT 4.0",
        (5, 0) => "Windows 2000",
        (5, 1) => "Windows XP",
        (5, 2) => "Windows Server 2003/XP x64",
        (6, 0) => "Windows Vista/Server 2008",
        (6, 1) => "Windows 7/Server 2008 R2",
        (6, 2) => "Windows 8/Server 2012",
        (6, 3) => "Windows 8.1/Server 2012 R2",
        (10, 0) => "Windows 10/11/Server 2016+",
        _ => return None,
    })
}

/// The release name, or `Windows <major>.<minor>` for versions not in the table.
pub fn windows_name(major: u8, minor: u8) -> String {
    windows_release(major, minor).map_or_else(|| format!("Windows {major}.{minor}"), str::to_string)
}

/// Splits an SMB1 Native OS string such as `Windows 5.1` into a release
/// name and version; other strings (`Windows Server 2003 3790 Service Pack
/// 2`, `Unix`) are kept as they are, without a version.
pub fn native_os(s: &str) -> (String, Option<String>) {
    if let Some(v) = s.strip_prefix("Windows ") {
        if let Some((a, b)) = v.split_once('.') {
            if let (Ok(major), Ok(minor)) = (a.parse::<u8>(), b.parse::<u8>()) {
                if let Some(name) = windows_release(major, minor) {
                    return (name.to_string(), Some(format!("{major}.{minor}")));
                }
            }
        }
    }
    (s.to_string(), None)
}
