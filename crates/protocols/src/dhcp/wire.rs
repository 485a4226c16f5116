// SPDX-License-Identifier: Apache-2.0
//! DHCP message parsing: the BOOTP fixed header (RFC 2131 §2, Figure 1),
//! the magic cookie and options (RFC 2132), option overload (RFC 2132
//! §9.3), client FQDN (RFC 4702 §2); and DHCPv6 messages (RFC 8415 §8,
//! §21). Pure functions of bytes, borrowing the packet.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// Why a DHCP message could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DhcpError {
    /// Shorter than the 236-byte header plus the 4-byte cookie.
    #[error("message of {0} bytes is shorter than 240")]
    Short(usize),
    /// The magic cookie is not 99.130.83.99 (RFC 2131 §3).
    #[error("magic cookie {0:#010x}")]
    Cookie(u32),
    /// `op` is neither 1 (BOOTREQUEST) nor 2 (BOOTREPLY).
    #[error("op {0}")]
    Op(u8),
    /// DHCPv6 message shorter than its 4-byte header.
    #[error("DHCPv6 message shorter than 4 bytes")]
    ShortV6,
}

/// Magic cookie (RFC 2131 §3).
pub const MAGIC_COOKIE: u32 = 0x6382_5363;

fn be32(b: &[u8], off: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}

fn be16(b: &[u8], off: usize) -> Option<u16> {
    let s: [u8; 2] = b.get(off..off.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_be_bytes(s))
}

fn addr(b: &[u8], off: usize) -> [u8; 4] {
    be32(b, off).unwrap_or(0).to_be_bytes()
}

/// A DHCPv4 message (RFC 2131 §2 Figure 1) with its decoded options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message<'a> {
    /// 1 BOOTREQUEST, 2 BOOTREPLY.
    pub op: u8,
    /// Hardware address type (1 Ethernet).
    pub htype: u8,
    /// Hardware address length.
    pub hlen: u8,
    /// Transaction id.
    pub xid: u32,
    /// Flags (top bit: broadcast).
    pub flags: u16,
    /// Client address (`ciaddr`).
    pub ciaddr: [u8; 4],
    /// "Your" (assigned) address (`yiaddr`).
    pub yiaddr: [u8; 4],
    /// Next server (`siaddr`).
    pub siaddr: [u8; 4],
    /// Relay agent (`giaddr`).
    pub giaddr: [u8; 4],
    /// Client hardware address, `hlen` bytes (at most 16).
    pub chaddr: &'a [u8],
    /// Options decoded from the options field (and `file`/`sname` when overloaded).
    pub options: Options<'a>,
}

impl Message<'_> {
    /// The client MAC address, when `htype` is Ethernet with 6 bytes.
    pub fn mac(&self) -> Option<[u8; 6]> {
        if self.hlen == 6 {
            self.chaddr.try_into().ok()
        } else {
            None
        }
    }
}

/// The options PlantGuard uses (RFC 2132 section numbers in brackets).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options<'a> {
    /// 53 DHCP message type (§9.6).
    pub msg_type: Option<u8>,
    /// 1 Subnet mask (§3.3).
    pub subnet_mask: Option<[u8; 4]>,
    /// 3 Routers (§3.5), 4 bytes each.
    pub routers: Option<&'a [u8]>,
    /// 6 Domain name servers (§3.8), 4 bytes each.
    pub dns_servers: Option<&'a [u8]>,
    /// 12 Host name (§3.14).
    pub host_name: Option<&'a [u8]>,
    /// 15 Domain name (§3.17).
    pub domain: Option<&'a [u8]>,
    /// 50 Requested IP address (§9.1).
    pub requested_addr: Option<[u8; 4]>,
    /// 51 IP address lease time in seconds (§9.2).
    pub lease_time: Option<u32>,
    /// 52 Option overload (§9.3).
    pub overload: Option<u8>,
    /// 54 Server identifier (§9.7).
    pub server_id: Option<[u8; 4]>,
    /// 55 Parameter request list (§9.8).
    pub param_list: Option<&'a [u8]>,
    /// 56 Message (§9.9).
    pub message: Option<&'a [u8]>,
    /// 60 Vendor class identifier (§9.13).
    pub vendor_class: Option<&'a [u8]>,
    /// 61 Client identifier (§9.14).
    pub client_id: Option<&'a [u8]>,
    /// 81 Client FQDN (RFC 4702 §2): flags, then the name.
    pub client_fqdn: Option<(u8, &'a [u8])>,
    /// Options that ran past the end of their area (RFC 2132 §2 violated).
    pub truncated: bool,
}

fn ip4(v: &[u8]) -> Option<[u8; 4]> {
    v.get(..4)?.try_into().ok()
}

impl<'a> Options<'a> {
    /// Reads one option area; returns false when it ended early.
    fn read_area(&mut self, mut b: &'a [u8]) {
        while let Some((&code, rest)) = b.split_first() {
            match code {
                0 => {
                    b = rest;
                    continue;
                }
                255 => return,
                _ => {}
            }
            let Some((&len, rest)) = rest.split_first() else {
                self.truncated = true;
                return;
            };
            let Some(v) = rest.get(..usize::from(len)) else {
                self.truncated = true;
                return;
            };
            b = rest.get(usize::from(len)..).unwrap_or(&[]);
            // RFC 3396 splits long options; the first part is kept.
            match code {
                1 => self.subnet_mask = self.subnet_mask.or(ip4(v)),
                3 => self.routers = self.routers.or(Some(v)),
                6 => self.dns_servers = self.dns_servers.or(Some(v)),
                12 => self.host_name = self.host_name.or(Some(v)),
                15 => self.domain = self.domain.or(Some(v)),
                50 => self.requested_addr = self.requested_addr.or(ip4(v)),
                51 => self.lease_time = self.lease_time.or(be32(v, 0)),
                52 => self.overload = self.overload.or(v.first().copied()),
                53 => self.msg_type = self.msg_type.or(v.first().copied()),
                54 => self.server_id = self.server_id.or(ip4(v)),
                55 => self.param_list = self.param_list.or(Some(v)),
                56 => self.message = self.message.or(Some(v)),
                60 => self.vendor_class = self.vendor_class.or(Some(v)),
                61 => self.client_id = self.client_id.or(Some(v)),
                81 => {
                    if let (Some(&flags), Some(name)) = (v.first(), v.get(3..)) {
                        self.client_fqdn = self.client_fqdn.or(Some((flags, name)));
                    }
                }
                _ => {}
            }
        }
    }
}

/// Parses a DHCPv4 message.
pub fn parse_message(b: &[u8]) -> Result<Message<'_>, DhcpError> {
    let (Some(hdr), Some(cookie)) = (b.get(..236), be32(b, 236)) else {
        return Err(DhcpError::Short(b.len()));
    };
    if cookie != MAGIC_COOKIE {
        return Err(DhcpError::Cookie(cookie));
    }
    let op = hdr.first().copied().unwrap_or(0);
    if !matches!(op, 1 | 2) {
        return Err(DhcpError::Op(op));
    }
    let htype = hdr.get(1).copied().unwrap_or(0);
    let hlen = hdr.get(2).copied().unwrap_or(0);
    let chaddr = hdr
        .get(28..28usize.saturating_add(usize::from(hlen.min(16))))
        .unwrap_or(&[]);
    let mut options = Options::default();
    options.read_area(b.get(240..).unwrap_or(&[]));
    match options.overload {
        Some(1) => options.read_area(hdr.get(108..236).unwrap_or(&[])),
        Some(2) => options.read_area(hdr.get(44..108).unwrap_or(&[])),
        Some(3) => {
            options.read_area(hdr.get(108..236).unwrap_or(&[]));
            options.read_area(hdr.get(44..108).unwrap_or(&[]));
        }
        _ => {}
    }
    Ok(Message {
        op,
        htype,
        hlen,
        xid: be32(hdr, 4).unwrap_or(0),
        flags: be16(hdr, 10).unwrap_or(0),
        ciaddr: addr(hdr, 12),
        yiaddr: addr(hdr, 16),
        siaddr: addr(hdr, 20),
        giaddr: addr(hdr, 24),
        chaddr,
        options,
    })
}

/// Name of a DHCP message type (RFC 2132 §9.6, RFC 4388, RFC 6926, RFC
/// 7724) in Zeek's spelling.
pub const fn msg_type_name(t: u8) -> &'static str {
    match t {
        1 => "DISCOVER",
        2 => "OFFER",
        3 => "REQUEST",
        4 => "DECLINE",
        5 => "ACK",
        6 => "NAK",
        7 => "RELEASE",
        8 => "INFORM",
        9 => "FORCERENEW",
        10 => "LEASEQUERY",
        11 => "LEASEUNASSIGNED",
        12 => "LEASEUNKNOWN",
        13 => "LEASEACTIVE",
        14 => "BULKLEASEQUERY",
        15 => "LEASEQUERYDONE",
        16 => "ACTIVELEASEQUERY",
        17 => "LEASEQUERYSTATUS",
        18 => "TLS",
        _ => "unknown",
    }
}

/// Appends a domain name to `out`: ASCII when `wire` is false, else the
/// DNS label encoding of RFC 4702 §2.1 (E bit set). Returns false on a bad
/// encoding.
pub fn fqdn_text(name: &[u8], wire: bool, out: &mut String) -> bool {
    if !wire {
        out.push_str(&String::from_utf8_lossy(name));
        return true;
    }
    let mut rest = name;
    let mut first = true;
    while let Some((&len, tail)) = rest.split_first() {
        if len == 0 {
            return true;
        }
        if len & 0xc0 != 0 {
            return false;
        }
        let Some(label) = tail.get(..usize::from(len)) else {
            return false;
        };
        if !first {
            out.push('.');
        }
        first = false;
        out.push_str(&String::from_utf8_lossy(label));
        rest = tail.get(usize::from(len)..).unwrap_or(&[]);
    }
    true
}

/// A DHCPv6 message (RFC 8415 §8): client/server messages only (relay
/// messages are reported with their type and no options).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageV6<'a> {
    /// Message type (1 SOLICIT ... 11 INFORMATION-REQUEST, 12/13 relay).
    pub msg_type: u8,
    /// Transaction id (24 bits).
    pub xid: u32,
    /// 1 Client identifier (DUID, §21.2).
    pub client_id: Option<&'a [u8]>,
    /// 6 Option request (§21.7): 16-bit codes.
    pub oro: Option<&'a [u8]>,
    /// 16 Vendor class (§21.16): enterprise number and first class datum.
    pub vendor_class: Option<(u32, &'a [u8])>,
    /// 39 Client FQDN (RFC 4704 §4): flags and DNS-encoded name.
    pub client_fqdn: Option<(u8, &'a [u8])>,
    /// Options ran past the end of the message.
    pub truncated: bool,
}

/// Parses a DHCPv6 client/server message.
pub fn parse_message_v6(b: &[u8]) -> Result<MessageV6<'_>, DhcpError> {
    let (Some(&msg_type), Some(x)) = (b.first(), b.get(1..4)) else {
        return Err(DhcpError::ShortV6);
    };
    let xid = x.iter().fold(0u32, |a, &v| (a << 8) | u32::from(v));
    let mut m = MessageV6 {
        msg_type,
        xid,
        ..MessageV6::default()
    };
    if matches!(msg_type, 12 | 13) {
        return Ok(m);
    }
    let mut rest = b.get(4..).unwrap_or(&[]);
    while !rest.is_empty() {
        let (Some(code), Some(len)) = (be16(rest, 0), be16(rest, 2)) else {
            m.truncated = true;
            break;
        };
        let end = 4usize.saturating_add(usize::from(len));
        let Some(v) = rest.get(4..end) else {
            m.truncated = true;
            break;
        };
        rest = rest.get(end..).unwrap_or(&[]);
        match code {
            1 => m.client_id = m.client_id.or(Some(v)),
            6 => m.oro = m.oro.or(Some(v)),
            16 => {
                if let (Some(ent), Some(n)) = (be32(v, 0), be16(v, 4)) {
                    let data = v.get(6..6usize.saturating_add(usize::from(n)));
                    if let Some(d) = data {
                        m.vendor_class = m.vendor_class.or(Some((ent, d)));
                    }
                }
            }
            39 => {
                if let (Some(&f), Some(n)) = (v.first(), v.get(1..)) {
                    m.client_fqdn = m.client_fqdn.or(Some((f, n)));
                }
            }
            _ => {}
        }
    }
    Ok(m)
}

/// Name of a DHCPv6 message type (RFC 8415 §7.3).
pub const fn msg_type_v6_name(t: u8) -> &'static str {
    match t {
        1 => "SOLICIT",
        2 => "ADVERTISE",
        3 => "REQUEST",
        4 => "CONFIRM",
        5 => "RENEW",
        6 => "REBIND",
        7 => "REPLY",
        8 => "RELEASE",
        9 => "DECLINE",
        10 => "RECONFIGURE",
        11 => "INFORMATION-REQUEST",
        12 => "RELAY-FORW",
        13 => "RELAY-REPL",
        _ => "unknown",
    }
}
