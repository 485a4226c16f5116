// SPDX-License-Identifier: Apache-2.0
//! SMB wire parsing: NetBIOS session service framing (RFC 1002 §4.3,
//! [MS-SMB2] §2.1 direct TCP), SMB1 headers and AndX blocks ([MS-CIFS]
//! §2.2.3.1, §2.2.3.2), SMB2 headers ([MS-SMB2] §2.2.1.2) and strings.
//! Pure functions of bytes.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// Why an SMB message could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmbError {
    /// Shorter than its fixed header.
    #[error("message of {0} bytes is shorter than its header")]
    Short(usize),
    /// Unknown protocol id (not `\xffSMB`, `\xfeSMB`, `\xfdSMB`, `\xfcSMB`).
    #[error("unknown protocol id")]
    ProtocolId,
}

pub(crate) fn le16(b: &[u8], off: usize) -> Option<u16> {
    let s: [u8; 2] = b.get(off..off.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_le_bytes(s))
}

pub(crate) fn le32(b: &[u8], off: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

pub(crate) fn le64(b: &[u8], off: usize) -> Option<u64> {
    let s: [u8; 8] = b.get(off..off.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(s))
}

/// NetBIOS session service message types (RFC 1002 §4.3.1).
pub mod nbss_type {
    /// 0x00 Session message (carries SMB).
    pub const SESSION_MESSAGE: u8 = 0x00;
    /// 0x81 Session request (called and calling names).
    pub const SESSION_REQUEST: u8 = 0x81;
    /// 0x82 Positive session response.
    pub const POSITIVE_RESPONSE: u8 = 0x82;
    /// 0x83 Negative session response.
    pub const NEGATIVE_RESPONSE: u8 = 0x83;
    /// 0x84 Retarget session response.
    pub const RETARGET_RESPONSE: u8 = 0x84;
    /// 0x85 Session keep-alive.
    pub const KEEP_ALIVE: u8 = 0x85;
}

/// Type and payload length of a 4-byte session service header. Session
/// messages use 24 length bits ([MS-SMB2] §2.1 direct TCP; on port 139 the
/// top 7 bits are zero anyway), other types the 17 bits of RFC 1002 §4.3.1.
pub fn parse_nbss(b: &[u8]) -> Option<(u8, usize)> {
    let h = b.get(..4)?;
    let (&t, l) = h.split_first()?;
    let (a, bb, c) = (l.first()?, l.get(1)?, l.get(2)?);
    let len = if t == nbss_type::SESSION_MESSAGE {
        (usize::from(*a) << 16) | (usize::from(*bb) << 8) | usize::from(*c)
    } else {
        (usize::from(*a & 1) << 16) | (usize::from(*bb) << 8) | usize::from(*c)
    };
    Some((t, len))
}

/// The SMB protocol a message starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmbVersion {
    /// `\xffSMB`.
    Smb1,
    /// `\xfeSMB`.
    Smb2,
    /// `\xfdSMB` transform header (SMB 3 encryption).
    Transform,
    /// `\xfcSMB` compression transform header.
    Compressed,
}

/// Protocol id of a message.
pub fn version(msg: &[u8]) -> Option<SmbVersion> {
    match msg.get(..4)? {
        b"\xffSMB" => Some(SmbVersion::Smb1),
        b"\xfeSMB" => Some(SmbVersion::Smb2),
        b"\xfdSMB" => Some(SmbVersion::Transform),
        b"\xfcSMB" => Some(SmbVersion::Compressed),
        _ => None,
    }
}

/// SMB1 header ([MS-CIFS] §2.2.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Smb1Header {
    /// Command.
    pub command: u8,
    /// NT status.
    pub status: u32,
    /// Flags (0x80: reply).
    pub flags: u8,
    /// Flags2 (0x8000: Unicode strings, 0x0800: extended security).
    pub flags2: u16,
    /// Tree id.
    pub tid: u16,
    /// Process id (low 16 bits).
    pub pid: u16,
    /// User id.
    pub uid: u16,
    /// Multiplex id.
    pub mid: u16,
}

impl Smb1Header {
    /// The message is a reply.
    pub const fn is_reply(&self) -> bool {
        self.flags & 0x80 != 0
    }
    /// Strings are UTF-16LE.
    pub const fn is_unicode(&self) -> bool {
        self.flags2 & 0x8000 != 0
    }
    /// Key pairing a request with its reply.
    pub const fn key(&self) -> u64 {
        ((self.pid as u64) << 16) | self.mid as u64
    }
}

/// Parses the 32-byte SMB1 header.
pub fn parse_smb1_header(msg: &[u8]) -> Result<Smb1Header, SmbError> {
    if msg.len() < 32 {
        return Err(SmbError::Short(msg.len()));
    }
    if msg.get(..4) != Some(b"\xffSMB".as_slice()) {
        return Err(SmbError::ProtocolId);
    }
    let g = |o| le16(msg, o).unwrap_or(0);
    Ok(Smb1Header {
        command: msg.get(4).copied().unwrap_or(0),
        status: le32(msg, 5).unwrap_or(0),
        flags: msg.get(9).copied().unwrap_or(0),
        flags2: g(10),
        tid: g(24),
        pid: g(26),
        uid: g(28),
        mid: g(30),
    })
}

/// One SMB1 parameter/data block ([MS-CIFS] §2.2.3.2): the words and the
/// bytes, with the offset of the bytes from the start of the SMB header
/// (Unicode strings are aligned relative to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Smb1Block<'a> {
    /// Parameter words (2 × WordCount bytes).
    pub words: &'a [u8],
    /// Data bytes (ByteCount bytes, cut at the end of the message).
    pub bytes: &'a [u8],
    /// Offset of `bytes` in the message.
    pub bytes_off: usize,
}

impl Smb1Block<'_> {
    /// AndX chain: next command and its block offset, if any.
    pub fn andx(&self) -> Option<(u8, usize)> {
        let cmd = *self.words.first()?;
        (cmd != 0xff).then_some(())?;
        Some((cmd, usize::from(le16(self.words, 2)?)))
    }
}

/// Parses the block at `off` (32 for the first command).
pub fn parse_smb1_block(msg: &[u8], off: usize) -> Option<Smb1Block<'_>> {
    let wc = usize::from(*msg.get(off)?);
    let ws = off.checked_add(1)?;
    let we = ws.checked_add(wc.checked_mul(2)?)?;
    let words = msg.get(ws..we)?;
    let bc = usize::from(le16(msg, we)?);
    let bytes_off = we.checked_add(2)?;
    let end = bytes_off.checked_add(bc)?.min(msg.len());
    let bytes = msg.get(bytes_off..end).unwrap_or(&[]);
    Some(Smb1Block {
        words,
        bytes,
        bytes_off,
    })
}

/// Reads a NUL-terminated string at `off` of `msg` (UTF-16LE when
/// `unicode`, aligned to an even offset from the header; else OEM text).
/// Returns the text and the offset after the terminator.
pub fn smb1_string(msg: &[u8], off: usize, unicode: bool) -> Option<(String, usize)> {
    if unicode {
        let start = if off % 2 == 1 {
            off.checked_add(1)?
        } else {
            off
        };
        let rest = msg.get(start..)?;
        let mut units = Vec::new();
        let mut end = rest.len();
        for (i, c) in rest.chunks_exact(2).enumerate() {
            let u = u16::from_le_bytes([*c.first()?, *c.get(1)?]);
            if u == 0 {
                end = i.checked_mul(2)?.checked_add(2)?;
                break;
            }
            units.push(u);
        }
        Some((String::from_utf16_lossy(&units), start.checked_add(end)?))
    } else {
        let rest = msg.get(off..)?;
        let n = rest.iter().position(|&c| c == 0);
        let s = rest.get(..n.unwrap_or(rest.len()))?;
        let next = off.checked_add(n.map_or(rest.len(), |n| n.saturating_add(1)))?;
        Some((String::from_utf8_lossy(s).into_owned(), next))
    }
}

/// UTF-16LE text (odd trailing byte dropped).
pub fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .collect();
    String::from_utf16_lossy(&units)
}

/// SMB2 header ([MS-SMB2] §2.2.1.1 async / §2.2.1.2 sync).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Smb2Header {
    /// Command.
    pub command: u16,
    /// NT status (responses).
    pub status: u32,
    /// Flags (0x1 server-to-redirector, 0x2 async, 0x4 related).
    pub flags: u32,
    /// Offset of the next command of a compound, 0 for the last.
    pub next_command: u32,
    /// Message id.
    pub message_id: u64,
    /// Tree id (sync headers only).
    pub tree_id: u32,
    /// Session id.
    pub session_id: u64,
}

impl Smb2Header {
    /// The message is a response.
    pub const fn is_response(&self) -> bool {
        self.flags & 1 != 0
    }
}

/// Parses the 64-byte SMB2 header.
pub fn parse_smb2_header(msg: &[u8]) -> Result<Smb2Header, SmbError> {
    if msg.len() < 64 {
        return Err(SmbError::Short(msg.len()));
    }
    if msg.get(..4) != Some(b"\xfeSMB".as_slice()) {
        return Err(SmbError::ProtocolId);
    }
    let flags = le32(msg, 16).unwrap_or(0);
    Ok(Smb2Header {
        command: le16(msg, 12).unwrap_or(0),
        status: le32(msg, 8).unwrap_or(0),
        flags,
        next_command: le32(msg, 20).unwrap_or(0),
        message_id: le64(msg, 24).unwrap_or(0),
        tree_id: if flags & 2 == 0 {
            le32(msg, 36).unwrap_or(0)
        } else {
            0
        },
        session_id: le64(msg, 40).unwrap_or(0),
    })
}

/// The bytes at `offset..offset+len` of `msg` (offsets from the SMB2
/// header, as security buffers and paths are given).
pub fn buffer(msg: &[u8], offset: u16, len: u16) -> Option<&[u8]> {
    let s = usize::from(offset);
    msg.get(s..s.checked_add(usize::from(len))?)
}
