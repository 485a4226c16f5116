// SPDX-License-Identifier: Apache-2.0
//! TLS (SSL 3.0 to TLS 1.3), the cleartext part of the handshake.
//!
//! References:
//! - RFC 8446 (TLS 1.3): §4.1.2 ClientHello, §4.1.3 ServerHello, §4.2
//!   extensions, §5.1 record layer; RFC 5246 (TLS 1.2) §6.2, §7.4.2
//!   Certificate; RFC 6066 §3 server_name; RFC 7301 ALPN; RFC 8701 GREASE.
//! - RFC 5280 §4.1 (X.509 certificate structure), see [`x509`].
//! - JA3/JA3S (Salesforce) and JA4 (FoxIO) fingerprints, see [`fingerprint`].
//!
//! Transport: TCP, any port (443, 8443, 636, 993, 995, 465, 4843 tried
//! first); recognised by a handshake record header `0x16 0x03 0x00-0x04`
//! carrying a ClientHello (to server) or ServerHello (to client).
//!
//! Facts: SNI → `Name{source: "tls_sni"}` about the server and
//! `Lookup{source: "tls_sni"}` about the client; `ja3`, `ja4` attributes
//! about the client, `ja3s` about the server; the leaf certificate subject
//! (`tls_cert_subject`) and `tls_cert_self_signed` about the server.
//! Remote-access tools recognised by SNI or certificate (AnyDesk's
//! self-signed `CN=AnyDesk Client`, `*.teamviewer.com`, ...) are reported
//! through [`crate::remote`]. One `tls.log` record per flow. Once both
//! sides are encrypted the session returns `Abandon(Encrypted)`.
//!
//! Not decoded: SSLv2-compatible hellos, DTLS and QUIC, certificate chains
//! beyond the leaf, extensions other than SNI, ALPN, supported groups,
//! point formats, signature algorithms and supported versions; cipher
//! suite names (only numbers are logged); TLS 1.3 certificates (encrypted).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod fingerprint;
pub mod record;
pub mod session;
pub mod wire;
pub mod x509;

#[cfg(test)]
mod tests;

pub use record::TlsRecord;
pub use session::{TlsSession, MAX_HANDSHAKE};

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};

/// Protocol name, also the log name (`tls.log`).
pub const NAME: &str = "tls";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[443, 8443, 636, 993, 995, 465, 4843, 3269],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(TlsSession::new())
}

/// Strict probe: a handshake record (type 22, version 3.0-3.4, length
/// 4..=2^14+2048) whose first message is a ClientHello (to server) or
/// ServerHello (to client) with a 3.x version.
pub fn probe(dir: Direction, input: &[u8]) -> Probe {
    if input.first() == Some(&wire::content::APPLICATION_DATA) {
        return probe_midstream(input);
    }
    let want = match dir {
        Direction::ToServer => wire::handshake::CLIENT_HELLO,
        Direction::ToClient => wire::handshake::SERVER_HELLO,
    };
    type Check = fn(u8, u8) -> bool;
    let checks: [(usize, Check); 4] = [
        (0, |b, _| b == wire::content::HANDSHAKE),
        (1, |b, _| b == 3),
        (2, |b, _| b <= 4),
        (5, |b, want| b == want),
    ];
    for (i, check) in checks {
        match input.get(i) {
            Some(&b) if check(b, want) => {}
            Some(_) => return Probe::NoMatch,
            None => return Probe::NeedMore,
        }
    }
    let Some(h) = wire::parse_record_header(input) else {
        return Probe::NeedMore;
    };
    if h.length < 4 || !h.is_valid() {
        return Probe::NoMatch;
    }
    match input.get(9..11) {
        Some(&[3, minor]) if minor <= 4 => Probe::Match,
        Some(_) => Probe::NoMatch,
        None => Probe::NeedMore,
    }
}

/// A connection seen after its handshake (a capture started mid-session):
/// the first bytes are an application-data record header (type 23, TLS
/// 1.0-1.3 on the wire, a length an encrypted record can have), and what
/// follows the record, if the chunk holds it, is another valid record
/// header. Three fixed bytes and the length make a chance match on other
/// data rare (about 1 in 4 million before the length check).
fn probe_midstream(input: &[u8]) -> Probe {
    let Some(h) = wire::parse_record_header(input) else {
        return Probe::NeedMore;
    };
    if !(0x0301..=0x0304).contains(&h.version) || h.length < 16 || !h.is_valid() {
        return Probe::NoMatch;
    }
    let end = wire::RECORD_HEADER.saturating_add(h.length);
    match input.get(end..) {
        // The chunk ends inside or right at the end of the record.
        None | Some([]) => Probe::Match,
        Some(rest) => match wire::parse_record_header(rest) {
            Some(next) if next.is_valid() && next.version >= 0x0301 => Probe::Match,
            Some(_) => Probe::NoMatch,
            None => Probe::NeedMore,
        },
    }
}
