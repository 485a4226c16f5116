// SPDX-License-Identifier: Apache-2.0
//! Pure TLS parsing: record header (RFC 8446 §5.1, RFC 5246 §6.2.1),
//! handshake header (§4), ClientHello (§4.1.2), ServerHello (§4.1.3),
//! extensions (§4.2; SNI RFC 6066 §3, ALPN RFC 7301 §3.1) and the
//! Certificate message of TLS ≤ 1.2 (RFC 5246 §7.4.2). Borrowing, no
//! allocation.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// Record content types (RFC 8446 §5.1).
pub mod content {
    /// 20 change_cipher_spec
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    /// 21 alert
    pub const ALERT: u8 = 21;
    /// 22 handshake
    pub const HANDSHAKE: u8 = 22;
    /// 23 application_data
    pub const APPLICATION_DATA: u8 = 23;
    /// 24 heartbeat (RFC 6520)
    pub const HEARTBEAT: u8 = 24;
}

/// Handshake types (RFC 8446 §4, RFC 5246 §7.4).
pub mod handshake {
    /// 1 client_hello
    pub const CLIENT_HELLO: u8 = 1;
    /// 2 server_hello
    pub const SERVER_HELLO: u8 = 2;
    /// 11 certificate
    pub const CERTIFICATE: u8 = 11;
    /// 14 server_hello_done
    pub const SERVER_HELLO_DONE: u8 = 14;
}

/// Largest record payload accepted: 2^14 plus the 2048 bytes of expansion
/// TLS 1.2 allows for ciphertext (RFC 5246 §6.2.3).
pub const MAX_RECORD: usize = 16384 + 2048;
/// Record header length.
pub const RECORD_HEADER: usize = 5;

/// A record header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// Content type.
    pub content_type: u8,
    /// Legacy record version.
    pub version: u16,
    /// Payload length.
    pub length: usize,
}

/// Parses a record header; `None` when fewer than 5 bytes are given.
pub fn parse_record_header(input: &[u8]) -> Option<RecordHeader> {
    let &[t, v0, v1, l0, l1] = input.get(..RECORD_HEADER)? else {
        return None;
    };
    Some(RecordHeader {
        content_type: t,
        version: u16::from_be_bytes([v0, v1]),
        length: usize::from(u16::from_be_bytes([l0, l1])),
    })
}

impl RecordHeader {
    /// True for a known content type, version 3.0-3.4 and a length within bounds.
    pub fn is_valid(&self) -> bool {
        (content::CHANGE_CIPHER_SPEC..=content::HEARTBEAT).contains(&self.content_type)
            && (0x0300..=0x0304).contains(&self.version)
            && self.length <= MAX_RECORD
    }
}

/// A cursor over big-endian wire bytes.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'a>(pub &'a [u8]);

impl<'a> Cursor<'a> {
    /// Takes `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let head = self.0.get(..n)?;
        self.0 = self.0.get(n..)?;
        Some(head)
    }
    /// Takes one byte.
    pub fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    /// Takes a big-endian u16.
    pub fn u16(&mut self) -> Option<u16> {
        let &[a, b] = self.take(2)? else { return None };
        Some(u16::from_be_bytes([a, b]))
    }
    /// Takes a big-endian u24.
    pub fn u24(&mut self) -> Option<usize> {
        let &[a, b, c] = self.take(3)? else {
            return None;
        };
        Some(usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c))
    }
    /// Takes a vector with a 1-byte length.
    pub fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
    /// Takes a vector with a 2-byte length.
    pub fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
    /// Takes a vector with a 3-byte length.
    pub fn vec24(&mut self) -> Option<&'a [u8]> {
        let n = self.u24()?;
        self.take(n)
    }
    /// True when nothing is left.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Iterates big-endian u16 values of a list body.
pub fn u16s(list: &[u8]) -> impl Iterator<Item = u16> + '_ {
    list.chunks_exact(2).map(|c| match *c {
        [a, b] => u16::from_be_bytes([a, b]),
        _ => 0,
    })
}

/// GREASE values (RFC 8701): `0x?A?A` with both bytes equal.
pub const fn is_grease(v: u16) -> bool {
    (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// Extension types used here (IANA TLS ExtensionType registry).
pub mod ext {
    /// 0 server_name
    pub const SERVER_NAME: u16 = 0;
    /// 10 supported_groups
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// 11 ec_point_formats
    pub const EC_POINT_FORMATS: u16 = 11;
    /// 13 signature_algorithms
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// 16 application_layer_protocol_negotiation
    pub const ALPN: u16 = 16;
    /// 43 supported_versions
    pub const SUPPORTED_VERSIONS: u16 = 43;
}

/// One extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension<'a> {
    /// Extension type.
    pub kind: u16,
    /// Extension body.
    pub data: &'a [u8],
}

/// Iterates the extensions of an extensions block (stops at the first malformed one).
pub fn extensions(block: &[u8]) -> impl Iterator<Item = Extension<'_>> + '_ {
    let mut c = Cursor(block);
    std::iter::from_fn(move || {
        let kind = c.u16()?;
        let data = c.vec16()?;
        Some(Extension { kind, data })
    })
}

/// A ClientHello (RFC 8446 §4.1.2), borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// legacy_version.
    pub version: u16,
    /// Cipher suite list body (u16 values).
    pub ciphers: &'a [u8],
    /// Extensions block (absent in SSL 3.0-era hellos).
    pub extensions: &'a [u8],
}

/// Parses a ClientHello body.
pub fn parse_client_hello(body: &[u8]) -> Option<ClientHello<'_>> {
    let mut c = Cursor(body);
    let version = c.u16()?;
    c.take(32)?;
    c.vec8()?;
    let ciphers = c.vec16()?;
    c.vec8()?;
    let extensions = if c.is_empty() { &[][..] } else { c.vec16()? };
    Some(ClientHello {
        version,
        ciphers,
        extensions,
    })
}

/// A ServerHello (RFC 8446 §4.1.3), borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerHello<'a> {
    /// legacy_version.
    pub version: u16,
    /// Selected cipher suite.
    pub cipher: u16,
    /// Extensions block.
    pub extensions: &'a [u8],
}

impl ServerHello<'_> {
    /// The negotiated version: `supported_versions` when present (TLS 1.3), else legacy_version.
    pub fn negotiated_version(&self) -> u16 {
        extensions(self.extensions)
            .find(|e| e.kind == ext::SUPPORTED_VERSIONS)
            .and_then(|e| u16s(e.data).next())
            .unwrap_or(self.version)
    }
}

/// Parses a ServerHello body.
pub fn parse_server_hello(body: &[u8]) -> Option<ServerHello<'_>> {
    let mut c = Cursor(body);
    let version = c.u16()?;
    c.take(32)?;
    c.vec8()?;
    let cipher = c.u16()?;
    c.u8()?;
    let extensions = if c.is_empty() { &[][..] } else { c.vec16()? };
    Some(ServerHello {
        version,
        cipher,
        extensions,
    })
}

/// The host name of a server_name extension body (RFC 6066 §3).
pub fn sni(data: &[u8]) -> Option<&[u8]> {
    let mut c = Cursor(data);
    let mut list = Cursor(c.vec16()?);
    while !list.is_empty() {
        let kind = list.u8()?;
        let name = list.vec16()?;
        if kind == 0 {
            return Some(name);
        }
    }
    None
}

/// Iterates ALPN protocol names (RFC 7301 §3.1).
pub fn alpn(data: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    let mut c = Cursor(Cursor(data).vec16().unwrap_or_default());
    std::iter::from_fn(move || c.vec8())
}

/// The first certificate (DER) of a TLS ≤ 1.2 Certificate message body.
pub fn first_certificate(body: &[u8]) -> Option<&[u8]> {
    let mut c = Cursor(body);
    let mut list = Cursor(c.vec24()?);
    list.vec24()
}

/// A TLS version's name as Zeek writes it (`TLSv12`).
pub const fn version_name(v: u16) -> &'static str {
    match v {
        0x0002 => "SSLv2",
        0x0300 => "SSLv3",
        0x0301 => "TLSv10",
        0x0302 => "TLSv11",
        0x0303 => "TLSv12",
        0x0304 => "TLSv13",
        0xfeff => "DTLSv10",
        0xfefd => "DTLSv12",
        0xfefc => "DTLSv13",
        _ => "unknown",
    }
}
