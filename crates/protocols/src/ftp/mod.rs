// SPDX-License-Identifier: Apache-2.0
//! FTP control connection.
//!
//! References: RFC 959 §4.1 (commands), §4.2 (replies, multi-line replies
//! `123-` ... `123 `), §5.4 (command/reply sequences); RFC 4217 §4 (`AUTH
//! TLS`, reply 234); RFC 2428 (EPRT/EPSV).
//!
//! Transport: TCP 21 (2121 too); the probe matches a `220` greeting (to
//! client) or a known command line (to server).
//!
//! Each command gives one operation (USER/PASS/ACCT/AUTH/QUIT → session,
//! RETR/STOR/STOU/APPE/DELE → file transfer, LIST/NLST/CWD/PWD/SIZE/... →
//! read, others → other) and, paired with its final reply, one `ftp.log`
//! record (Zeek's `user`, `command`, `arg`, `reply_code`, `reply_msg`; the
//! password is never logged, `password_seen` says one was sent). USER/PASS
//! become `Credential{service: "ftp"}` about the server, accepted on 230
//! and refused on 530; the 220 greeting becomes `Software{role:
//! "ftp_server"}`. A successful `AUTH TLS` ends parsing (`Encrypted`).
//!
//! Lenient where clients are: a reply code followed by something other
//! than a space or `-` (`230_no_space`) is a final reply (anomaly
//! `missing_space_after_reply_code`); after a gap the next line is read
//! when it starts like a command or reply, else skipped as a cut line.
//!
//! Not decoded: data connections (PORT/PASV targets are logged as the
//! argument only), file contents and sizes, Telnet controls inside commands.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod session;

#[cfg(test)]
mod tests;

pub use session::{FtpRecord, FtpSession, MAX_LINE, MAX_PENDING};

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};
use crate::http::text::split_line;
use plantguard_model::Operation;

/// Protocol name, also the log name (`ftp.log`).
pub const NAME: &str = "ftp";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[21, 2121],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(FtpSession::new())
}

/// Commands of RFC 959 §4.1 and its extensions (RFC 2228, 2389, 2428, 3659, 4217).
const COMMANDS: &[&str] = &[
    "USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "QUIT", "REIN", "PORT", "PASV", "TYPE", "STRU",
    "MODE", "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR", "DELE", "RMD",
    "MKD", "PWD", "LIST", "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP", "FEAT", "OPTS", "AUTH",
    "PBSZ", "PROT", "CCC", "EPRT", "EPSV", "MDTM", "SIZE", "MLSD", "MLST", "XPWD", "XCWD", "XMKD",
    "XRMD", "LANG", "ADAT", "MIC", "CONF", "ENC", "CLNT", "HOST",
];

/// The canonical name of a command verb (case-insensitive), if known.
pub fn command(verb: &[u8]) -> Option<&'static str> {
    COMMANDS
        .iter()
        .copied()
        .find(|c| c.as_bytes().eq_ignore_ascii_case(verb))
}

/// What an FTP command does.
pub fn operation(cmd: &str) -> Operation {
    match cmd {
        "USER" | "PASS" | "ACCT" | "AUTH" | "QUIT" | "REIN" | "PBSZ" | "PROT" | "CCC" | "ADAT" => {
            Operation::Session
        }
        "RETR" | "STOR" | "STOU" | "APPE" | "DELE" => Operation::FileTransfer,
        "LIST" | "NLST" | "CWD" | "XCWD" | "CDUP" | "PWD" | "XPWD" | "SIZE" | "MDTM" | "MLSD"
        | "MLST" | "STAT" | "SYST" | "FEAT" | "HELP" => Operation::Read,
        _ => Operation::Other,
    }
}

/// A reply line's code and separator (`b' '` final, `b'-'` continued).
pub fn reply_code(line: &[u8]) -> Option<(u16, u8)> {
    let d = line.get(..3)?;
    if !d.iter().all(u8::is_ascii_digit) || !(b'1'..=b'6').contains(d.first()?) {
        return None;
    }
    let sep = line.get(3).copied().unwrap_or(b' ');
    if sep != b' ' && sep != b'-' {
        return None;
    }
    let code = d.iter().fold(0u16, |a, &c| {
        a.wrapping_mul(10)
            .wrapping_add(u16::from(c.wrapping_sub(b'0')))
    });
    Some((code, sep))
}

/// Strict probe: to client a complete `220` greeting line; to server a
/// complete line starting with a known command followed by a space or the
/// line end.
pub fn probe(dir: Direction, input: &[u8]) -> Probe {
    let Some((line, _)) = split_line(input) else {
        // A line end may be cut between its CR and LF.
        let input = input.strip_suffix(b"\r").unwrap_or(input);
        return match dir {
            Direction::ToClient if input.len() < 4 && b"220 ".starts_with(input) => Probe::NeedMore,
            Direction::ToClient if input.starts_with(b"220") && input.len() < 511 => {
                Probe::NeedMore
            }
            Direction::ToServer if input.len() < 511 => {
                let verb_end = input.iter().position(|&b| b == b' ');
                let verb = input
                    .get(..verb_end.unwrap_or(input.len()))
                    .unwrap_or_default();
                let plausible = verb.len() <= 4
                    && verb.iter().all(u8::is_ascii_alphabetic)
                    && (verb_end.is_none() || command(verb).is_some());
                if plausible {
                    Probe::NeedMore
                } else {
                    Probe::NoMatch
                }
            }
            _ => Probe::NoMatch,
        };
    };
    if line.len() >= 510 || line.iter().any(|&b| b.is_ascii_control() && b != b'\t') {
        return Probe::NoMatch;
    }
    match dir {
        Direction::ToClient => match reply_code(line) {
            Some((220, _)) => Probe::Match,
            _ => Probe::NoMatch,
        },
        Direction::ToServer => {
            let verb_end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
            match line.get(..verb_end).and_then(command) {
                Some(_) => Probe::Match,
                None => Probe::NoMatch,
            }
        }
    }
}
