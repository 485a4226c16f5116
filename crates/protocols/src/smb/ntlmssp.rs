// SPDX-License-Identifier: Apache-2.0
//! NTLMSSP messages ([MS-NLMP] §2.2.1.1 NEGOTIATE, §2.2.1.2 CHALLENGE,
//! §2.2.1.3 AUTHENTICATE, §2.2.2.1 AV_PAIR, §2.2.2.10 VERSION).
//!
//! The token is found by its `NTLMSSP\0` signature inside the security
//! blob rather than by walking the SPNEGO/GSS-API DER around it (RFC 4178
//! §4.2): the signature cannot occur by chance in the DER wrapper, and
//! raw NTLMSSP blobs (no SPNEGO) are found the same way.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::wire::{le16, le32, utf16};

/// `NTLMSSP\0`.
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";
/// NTLMSSP_NEGOTIATE_UNICODE.
pub const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
/// NTLMSSP_NEGOTIATE_VERSION.
pub const NEGOTIATE_VERSION: u32 = 0x0200_0000;

/// VERSION structure ([MS-NLMP] §2.2.2.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    /// ProductMajorVersion.
    pub major: u8,
    /// ProductMinorVersion.
    pub minor: u8,
    /// ProductBuild.
    pub build: u16,
    /// NTLMRevisionCurrent.
    pub revision: u8,
}

impl Version {
    /// `6.1.7601`.
    pub fn text(&self) -> String {
        format!("{}.{}.{}", self.major, self.minor, self.build)
    }
}

/// CHALLENGE target information ([MS-NLMP] §2.2.2.1 AvIds 1-5).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetInfo {
    /// MsvAvNbComputerName.
    pub nb_computer_name: Option<String>,
    /// MsvAvNbDomainName.
    pub nb_domain_name: Option<String>,
    /// MsvAvDnsComputerName.
    pub dns_computer_name: Option<String>,
    /// MsvAvDnsDomainName.
    pub dns_domain_name: Option<String>,
    /// MsvAvDnsTreeName.
    pub dns_tree_name: Option<String>,
}

/// A decoded NTLMSSP message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ntlm {
    /// Type 1.
    Negotiate {
        /// NegotiateFlags.
        flags: u32,
        /// Supplied domain (OEM), usually empty.
        domain: String,
        /// Supplied workstation (OEM), usually empty.
        workstation: String,
        /// Client version, when NEGOTIATE_VERSION is set.
        version: Option<Version>,
    },
    /// Type 2.
    Challenge {
        /// NegotiateFlags.
        flags: u32,
        /// TargetName.
        target_name: String,
        /// Target information pairs.
        target_info: TargetInfo,
        /// Server version, when NEGOTIATE_VERSION is set.
        version: Option<Version>,
    },
    /// Type 3.
    Authenticate {
        /// NegotiateFlags.
        flags: u32,
        /// DomainName.
        domain: String,
        /// UserName.
        user: String,
        /// Workstation.
        workstation: String,
        /// Client version, when NEGOTIATE_VERSION is set.
        version: Option<Version>,
    },
}

/// The NTLMSSP token inside a security blob, if any.
pub fn find(blob: &[u8]) -> Option<&[u8]> {
    let at = blob.windows(SIGNATURE.len()).position(|w| w == SIGNATURE)?;
    blob.get(at..)
}

fn field(tok: &[u8], off: usize) -> Option<&[u8]> {
    let len = usize::from(le16(tok, off)?);
    let start = usize::try_from(le32(tok, off.checked_add(4)?)?).ok()?;
    if len == 0 {
        return Some(&[]);
    }
    tok.get(start..start.checked_add(len)?)
}

fn text(b: &[u8], unicode: bool) -> String {
    if unicode {
        utf16(b)
    } else {
        String::from_utf8_lossy(b).into_owned()
    }
}

fn version(tok: &[u8], off: usize, flags: u32) -> Option<Version> {
    if flags & NEGOTIATE_VERSION == 0 {
        return None;
    }
    let v = tok.get(off..off.checked_add(8)?)?;
    Some(Version {
        major: *v.first()?,
        minor: *v.get(1)?,
        build: le16(v, 2)?,
        revision: *v.get(7)?,
    })
}

/// Decodes the AV_PAIR list.
pub fn parse_target_info(mut b: &[u8]) -> TargetInfo {
    let mut t = TargetInfo::default();
    while let (Some(id), Some(len)) = (le16(b, 0), le16(b, 2)) {
        let end = 4usize.saturating_add(usize::from(len));
        let Some(v) = b.get(4..end) else { break };
        let s = || Some(utf16(v));
        match id {
            0 => break,
            1 => t.nb_computer_name = s(),
            2 => t.nb_domain_name = s(),
            3 => t.dns_computer_name = s(),
            4 => t.dns_domain_name = s(),
            5 => t.dns_tree_name = s(),
            _ => {}
        }
        b = b.get(end..).unwrap_or(&[]);
    }
    t
}

/// Decodes an NTLMSSP token starting with its signature.
pub fn parse(tok: &[u8]) -> Option<Ntlm> {
    if tok.get(..8)? != SIGNATURE {
        return None;
    }
    match le32(tok, 8)? {
        1 => {
            let flags = le32(tok, 12)?;
            Some(Ntlm::Negotiate {
                flags,
                domain: field(tok, 16).map(|b| text(b, false)).unwrap_or_default(),
                workstation: field(tok, 24).map(|b| text(b, false)).unwrap_or_default(),
                version: version(tok, 32, flags),
            })
        }
        2 => {
            let flags = le32(tok, 20)?;
            let uni = flags & NEGOTIATE_UNICODE != 0;
            Some(Ntlm::Challenge {
                flags,
                target_name: field(tok, 12).map(|b| text(b, uni)).unwrap_or_default(),
                target_info: field(tok, 40).map(parse_target_info).unwrap_or_default(),
                version: version(tok, 48, flags),
            })
        }
        3 => {
            let flags = le32(tok, 60).unwrap_or(0);
            let uni = flags & NEGOTIATE_UNICODE != 0;
            let f = |off| field(tok, off).map(|b| text(b, uni)).unwrap_or_default();
            Some(Ntlm::Authenticate {
                flags,
                domain: f(28),
                user: f(36),
                workstation: f(44),
                version: version(tok, 64, flags),
            })
        }
        _ => None,
    }
}
