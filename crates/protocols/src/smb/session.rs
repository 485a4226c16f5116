// SPDX-License-Identifier: Apache-2.0
//! Per-flow SMB state: session service framing with resynchronisation,
//! skipping of large PDUs, request/answer pairing (negotiate, session
//! setup, tree connect) and host facts.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use plantguard_model::{HostFact, Operation, Side};

use super::codes::{self, smb1, smb2};
use super::ntlmssp::{self, Ntlm, TargetInfo, Version};
use super::os::{native_os, windows_name};
use super::record::{NtlmRecord, SmbMappingRecord};
use super::wire::{self, le16, le32, nbss_type, SmbVersion};
use super::NAME;
use crate::api::{report_attribute, AbandonReason, Direction, ObservationSink, Progress, Session};

/// Requests waiting for their answer (negotiate, tree connect, authenticate).
pub const MAX_PENDING: usize = 64;

/// PDUs larger than this are not buffered whole: their first
/// [`DECODED_PREFIX`] bytes are decoded and the rest is skipped as it
/// arrives (large reads and writes carry file data PlantGuard does not need).
pub const MAX_BUFFERED: usize = 64 * 1024;

/// Bytes of a large PDU that are decoded (headers of every SMB command fit).
pub const DECODED_PREFIX: usize = 1024;

const SMB1_KEY: u64 = 1 << 63;

#[derive(Debug)]
enum Waiting {
    Negotiate(Vec<String>),
    TreeConnect(SmbMappingRecord),
    Authenticate(NtlmRecord),
}

#[derive(Debug)]
struct Pending {
    key: u64,
    what: Waiting,
}

#[derive(Debug, Default)]
struct Challenge {
    info: TargetInfo,
    version: Option<Version>,
}

/// Per-flow state.
#[derive(Debug, Default)]
pub struct SmbSession {
    skip: [usize; 2],
    resync: [bool; 2],
    started: [bool; 2],
    pending: Vec<Pending>,
    challenge: Option<Challenge>,
    smb1_reported: bool,
    encryption_reported: bool,
}

fn fact_name(out: &mut dyn ObservationSink, side: Side, name: &str, source: &'static str) {
    if !name.is_empty() {
        out.host_fact(
            side,
            HostFact::Name {
                name: name.to_string().into(),
                source: source.into(),
            },
        );
    }
}

fn fact_domain(out: &mut dyn ObservationSink, side: Side, name: &str, source: &'static str) {
    if !name.is_empty() {
        out.host_fact(
            side,
            HostFact::Domain {
                name: name.to_string().into(),
                source: source.into(),
            },
        );
    }
}

fn fact_version(out: &mut dyn ObservationSink, side: Side, v: Option<Version>) {
    if let Some(v) = v.filter(|v| v.major != 0) {
        out.host_fact(
            side,
            HostFact::Os {
                name: windows_name(v.major, v.minor).into(),
                version: Some(v.text().into()),
                source: "smb_ntlmssp".into(),
            },
        );
    }
}

/// Native OS / Native LAN Manager strings of SMB1 session setup.
fn fact_native(out: &mut dyn ObservationSink, side: Side, os: &str, lanman: &str) {
    if !os.is_empty() {
        let (name, version) = native_os(os);
        out.host_fact(
            side,
            HostFact::Os {
                name: name.into(),
                version: version.map(Into::into),
                source: "smb_native_os".into(),
            },
        );
    }
    if !lanman.is_empty() {
        let role = match side {
            Side::Client => "smb_client",
            Side::Server => "smb_server",
        };
        out.host_fact(
            side,
            HostFact::Software {
                role: role.into(),
                banner: lanman.to_string().into(),
            },
        );
    }
}

/// `\\HOST\ADMIN$`, `\\HOST\C$`: administrative shares (not `IPC$`).
pub fn is_admin_share(path: &str) -> bool {
    let share = path.rsplit(['\\', '/']).next().unwrap_or("");
    let up = share.to_ascii_uppercase();
    up == "ADMIN$"
        || (up.len() == 2 && up.ends_with('$') && up.starts_with(|c: char| c.is_ascii_alphabetic()))
}

impl SmbSession {
    /// A new session.
    pub fn new() -> SmbSession {
        SmbSession::default()
    }

    /// Requests waiting for their answer.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Emits records of requests that never got an answer.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        for p in self.pending.drain(..) {
            emit(out, p.what);
        }
    }

    fn push(&mut self, key: u64, what: Waiting, out: &mut dyn ObservationSink) {
        self.pending
            .retain(|p| p.key != key || !same_kind(&p.what, &what));
        if self.pending.len() >= MAX_PENDING {
            out.anomaly(NAME, "too_many_pending_requests");
            let old = self.pending.remove(0);
            emit(out, old.what);
        }
        self.pending.push(Pending { key, what });
    }

    fn take(&mut self, key: u64, kind: u8) -> Option<Waiting> {
        let i = self.pending.iter().position(|p| {
            p.key == key
                && match p.what {
                    Waiting::Negotiate(_) => kind == 0,
                    Waiting::TreeConnect(_) => kind == 1,
                    Waiting::Authenticate(_) => kind == 2,
                }
        })?;
        Some(self.pending.remove(i).what)
    }

    fn smb1_in_use(&mut self, out: &mut dyn ObservationSink) {
        if !self.smb1_reported {
            self.smb1_reported = true;
            for side in [Side::Server, Side::Client] {
                report_attribute(out, side, "smb1_in_use", "true");
            }
        }
    }

    /// Decodes one SMB message (the payload of a session message).
    pub fn message(&mut self, dir: Direction, msg: &[u8], out: &mut dyn ObservationSink) {
        match wire::version(msg) {
            Some(SmbVersion::Smb1) => self.smb1(dir, msg, out),
            Some(SmbVersion::Smb2) => self.smb2(dir, msg, out),
            Some(SmbVersion::Transform) => {
                if !self.encryption_reported {
                    self.encryption_reported = true;
                    report_attribute(out, Side::Server, "smb_encryption", "true");
                }
            }
            Some(SmbVersion::Compressed) => {}
            None => out.anomaly(NAME, "unknown_protocol_id"),
        }
    }

    fn smb1(&mut self, dir: Direction, msg: &[u8], out: &mut dyn ObservationSink) {
        let Ok(h) = wire::parse_smb1_header(msg) else {
            out.anomaly(NAME, "truncated_header");
            return;
        };
        if h.command != smb1::NEGOTIATE {
            self.smb1_in_use(out);
        }
        let mut off = 32usize;
        let mut cmd = h.command;
        for _ in 0..4 {
            let Some(block) = wire::parse_smb1_block(msg, off) else {
                out.anomaly(NAME, "truncated_block");
                return;
            };
            self.smb1_command(dir, &h, cmd, msg, &block, out);
            let andx = matches!(cmd, 0x2e | 0x2f | 0x73 | 0x74 | 0x75 | 0xa2);
            match block.andx() {
                Some((next, noff)) if andx && noff > off && noff < msg.len() => {
                    cmd = next;
                    off = noff;
                }
                _ => return,
            }
        }
    }

    fn smb1_command(
        &mut self,
        dir: Direction,
        h: &wire::Smb1Header,
        cmd: u8,
        msg: &[u8],
        b: &wire::Smb1Block<'_>,
        out: &mut dyn ObservationSink,
    ) {
        let key = SMB1_KEY | h.key();
        let speaker = dir.sender();
        let uni = h.is_unicode();
        let w = |o| le16(b.words, o);
        match (cmd, h.is_reply()) {
            (smb1::NEGOTIATE, false) => {
                let dialects: Vec<String> = b
                    .bytes
                    .split(|&c| c == 0)
                    .filter_map(|d| d.strip_prefix(&[0x02]))
                    .map(|d| String::from_utf8_lossy(d).into_owned())
                    .collect();
                report_attribute(out, speaker, "smb_client_dialects", dialects.join(","));
                self.push(key, Waiting::Negotiate(dialects), out);
            }
            (smb1::NEGOTIATE, true) => {
                let waiting = self.take(key, 0);
                let Some(idx) = w(0) else { return };
                if idx == 0xffff {
                    out.anomaly(NAME, "no_common_dialect");
                    return;
                }
                if let Some(Waiting::Negotiate(d)) = waiting {
                    if let Some(name) = d.get(usize::from(idx)) {
                        report_attribute(out, speaker, "smb_dialect", name.clone());
                        if codes::is_smb1_dialect(name) {
                            self.smb1_in_use(out);
                        }
                    }
                }
                // NT LM 0.12 without extended security names the server's
                // domain and computer after the challenge ([MS-CIFS] §2.2.4.52.2).
                let caps = le32(b.words, 19).unwrap_or(0);
                if b.words.len() == 34 && caps & 0x8000_0000 == 0 {
                    let clen = usize::from(b.words.get(33).copied().unwrap_or(0));
                    let at = b.bytes_off.saturating_add(clen);
                    if let Some((domain, next)) = wire::smb1_string(msg, at, uni) {
                        fact_domain(out, speaker, &domain, "smb");
                        if let Some((server, _)) = wire::smb1_string(msg, next, uni) {
                            fact_name(out, speaker, &server, "smb");
                        }
                    }
                }
            }
            (smb1::SESSION_SETUP_ANDX, reply) => {
                if !reply {
                    out.operation(NAME, Operation::Session);
                }
                let (blob_len, strings_at) = match (reply, b.words.len()) {
                    (false, 24) | (true, 8) => {
                        let l = usize::from(w(if reply { 6 } else { 14 }).unwrap_or(0));
                        (l, b.bytes_off.saturating_add(l))
                    }
                    (false, 26) => {
                        let oem = usize::from(w(14).unwrap_or(0));
                        let unic = usize::from(w(16).unwrap_or(0));
                        (0, b.bytes_off.saturating_add(oem).saturating_add(unic))
                    }
                    (true, 6) => (0, b.bytes_off),
                    _ => (0, usize::MAX),
                };
                if blob_len > 0 {
                    let blob = b.bytes.get(..blob_len).unwrap_or(b.bytes);
                    self.ntlm(dir, key, blob, out);
                }
                if reply {
                    self.auth_answer(key, h.status, out);
                }
                if strings_at == usize::MAX {
                    return;
                }
                let mut strings = Vec::with_capacity(4);
                let mut at = strings_at;
                let end = b.bytes_off.saturating_add(b.bytes.len());
                while strings.len() < 4 && at < end {
                    let Some((s, next)) = wire::smb1_string(msg, at, uni) else {
                        break;
                    };
                    strings.push(s);
                    at = next;
                }
                let s = |i: usize| strings.get(i).map_or("", String::as_str);
                if !reply && b.words.len() == 26 {
                    // AccountName, PrimaryDomain, NativeOS, NativeLanMan.
                    let (user, domain) = (s(0), s(1));
                    report_attribute(out, speaker, "smb_user", user.to_string());
                    fact_domain(out, speaker, domain, "smb");
                    fact_native(out, speaker, s(2), s(3));
                } else {
                    // NativeOS, NativeLanMan[, PrimaryDomain].
                    fact_native(out, speaker, s(0), s(1));
                    if reply {
                        fact_domain(out, speaker, s(2), "smb");
                    }
                }
            }
            (smb1::TREE_CONNECT_ANDX, false) => {
                out.operation(NAME, Operation::Session);
                let pw = usize::from(w(6).unwrap_or(0));
                let at = b.bytes_off.saturating_add(pw);
                let Some((path, next)) = wire::smb1_string(msg, at, uni) else {
                    return;
                };
                let service = wire::smb1_string(msg, next, false).map(|x| x.0);
                self.tree_connect(dir, key, path, service, 1, out);
            }
            (smb1::TREE_CONNECT_ANDX, true) => {
                let Some(Waiting::TreeConnect(mut r)) = self.take(key, 1) else {
                    return;
                };
                if let Some((service, next)) = wire::smb1_string(msg, b.bytes_off, false) {
                    if !b.bytes.is_empty() {
                        r.service = Some(service);
                        r.native_file_system = wire::smb1_string(msg, next, uni)
                            .map(|x| x.0)
                            .filter(|s| !s.is_empty());
                    }
                }
                r.status = Some(h.status);
                r.success = Some(h.status == 0);
                out.record("smb_mapping", &r);
            }
            (smb1::WRITE | smb1::WRITE_ANDX | smb1::WRITE_RAW, false) => {
                out.operation(NAME, Operation::FileTransfer);
            }
            _ => {}
        }
    }

    fn tree_connect(
        &mut self,
        dir: Direction,
        key: u64,
        path: String,
        service: Option<String>,
        version: u8,
        out: &mut dyn ObservationSink,
    ) {
        let admin = is_admin_share(&path);
        if admin {
            report_attribute(out, dir.reverse().sender(), "smb_admin_share", path.clone());
            out.anomaly(NAME, "admin_share_access");
        }
        if out.wants_records() {
            let r = SmbMappingRecord {
                path,
                service,
                admin_share: admin,
                smb_version: version,
                ..SmbMappingRecord::default()
            };
            self.push(key, Waiting::TreeConnect(r), out);
        }
    }

    fn ntlm(&mut self, dir: Direction, key: u64, blob: &[u8], out: &mut dyn ObservationSink) {
        let Some(tok) = ntlmssp::find(blob) else {
            return;
        };
        let Some(m) = ntlmssp::parse(tok) else {
            out.anomaly(NAME, "malformed_ntlmssp");
            return;
        };
        let speaker = dir.sender();
        let src = "smb_ntlmssp";
        match m {
            Ntlm::Negotiate {
                domain,
                workstation,
                version,
                ..
            } => {
                fact_name(out, speaker, &workstation, src);
                fact_domain(out, speaker, &domain, src);
                fact_version(out, speaker, version);
            }
            Ntlm::Challenge {
                target_info,
                version,
                ..
            } => {
                let t = &target_info;
                for n in [&t.nb_computer_name, &t.dns_computer_name]
                    .into_iter()
                    .flatten()
                {
                    fact_name(out, speaker, n, src);
                }
                for d in [&t.nb_domain_name, &t.dns_domain_name, &t.dns_tree_name]
                    .into_iter()
                    .flatten()
                {
                    fact_domain(out, speaker, d, src);
                }
                fact_version(out, speaker, version);
                self.challenge = Some(Challenge {
                    info: target_info,
                    version,
                });
            }
            Ntlm::Authenticate {
                domain,
                user,
                workstation,
                version,
                ..
            } => {
                fact_name(out, speaker, &workstation, src);
                fact_domain(out, speaker, &domain, src);
                report_attribute(out, speaker, "smb_user", user.clone());
                fact_version(out, speaker, version);
                if out.wants_records() {
                    let c = self.challenge.take().unwrap_or_default();
                    let r = NtlmRecord {
                        username: user,
                        hostname: workstation,
                        domainname: domain,
                        server_nb_computer_name: c.info.nb_computer_name,
                        server_dns_computer_name: c.info.dns_computer_name,
                        server_tree_name: c.info.dns_tree_name,
                        client_version: version.map(|v| v.text()),
                        server_version: c.version.map(|v| v.text()),
                        success: None,
                        status: None,
                    };
                    self.push(key, Waiting::Authenticate(r), out);
                }
            }
        }
    }

    fn auth_answer(&mut self, key: u64, status: u32, out: &mut dyn ObservationSink) {
        // STATUS_MORE_PROCESSING_REQUIRED answers a NEGOTIATE leg.
        if status == 0xc000_0016 {
            return;
        }
        if let Some(Waiting::Authenticate(mut r)) = self.take(key, 2) {
            r.status = Some(status);
            r.success = Some(status == 0);
            out.record("ntlm", &r);
        }
    }

    fn smb2(&mut self, dir: Direction, msg: &[u8], out: &mut dyn ObservationSink) {
        let mut off = 0usize;
        // A compound holds a handful of commands; 32 bounds a hostile chain.
        for _ in 0..32 {
            let Some(m) = msg.get(off..) else { return };
            let Ok(h) = wire::parse_smb2_header(m) else {
                out.anomaly(NAME, "truncated_header");
                return;
            };
            let next = usize::try_from(h.next_command).unwrap_or(usize::MAX);
            let this = if next == 0 {
                m
            } else {
                m.get(..next).unwrap_or(m)
            };
            self.smb2_command(dir, &h, this, out);
            if next == 0 {
                return;
            }
            if next < 64 {
                out.anomaly(NAME, "bad_next_command");
                return;
            }
            off = off.saturating_add(next);
        }
    }

    fn smb2_command(
        &mut self,
        dir: Direction,
        h: &wire::Smb2Header,
        msg: &[u8],
        out: &mut dyn ObservationSink,
    ) {
        let key = h.message_id & !SMB1_KEY;
        let speaker = dir.sender();
        let body = msg.get(64..).unwrap_or(&[]);
        let w = |o| le16(body, o);
        match (h.command, h.is_response()) {
            (smb2::NEGOTIATE, false) => {
                let count = usize::from(w(2).unwrap_or(0));
                let list: Vec<&str> = body
                    .get(36..36usize.saturating_add(count.saturating_mul(2)))
                    .unwrap_or(&[])
                    .chunks_exact(2)
                    .map(|c| dialect_text(le16(c, 0).unwrap_or(0)))
                    .collect();
                report_attribute(out, speaker, "smb_client_dialects", list.join(","));
            }
            (smb2::NEGOTIATE, true) if h.status == 0 && w(0) == Some(65) => {
                let d = w(4).unwrap_or(0);
                report_attribute(out, speaker, "smb_dialect", dialect_text(d));
            }
            (smb2::SESSION_SETUP, resp) => {
                let (o, l) = if resp { (4, 6) } else { (12, 14) };
                if !resp {
                    out.operation(NAME, Operation::Session);
                }
                if let (Some(off), Some(len)) = (w(o), w(l)) {
                    if let Some(blob) = wire::buffer(msg, off, len) {
                        self.ntlm(dir, key, blob, out);
                    }
                }
                if resp {
                    self.auth_answer(key, h.status, out);
                }
            }
            (smb2::TREE_CONNECT, false) => {
                out.operation(NAME, Operation::Session);
                let (Some(off), Some(len)) = (w(4), w(6)) else {
                    return;
                };
                let path = wire::buffer(msg, off, len)
                    .map(wire::utf16)
                    .unwrap_or_default();
                self.tree_connect(dir, key, path, None, 2, out);
            }
            (smb2::TREE_CONNECT, true) => {
                let Some(Waiting::TreeConnect(mut r)) = self.take(key, 1) else {
                    return;
                };
                if h.status == 0 {
                    r.share_type = body.get(2).map(|&t| codes::share_type_name(t));
                }
                r.status = Some(h.status);
                r.success = Some(h.status == 0);
                out.record("smb_mapping", &r);
            }
            (smb2::WRITE, false) => out.operation(NAME, Operation::FileTransfer),
            _ => {}
        }
    }

    /// NetBIOS session request: called (server) and calling (client) names.
    fn session_request(&mut self, payload: &[u8], out: &mut dyn ObservationSink) {
        use crate::netbios::wire::name_at;
        let Ok(called) = name_at(payload, 0) else {
            out.anomaly(NAME, "malformed_session_request");
            return;
        };
        let Ok(end) = crate::dns::wire::skip_name(payload, 0) else {
            return;
        };
        let name = called.name();
        if called.suffix() == 0x20 && name != "*SMBSERVER" && !name.starts_with('*') {
            fact_name(out, Side::Server, &name, "netbios");
        }
        if let Ok(calling) = name_at(payload, end) {
            if calling.suffix() == 0x00 {
                fact_name(out, Side::Client, &calling.name(), "netbios");
            }
        }
    }

    fn pdu(&mut self, dir: Direction, t: u8, payload: &[u8], out: &mut dyn ObservationSink) {
        match t {
            nbss_type::SESSION_MESSAGE => self.message(dir, payload, out),
            nbss_type::SESSION_REQUEST => self.session_request(payload, out),
            _ => {}
        }
    }
}

fn same_kind(a: &Waiting, b: &Waiting) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn emit(out: &mut dyn ObservationSink, w: Waiting) {
    match w {
        Waiting::Negotiate(_) => {}
        Waiting::TreeConnect(r) => out.record("smb_mapping", &r),
        Waiting::Authenticate(r) => out.record("ntlm", &r),
    }
}

/// `SMB 2.1`, `SMB 3.1.1`, `SMB 2.???` (matching the SMB1 dialect strings).
pub const fn dialect_text(d: u16) -> &'static str {
    match d {
        0x0202 => "SMB 2.0.2",
        0x0210 => "SMB 2.1",
        0x0222 => "SMB 2.2.2",
        0x0224 => "SMB 2.2.4",
        0x02ff => "SMB 2.???",
        0x0300 => "SMB 3.0",
        0x0302 => "SMB 3.0.2",
        0x0310 => "SMB 3.1",
        0x0311 => "SMB 3.1.1",
        _ => "SMB2 unknown",
    }
}

fn valid_type(t: u8) -> bool {
    matches!(t, 0x00 | 0x81..=0x85)
}

/// First offset holding a session message header followed by an SMB
/// protocol id (resynchronisation after a gap or garbage).
fn find_header(input: &[u8]) -> Option<usize> {
    (0..input.len()).find(|&i| {
        input.get(i) == Some(&0)
            && input
                .get(i.saturating_add(4)..)
                .and_then(wire::version)
                .is_some()
    })
}

impl Session for SmbSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let d = usize::from(dir == Direction::ToClient);
        let mut off = 0usize;
        loop {
            let rest = input.get(off..).unwrap_or(&[]);
            let skip = self.skip.get(d).copied().unwrap_or(0);
            if skip > 0 {
                let n = skip.min(rest.len());
                off = off.saturating_add(n);
                if let Some(s) = self.skip.get_mut(d) {
                    *s = skip.saturating_sub(n);
                }
                if n == rest.len() {
                    return Progress::Done;
                }
                continue;
            }
            if rest.is_empty() {
                return Progress::Done;
            }
            if self.resync.get(d).copied().unwrap_or(false) {
                match find_header(rest) {
                    Some(at) => {
                        off = off.saturating_add(at);
                        if let Some(r) = self.resync.get_mut(d) {
                            *r = false;
                        }
                        continue;
                    }
                    None => {
                        // Keep the last bytes: a header may straddle the next chunk.
                        let keep = rest.len().min(7);
                        return Progress::Incomplete {
                            consumed: input.len().saturating_sub(keep),
                            needed: 1,
                        };
                    }
                }
            }
            let Some((t, len)) = wire::parse_nbss(rest) else {
                return Progress::Incomplete {
                    consumed: off,
                    needed: 4usize.saturating_sub(rest.len()),
                };
            };
            if !valid_type(t) {
                if !self.started.get(d).copied().unwrap_or(false) {
                    return Progress::Abandon(AbandonReason::NotThisProtocol);
                }
                out.anomaly(NAME, "bad_session_message_type");
                if let Some(r) = self.resync.get_mut(d) {
                    *r = true;
                }
                off = off.saturating_add(1);
                continue;
            }
            if let Some(s) = self.started.get_mut(d) {
                *s = true;
            }
            let total = len.saturating_add(4);
            let large = len > MAX_BUFFERED;
            let want = if large {
                DECODED_PREFIX.saturating_add(4)
            } else {
                total
            };
            let Some(pdu) = rest.get(4..want) else {
                return Progress::Incomplete {
                    consumed: off,
                    needed: want.saturating_sub(rest.len()),
                };
            };
            self.pdu(dir, t, pdu, out);
            if large {
                out.anomaly(NAME, "large_pdu_skipped");
                if let Some(s) = self.skip.get_mut(d) {
                    *s = total.saturating_sub(want);
                }
            }
            off = off.saturating_add(want);
        }
    }

    fn gap(&mut self, dir: Direction, len: u32) {
        let d = usize::from(dir == Direction::ToClient);
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if let Some(s) = self.skip.get_mut(d) {
            if *s >= len {
                // The gap fell inside file data being skipped anyway.
                *s = s.saturating_sub(len);
                return;
            }
            *s = 0;
        }
        if let Some(r) = self.resync.get_mut(d) {
            *r = true;
        }
    }

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}
