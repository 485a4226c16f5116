// SPDX-License-Identifier: Apache-2.0
//! Pure DNP3 parsing: link frames (IEEE 1815-2012 §9.2), transport header
//! (§8.2) and application header (§4.2.2). No state, no allocation.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// Link header length: start (2), length, control, destination (2), source (2), CRC (2).
pub const LINK_HEADER_LEN: usize = 10;
/// Most user-data octets one link frame carries (length 255 minus control and addresses).
pub const MAX_USER_DATA: usize = 250;
/// Largest link frame on the wire: header plus 250 octets in 16 blocks, each with a CRC.
pub const MAX_FRAME_LEN: usize = 292;
/// Data block size between CRCs (§9.2.4.2).
pub const BLOCK_LEN: usize = 16;

/// Start octets 0x05 0x64 (§9.2.4.1.1).
pub const START: [u8; 2] = [0x05, 0x64];

/// CRC-16/DNP table: polynomial 0x3D65 reflected (0xA6BC), built at compile
/// time (an out-of-range index here would fail the build, not a run).
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const CRC_TABLE: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u16;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA6BC
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// Slicing-by-8 tables: `CRC_SLICES[k][b]` is the CRC register after byte
/// `b` followed by `k` zero bytes, so eight bytes are folded in with eight
/// look-ups that do not depend on one another (DNP3 checks a CRC on every
/// 16-byte block of every frame: byte-at-a-time is the parser's hot spot).
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const CRC_SLICES: [[u16; 256]; 8] = {
    let mut t = [[0u16; 256]; 8];
    t[0] = CRC_TABLE;
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ CRC_TABLE[(prev & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    t
};

/// Entry `b` of slicing table `k` (`k` < 8).
#[inline(always)]
fn slice(k: usize, b: u8) -> u16 {
    CRC_SLICES
        .get(k)
        .and_then(|t| t.get(usize::from(b)))
        .copied()
        .unwrap_or(0)
}

/// One step of the byte-at-a-time CRC.
#[inline(always)]
fn crc_byte(crc: u16, b: u8) -> u16 {
    let idx = usize::from((crc ^ u16::from(b)) & 0xFF);
    (crc >> 8) ^ CRC_TABLE.get(idx).copied().unwrap_or(0)
}

/// CRC-16/DNP of `data` (init 0, reflected, final xor 0xFFFF; §9.2.4.2.2).
pub fn crc(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let &[b0, b1, b2, b3, b4, b5, b6, b7] = c else {
            continue;
        };
        let [lo, hi] = (crc ^ u16::from_le_bytes([b0, b1])).to_le_bytes();
        crc = slice(7, lo)
            ^ slice(6, hi)
            ^ slice(5, b2)
            ^ slice(4, b3)
            ^ slice(3, b4)
            ^ slice(2, b5)
            ^ slice(1, b6)
            ^ slice(0, b7);
    }
    // A remainder of four or more octets: one sliced step of four (the
    // 16-bit register is shifted out after two octets, so the last four
    // tables fold four octets in).
    let mut rest = chunks.remainder();
    if let Some((&[b0, b1, b2, b3], after)) = rest.split_first_chunk::<4>() {
        let [lo, hi] = (crc ^ u16::from_le_bytes([b0, b1])).to_le_bytes();
        crc = slice(3, lo) ^ slice(2, hi) ^ slice(1, b2) ^ slice(0, b3);
        rest = after;
    }
    for &b in rest {
        crc = crc_byte(crc, b);
    }
    !crc
}

/// [`crc`] of the eight octets a link header's CRC covers, unrolled.
#[inline]
pub(crate) fn crc_8(b: &[u8; 8]) -> u16 {
    let &[b0, b1, b2, b3, b4, b5, b6, b7] = b;
    !(slice(7, b0)
        ^ slice(6, b1)
        ^ slice(5, b2)
        ^ slice(4, b3)
        ^ slice(3, b4)
        ^ slice(2, b5)
        ^ slice(1, b6)
        ^ slice(0, b7))
}

/// [`crc`] of one full 16-octet data block, unrolled.
#[inline]
pub(crate) fn crc_block(b: &[u8; BLOCK_LEN]) -> u16 {
    let &[b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15] = b;
    let [lo, hi] = [b0, b1];
    let crc = slice(7, lo)
        ^ slice(6, hi)
        ^ slice(5, b2)
        ^ slice(4, b3)
        ^ slice(3, b4)
        ^ slice(2, b5)
        ^ slice(1, b6)
        ^ slice(0, b7);
    let [lo, hi] = (crc ^ u16::from_le_bytes([b8, b9])).to_le_bytes();
    let crc = slice(7, lo)
        ^ slice(6, hi)
        ^ slice(5, b10)
        ^ slice(4, b11)
        ^ slice(3, b12)
        ^ slice(2, b13)
        ^ slice(1, b14)
        ^ slice(0, b15);
    !crc
}

/// The byte-at-a-time CRC, kept as the reference the sliced one is tested
/// against.
#[cfg(test)]
pub(crate) fn crc_bytewise(data: &[u8]) -> u16 {
    !data.iter().fold(0u16, |crc, &b| crc_byte(crc, b))
}

/// True when the two bytes after `data` in `frame` hold its CRC, little-endian.
fn crc_ok(data: &[u8], crc_bytes: &[u8]) -> bool {
    match crc_bytes {
        [lo, hi, ..] => u16::from_le_bytes([*lo, *hi]) == crc(data),
        _ => false,
    }
}

/// Link-layer header (IEEE 1815-2012 §9.2.4.1, Figure 9-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkHeader {
    /// LENGTH: octets of control, addresses and user data (5..=255).
    pub length: u8,
    /// CONTROL: DIR (0x80), PRM (0x40), FCB (0x20), FCV (0x10), function (0x0F).
    pub control: u8,
    /// Destination address.
    pub destination: u16,
    /// Source address.
    pub source: u16,
    /// Header CRC agrees with the first 8 octets.
    pub crc_ok: bool,
}

impl LinkHeader {
    /// DIR bit: the frame comes from a master.
    pub const fn is_from_master(&self) -> bool {
        self.control & 0x80 != 0
    }
    /// PRM bit: the frame is a primary (initiating) frame.
    pub const fn is_primary(&self) -> bool {
        self.control & 0x40 != 0
    }
    /// Link function code (low 4 bits of control).
    pub const fn function(&self) -> u8 {
        self.control & 0x0F
    }
    /// True for primary frames carrying user data (function 3 confirmed,
    /// 4 unconfirmed; §9.2.4.1.3.2).
    pub const fn carries_user_data(&self) -> bool {
        self.is_primary() && matches!(self.function(), 3 | 4)
    }
    /// User-data octets in the frame (LENGTH minus control and addresses).
    pub const fn user_data_len(&self) -> usize {
        (self.length as usize).saturating_sub(5)
    }
    /// Octets the whole frame occupies on the wire, CRCs included.
    pub const fn frame_len(&self) -> usize {
        let n = self.user_data_len();
        LINK_HEADER_LEN
            .saturating_add(n)
            .saturating_add(n.div_ceil(BLOCK_LEN).saturating_mul(2))
    }
}

/// Why link bytes could not be framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// Fewer bytes than the frame needs; `needed` more are required.
    #[error("link frame truncated: {needed} more bytes needed")]
    Truncated {
        /// Further bytes needed.
        needed: usize,
    },
    /// The first two octets are not 0x05 0x64.
    #[error("link frame does not start with 0x05 0x64")]
    BadStart,
    /// LENGTH is below 5 (control and both addresses).
    #[error("link length {0} is below the minimum of 5")]
    LengthTooSmall(u8),
}

/// Parses a link header at the start of `input`.
pub fn parse_link_header(input: &[u8]) -> Result<LinkHeader, LinkError> {
    match input {
        [0x05] | [] => {}
        [a, ..] if *a != 0x05 => return Err(LinkError::BadStart),
        [_, b, ..] if *b != 0x64 => return Err(LinkError::BadStart),
        _ => {}
    }
    let Some(h) = input.get(..LINK_HEADER_LEN) else {
        return Err(LinkError::Truncated {
            needed: LINK_HEADER_LEN.saturating_sub(input.len()),
        });
    };
    let Some(&[b0, b1, length, control, d0, d1, s0, s1, c0, c1]) =
        h.first_chunk::<LINK_HEADER_LEN>()
    else {
        return Err(LinkError::Truncated { needed: 1 });
    };
    if length < 5 {
        return Err(LinkError::LengthTooSmall(length));
    }
    Ok(LinkHeader {
        length,
        control,
        destination: u16::from_le_bytes([d0, d1]),
        source: u16::from_le_bytes([s0, s1]),
        crc_ok: crc_8(&[b0, b1, length, control, d0, d1, s0, s1]) == u16::from_le_bytes([c0, c1]),
    })
}

/// One link frame with its user data copied out of the CRC blocks.
#[derive(Clone, Debug)]
pub struct LinkFrame {
    /// Header.
    pub header: LinkHeader,
    /// Data blocks whose CRC did not match.
    pub block_crc_errors: u8,
    user_data: [u8; MAX_USER_DATA],
    user_len: usize,
}

impl LinkFrame {
    /// User data (transport header plus application bytes), CRCs removed.
    pub fn user_data(&self) -> &[u8] {
        self.user_data.get(..self.user_len).unwrap_or_default()
    }
}

/// Parses one complete link frame at the start of `input`; returns it and
/// the bytes it occupied. Bad CRCs are reported in the frame, not as errors.
pub fn parse_link_frame(input: &[u8]) -> Result<(LinkFrame, usize), LinkError> {
    let mut user_data = [0; MAX_USER_DATA];
    let (info, len) = parse_link_frame_into(input, &mut user_data)?;
    Ok((
        LinkFrame {
            header: info.header,
            block_crc_errors: info.block_crc_errors,
            user_data,
            user_len: info.user_len,
        },
        len,
    ))
}

/// What [`parse_link_frame_into`] found besides the user data it copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkFrameInfo {
    /// The link header.
    pub header: LinkHeader,
    /// Data blocks whose CRC did not match.
    pub block_crc_errors: u8,
    /// User-data octets copied to the front of the buffer.
    pub user_len: usize,
}

/// [`parse_link_frame`] that copies the user data into `user_data` (its
/// first [`LinkFrameInfo::user_len`] octets) instead of returning a frame by
/// value: a session parses every frame into one buffer.
#[inline]
pub fn parse_link_frame_into(
    input: &[u8],
    user_data: &mut [u8; MAX_USER_DATA],
) -> Result<(LinkFrameInfo, usize), LinkError> {
    let header = parse_link_header(input)?;
    let len = header.frame_len();
    let Some(frame) = input.get(..len) else {
        return Err(LinkError::Truncated {
            needed: len.saturating_sub(input.len()),
        });
    };
    let mut block_crc_errors = 0u8;
    // Full blocks: 16 data octets and their CRC, checked and copied as
    // fixed-size arrays (no length arithmetic, no calls).
    let mut blocks = frame
        .get(LINK_HEADER_LEN..)
        .unwrap_or_default()
        .chunks_exact(BLOCK_LEN + 2);
    let mut dst = user_data.chunks_exact_mut(BLOCK_LEN);
    let mut at = 0usize;
    for (block, out) in (&mut blocks).zip(&mut dst) {
        let Some((data, &[lo, hi])) = block.split_first_chunk::<BLOCK_LEN>() else {
            continue;
        };
        if crc_block(data) != u16::from_le_bytes([lo, hi]) {
            block_crc_errors = block_crc_errors.saturating_add(1);
        }
        out.copy_from_slice(data);
        at = at.saturating_add(BLOCK_LEN);
    }
    // The last, shorter block.
    let last = blocks.remainder();
    if !last.is_empty() {
        let data_len = last.len().saturating_sub(2);
        let (data, crc_bytes) = last.split_at(data_len);
        if !crc_ok(data, crc_bytes) {
            block_crc_errors = block_crc_errors.saturating_add(1);
        }
        let end = at.saturating_add(data.len());
        if let Some(dst) = user_data.get_mut(at..end) {
            dst.copy_from_slice(data);
        }
    }
    Ok((
        LinkFrameInfo {
            header,
            block_crc_errors,
            user_len: header.user_data_len().min(MAX_USER_DATA),
        },
        len,
    ))
}

/// [`parse_link_frame_into`] that returns the user data itself: read in
/// place from `input` when the frame has a single data block (most polls,
/// null responses and confirms: no copy), else copied into `user_data`
/// (set up, zeroed, the first time a frame needs it).
#[inline]
pub fn parse_link_frame_data<'a>(
    input: &'a [u8],
    user_data: &'a mut Option<[u8; MAX_USER_DATA]>,
) -> Result<(LinkFrameInfo, &'a [u8], usize), LinkError> {
    let header = parse_link_header(input)?;
    let n = header.user_data_len();
    if n <= BLOCK_LEN {
        let len = header.frame_len();
        let Some(frame) = input.get(..len) else {
            return Err(LinkError::Truncated {
                needed: len.saturating_sub(input.len()),
            });
        };
        let (data, crc_bytes) = frame
            .get(LINK_HEADER_LEN..)
            .unwrap_or_default()
            .split_at(n.min(len.saturating_sub(LINK_HEADER_LEN)));
        let block_crc_errors = u8::from(n > 0 && !crc_ok(data, crc_bytes));
        let info = LinkFrameInfo {
            header,
            block_crc_errors,
            user_len: n,
        };
        return Ok((info, data, len));
    }
    let user_data = user_data.get_or_insert([0; MAX_USER_DATA]);
    let (info, len) = parse_link_frame_into(input, user_data)?;
    Ok((
        info,
        user_data.get(..info.user_len).unwrap_or_default(),
        len,
    ))
}

/// Transport header (IEEE 1815-2012 §8.2.1, Figure 8-2): one octet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportHeader(pub u8);

impl TransportHeader {
    /// FIN: last segment of the fragment.
    pub const fn is_fin(self) -> bool {
        self.0 & 0x80 != 0
    }
    /// FIR: first segment of the fragment.
    pub const fn is_fir(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Sequence number 0..=63.
    pub const fn seq(self) -> u8 {
        self.0 & 0x3F
    }
}

/// Application control octet (IEEE 1815-2012 §4.2.2.4, Figure 4-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppControl(pub u8);

impl AppControl {
    /// FIR: first fragment of a message.
    pub const fn is_fir(self) -> bool {
        self.0 & 0x80 != 0
    }
    /// FIN: last fragment of a message.
    pub const fn is_fin(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// CON: the receiver must confirm.
    pub const fn needs_confirm(self) -> bool {
        self.0 & 0x20 != 0
    }
    /// UNS: unsolicited response (or its confirmation).
    pub const fn is_unsolicited(self) -> bool {
        self.0 & 0x10 != 0
    }
    /// Application sequence number 0..=15.
    pub const fn seq(self) -> u8 {
        self.0 & 0x0F
    }
}

/// Application-layer header (§4.2.2): request headers are control and
/// function; responses (0x81-0x83) add the 2-octet internal indications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppHeader {
    /// Application control.
    pub control: AppControl,
    /// Function code.
    pub function: u8,
    /// Internal indications (IIN1 in the high byte, IIN2 low), responses only.
    pub iin: Option<u16>,
}

impl AppHeader {
    /// True for response function codes 0x81 (response), 0x82
    /// (unsolicited response) and 0x83 (authentication response).
    pub const fn is_response(&self) -> bool {
        matches!(self.function, 0x81..=0x83)
    }
}

/// Why an application fragment could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// Fewer than 2 octets (4 for responses).
    #[error("application header truncated")]
    Truncated,
}

/// Parses the application header; returns it and the object bytes after it.
pub fn parse_app_header(fragment: &[u8]) -> Result<(AppHeader, &[u8]), AppError> {
    let [control, function, rest @ ..] = fragment else {
        return Err(AppError::Truncated);
    };
    let mut header = AppHeader {
        control: AppControl(*control),
        function: *function,
        iin: None,
    };
    if header.is_response() {
        let [i1, i2, objects @ ..] = rest else {
            return Err(AppError::Truncated);
        };
        header.iin = Some(u16::from_be_bytes([*i1, *i2]));
        return Ok((header, objects));
    }
    Ok((header, rest))
}
