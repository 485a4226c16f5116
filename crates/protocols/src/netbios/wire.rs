// SPDX-License-Identifier: Apache-2.0
//! NetBIOS over TCP/IP parsing: names (RFC 1001 §14.1 first-level
//! encoding), name service packets (RFC 1002 §4.2), datagram service
//! headers (RFC 1002 §4.4) and the SMB mailslot browser announcements they
//! carry ([MS-BRWS] §2.2, [MS-MAIL] §2.2.1, [MS-CIFS] §2.2.4.33 for the
//! SMB_COM_TRANSACTION that wraps them).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::dns::wire as dns;

/// Why a NetBIOS packet could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NetbiosError {
    /// Too short for its header or a field.
    #[error("truncated at offset {0}")]
    Truncated(usize),
    /// A name whose first label is not 32 characters `A`-`P`.
    #[error("bad NetBIOS name encoding")]
    BadName,
    /// Unknown datagram message type (RFC 1002 §4.4.1).
    #[error("datagram type {0:#04x}")]
    DatagramType(u8),
}

fn le16(b: &[u8], off: usize) -> Option<u16> {
    let s: [u8; 2] = b.get(off..off.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_le_bytes(s))
}

fn le32(b: &[u8], off: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

/// A decoded 16-byte NetBIOS name: 15 name bytes (space padded) and the
/// suffix byte that says what the name is for (`<00>` workstation, `<20>`
/// file server, `<1D>` master browser, `<1B>` domain master, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetbiosName {
    /// Raw 16 bytes.
    pub raw: [u8; 16],
}

impl NetbiosName {
    /// From 16 decoded bytes.
    pub const fn new(raw: [u8; 16]) -> NetbiosName {
        NetbiosName { raw }
    }

    /// Suffix byte.
    pub fn suffix(&self) -> u8 {
        self.raw.get(15).copied().unwrap_or(0)
    }

    /// Name bytes without the suffix and trailing spaces / NULs.
    pub fn name_bytes(&self) -> &[u8] {
        let n = self.raw.get(..15).unwrap_or(&[]);
        let end = n
            .iter()
            .rposition(|&c| c != b' ' && c != 0)
            .map_or(0, |i| i.saturating_add(1));
        n.get(..end).unwrap_or(&[])
    }

    /// Name as text (lossy UTF-8; NetBIOS names are OEM code page).
    pub fn name(&self) -> String {
        String::from_utf8_lossy(self.name_bytes()).into_owned()
    }

    /// `NAME<1d>`, as Wireshark writes names.
    pub fn display(&self) -> String {
        format!("{}<{:02x}>", self.name(), self.suffix())
    }
}

/// Decodes the 32-character first-level encoding (RFC 1001 §14.1).
pub fn decode_name(encoded: &[u8]) -> Result<NetbiosName, NetbiosError> {
    if encoded.len() != 32 {
        return Err(NetbiosError::BadName);
    }
    let mut raw = [0u8; 16];
    for (i, pair) in encoded.chunks_exact(2).enumerate() {
        let (Some(&hi), Some(&lo)) = (pair.first(), pair.get(1)) else {
            return Err(NetbiosError::BadName);
        };
        if !(b'A'..=b'P').contains(&hi) || !(b'A'..=b'P').contains(&lo) {
            return Err(NetbiosError::BadName);
        }
        let v = (hi.wrapping_sub(b'A') << 4) | lo.wrapping_sub(b'A');
        if let Some(slot) = raw.get_mut(i) {
            *slot = v;
        }
    }
    Ok(NetbiosName { raw })
}

/// Decodes the encoded NetBIOS name at `off` of a DNS-format message (the
/// first label; the scope id labels after it are skipped). Follows one
/// compression pointer, as registrations point back at the question.
pub fn name_at(msg: &[u8], off: usize) -> Result<NetbiosName, NetbiosError> {
    let mut pos = off;
    for _ in 0..2 {
        let len = *msg.get(pos).ok_or(NetbiosError::Truncated(pos))?;
        if len & 0xc0 == 0xc0 {
            let p = dns::be16(msg, pos).ok_or(NetbiosError::Truncated(pos))?;
            pos = usize::from(p & 0x3fff);
            continue;
        }
        if len != 32 {
            return Err(NetbiosError::BadName);
        }
        let s = pos.saturating_add(1);
        let label = msg
            .get(s..s.saturating_add(32))
            .ok_or(NetbiosError::Truncated(s))?;
        return decode_name(label);
    }
    Err(NetbiosError::BadName)
}

/// Name service opcode (RFC 1002 §4.2.1.1).
pub const fn ns_opcode_name(op: u8) -> &'static str {
    match op {
        0 => "query",
        5 => "registration",
        6 => "release",
        7 => "wack",
        8 | 9 => "refresh",
        15 => "multihomed_registration",
        _ => "unknown",
    }
}

/// NBSTAT node status names (RFC 1002 §4.2.18): each name with its flags
/// (group bit 0x8000), and the unit id (MAC address) after them.
pub struct NodeStatus<'a> {
    /// 18-byte entries.
    pub entries: &'a [u8],
    /// The 6-byte unit id, when present.
    pub unit_id: Option<[u8; 6]>,
}

impl NodeStatus<'_> {
    /// Names and whether each is a group name.
    pub fn names(&self) -> impl Iterator<Item = (NetbiosName, bool)> + '_ {
        self.entries.chunks_exact(18).filter_map(|e| {
            let raw: [u8; 16] = e.get(..16)?.try_into().ok()?;
            let flags = e.get(16).copied()?;
            Some((NetbiosName::new(raw), flags & 0x80 != 0))
        })
    }
}

/// Parses NBSTAT RDATA.
pub fn parse_node_status(rdata: &[u8]) -> Option<NodeStatus<'_>> {
    let (&n, rest) = rdata.split_first()?;
    let len = usize::from(n).checked_mul(18)?;
    let entries = rest.get(..len)?;
    let unit_id = rest
        .get(len..len.checked_add(6)?)
        .and_then(|m| m.try_into().ok());
    Some(NodeStatus { entries, unit_id })
}

/// The header of a direct or broadcast datagram (RFC 1002 §4.4.1-§4.4.2),
/// with the SMB it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Datagram<'a> {
    /// Message type (0x10 direct unique, 0x11 direct group, 0x12 broadcast, ...).
    pub msg_type: u8,
    /// Datagram id.
    pub id: u16,
    /// Source IP from the header.
    pub source_ip: [u8; 4],
    /// Source NetBIOS name (for 0x10-0x12).
    pub source_name: Option<NetbiosName>,
    /// Destination NetBIOS name (for 0x10-0x12).
    pub destination_name: Option<NetbiosName>,
    /// User data (an SMB message) for 0x10-0x12.
    pub user_data: &'a [u8],
}

/// Parses a NetBIOS datagram (UDP 138).
pub fn parse_datagram(b: &[u8]) -> Result<Datagram<'_>, NetbiosError> {
    let msg_type = *b.first().ok_or(NetbiosError::Truncated(0))?;
    let id = dns::be16(b, 2).ok_or(NetbiosError::Truncated(2))?;
    let source_ip: [u8; 4] = b
        .get(4..8)
        .and_then(|s| s.try_into().ok())
        .ok_or(NetbiosError::Truncated(4))?;
    match msg_type {
        0x10..=0x12 => {
            // 14-byte header, then two DNS-encoded names (with scope).
            let src_end = dns::skip_name(b, 14).map_err(|_| NetbiosError::Truncated(14))?;
            let dst_end =
                dns::skip_name(b, src_end).map_err(|_| NetbiosError::Truncated(src_end))?;
            Ok(Datagram {
                msg_type,
                id,
                source_ip,
                source_name: Some(name_at(b, 14)?),
                destination_name: Some(name_at(b, src_end)?),
                user_data: b.get(dst_end..).unwrap_or(&[]),
            })
        }
        0x13..=0x16 => Ok(Datagram {
            msg_type,
            id,
            source_ip,
            source_name: None,
            destination_name: None,
            user_data: &[],
        }),
        t => Err(NetbiosError::DatagramType(t)),
    }
}

/// A mailslot write carried in an SMB_COM_TRANSACTION request
/// ([MS-MAIL] §2.2.1): the mailslot name and the data written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MailslotWrite<'a> {
    /// Mailslot name (`\MAILSLOT\BROWSE`).
    pub name: &'a [u8],
    /// Data written to the mailslot.
    pub data: &'a [u8],
}

/// Extracts a mailslot write from an SMB1 message, if it is one.
pub fn parse_mailslot(smb: &[u8]) -> Option<MailslotWrite<'_>> {
    if smb.get(..4)? != b"\xffSMB" || *smb.get(4)? != 0x25 {
        return None;
    }
    let wc = usize::from(*smb.get(32)?);
    if wc < 14 {
        return None;
    }
    // SMB_COM_TRANSACTION words ([MS-CIFS] §2.2.4.33.1): DataCount is word
    // 11 and DataOffset (from the SMB header) word 12.
    let data_count = usize::from(le16(smb, 55)?);
    let data_offset = usize::from(le16(smb, 57)?);
    let bytes = 33usize.checked_add(wc.checked_mul(2)?)?.checked_add(2)?;
    let tail = smb.get(bytes..)?;
    let nul = tail.iter().position(|&c| c == 0)?;
    let name = tail.get(..nul)?;
    let data = smb.get(data_offset..data_offset.checked_add(data_count)?)?;
    Some(MailslotWrite { name, data })
}

/// A browser announcement ([MS-BRWS] §2.2.1 HostAnnouncement, §2.2.6
/// LocalMasterAnnouncement, §2.2.7 DomainAnnouncement share this layout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Announcement<'a> {
    /// 0x01 HostAnnouncement, 0x0C DomainAnnouncement, 0x0F LocalMasterAnnouncement.
    pub opcode: u8,
    /// Periodicity in milliseconds.
    pub periodicity: u32,
    /// Server name (for a DomainAnnouncement: the workgroup / domain).
    pub server_name: &'a [u8],
    /// OS major version.
    pub os_major: u8,
    /// OS minor version.
    pub os_minor: u8,
    /// Server type bits (`SV_TYPE_*`).
    pub server_type: u32,
    /// Comment (for a DomainAnnouncement: the master browser's name).
    pub comment: &'a [u8],
}

/// Parses a HostAnnouncement / LocalMasterAnnouncement / DomainAnnouncement.
pub fn parse_announcement(data: &[u8]) -> Option<Announcement<'_>> {
    let opcode = *data.first()?;
    if !matches!(opcode, 0x01 | 0x0c | 0x0f) {
        return None;
    }
    let name = data.get(6..22)?;
    let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
    let tail = data.get(32..).unwrap_or(&[]);
    let cend = tail.iter().position(|&c| c == 0).unwrap_or(tail.len());
    Some(Announcement {
        opcode,
        periodicity: le32(data, 2)?,
        server_name: name.get(..end)?,
        os_major: *data.get(22)?,
        os_minor: *data.get(23)?,
        server_type: le32(data, 24)?,
        comment: tail.get(..cend)?,
    })
}

/// Browser opcode names ([MS-BRWS] §2.2).
pub const fn browser_opcode_name(op: u8) -> &'static str {
    match op {
        0x01 => "host_announcement",
        0x02 => "announcement_request",
        0x08 => "request_election",
        0x09 => "get_backup_list_request",
        0x0a => "get_backup_list_response",
        0x0b => "become_backup",
        0x0c => "domain_announcement",
        0x0d => "master_announcement",
        0x0e => "reset_state",
        0x0f => "local_master_announcement",
        _ => "unknown",
    }
}

/// `SV_TYPE_*` server type bits ([MS-RAP] §5.5.6.1 / [MS-BRWS] §2.2.1).
pub const SERVER_TYPES: &[(u32, &str)] = &[
    (0x0000_0001, "workstation"),
    (0x0000_0002, "server"),
    (0x0000_0004, "sql_server"),
    (0x0000_0008, "domain_controller"),
    (0x0000_0010, "backup_domain_controller"),
    (0x0000_0020, "time_source"),
    (0x0000_0040, "apple"),
    (0x0000_0080, "novell"),
    (0x0000_0100, "domain_member"),
    (0x0000_0200, "print_queue_server"),
    (0x0000_0400, "dialin_server"),
    (0x0000_0800, "unix"),
    (0x0000_1000, "nt_workstation"),
    (0x0000_2000, "wfw"),
    (0x0000_4000, "mfpn"),
    (0x0000_8000, "nt_server"),
    (0x0001_0000, "potential_browser"),
    (0x0002_0000, "backup_browser"),
    (0x0004_0000, "master_browser"),
    (0x0008_0000, "domain_master_browser"),
    (0x0010_0000, "osf"),
    (0x0020_0000, "vms"),
    (0x0040_0000, "windows"),
    (0x0080_0000, "dfs"),
    (0x0100_0000, "cluster_nt"),
    (0x0200_0000, "terminal_server"),
    (0x0400_0000, "cluster_vs_nt"),
    (0x1000_0000, "dce"),
    (0x2000_0000, "alternate_transport"),
    (0x4000_0000, "local_list_only"),
    (0x8000_0000, "domain_enum"),
];

/// Comma list of the names of the bits set in `t`.
pub fn server_type_names(t: u32) -> String {
    SERVER_TYPES
        .iter()
        .filter(|(bit, _)| t & bit != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}
