// SPDX-License-Identifier: Apache-2.0
//! Application PDUs. Every function here is pure: the bytes depend only on
//! the flow seed, the exchange number (`step`) and, for multi-segment
//! responses, the segment number. A retransmission therefore repeats the
//! original bytes exactly.

use crate::flows::Kind;
use crate::rng::{mix, SplitMix64};

/// Everything a PDU builder may look at.
#[derive(Clone, Copy)]
pub(crate) struct PduCtx {
    /// Per-flow seed.
    pub(crate) fs: u64,
    /// Exchange number in the flow.
    pub(crate) step: u32,
    /// Server IPv4 address (for URLs and Host headers, station addresses).
    pub(crate) server_ip: [u8; 4],
    /// Client IPv4 address (the announcing device of BACnet I-Am).
    pub(crate) client_ip: [u8; 4],
    /// Capture start, Unix seconds (for timestamps inside PDUs).
    pub(crate) start: u64,
    /// Number of response segments (HTTP/TLS), at least 1.
    pub(crate) segs: u8,
}

impl PduCtx {
    fn rng(&self, salt: u64) -> SplitMix64 {
        SplitMix64::new(mix(self.fs ^ salt, u64::from(self.step)))
    }
    /// The same flow at exchange `step`.
    fn at(&self, step: u32) -> Self {
        Self { step, ..*self }
    }
    /// Unix time of this exchange, in microseconds (plausible, not the pcap time).
    fn unix_us(&self) -> u64 {
        (self.start + self.fs % 60) * 1_000_000 + u64::from(self.step) * 250_000
    }
}

/// TCP maximum segment size used for bulk transfers.
pub(crate) const MSS: usize = 1460;

/// Write the request (client → server) of exchange `c.step`.
pub(crate) fn request(kind: Kind, c: &PduCtx, out: &mut Vec<u8>) {
    match kind {
        Kind::Modbus => modbus(c, out, true),
        Kind::EnipTcp => enip(c, out, true),
        Kind::EnipIo => enip_io(c, out, true),
        Kind::S7 => s7(c, out, true),
        Kind::OpcUa => opcua(c, out, true),
        Kind::Dns => dns(c, out, true),
        Kind::Ntp => ntp(c, out, true),
        Kind::Http => http_request(c, out),
        Kind::Tls => tls_request(c, out),
        Kind::Dnp3 => dnp3_request(c, out),
        Kind::Iec104 => iec104(c, 0, out, true),
        Kind::Bacnet => bacnet(c, out, true),
        Kind::BacnetWhoIs => bacnet_who_is(c, out),
        Kind::BacnetIAm => bacnet_i_am(c, out),
    }
}

/// Write response segment `seg` (server → client) of exchange `c.step`.
pub(crate) fn response(kind: Kind, c: &PduCtx, seg: u8, out: &mut Vec<u8>) {
    match kind {
        Kind::Modbus => modbus(c, out, false),
        Kind::EnipTcp => enip(c, out, false),
        Kind::EnipIo => enip_io(c, out, false),
        Kind::S7 => s7(c, out, false),
        Kind::OpcUa => opcua(c, out, false),
        Kind::Dns => dns(c, out, false),
        Kind::Ntp => ntp(c, out, false),
        Kind::Http => http_response(c, seg, out),
        Kind::Tls => tls_response(c, seg, out),
        Kind::Dnp3 => dnp3_response(c, seg, out),
        Kind::Iec104 => iec104(c, seg, out, false),
        Kind::Bacnet => bacnet(c, out, false),
        // One-way kinds have no responses; repeat the announcement.
        Kind::BacnetWhoIs | Kind::BacnetIAm => request(kind, c, out),
    }
}

/// How many segments the response of this exchange would like (HTTP/TLS);
/// the flow scheduler may lower it to fit the flow's packet budget.
pub(crate) fn wanted_segments(kind: Kind, c: &PduCtx) -> u8 {
    let mut r = c.rng(0x5E65);
    match kind {
        Kind::Http => [1, 1, 1, 2, 2, 3, 4, 6, 8][r.below(9) as usize],
        Kind::Tls if c.step == 0 => 2 + r.below(2) as u8,
        Kind::Tls => [1, 1, 2, 2, 3, 4, 6][r.below(7) as usize],
        Kind::Dnp3 if dnp3_unsolicited(c) => 2,
        Kind::Iec104 if iec104_op(c.step) == Iec104Op::Interrogation => 3,
        _ => 1,
    }
}

fn be16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}
fn be32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}
fn le16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn le32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn le64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn patch_be16(out: &mut [u8], at: usize, v: usize) {
    out[at..at + 2].copy_from_slice(&(v as u16).to_be_bytes());
}
fn patch_le16(out: &mut [u8], at: usize, v: usize) {
    out[at..at + 2].copy_from_slice(&(v as u16).to_le_bytes());
}
fn f32_le(out: &mut Vec<u8>, v: f32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn patch_le32(out: &mut [u8], at: usize, v: usize) {
    out[at..at + 4].copy_from_slice(&(v as u32).to_le_bytes());
}
fn random_bytes(r: &mut SplitMix64, out: &mut Vec<u8>, n: usize) {
    let at = out.len();
    out.resize(at + n, 0);
    r.fill(&mut out[at..]);
}

// ---------------------------------------------------------------- Modbus/TCP

/// Modbus operation of one exchange.
enum ModbusOp {
    /// 0x03 Read Holding Registers (address, quantity, exception?).
    Read(u16, u16, bool),
    /// 0x06 Write Single Register (address, value).
    WriteSingle(u16, u16),
    /// 0x10 Write Multiple Registers (address, quantity).
    WriteMultiple(u16, u16),
}

fn modbus_op(c: &PduCtx) -> ModbusOp {
    let mut r = c.rng(0x0502);
    let blocks = 1 + c.fs % 4;
    let block = u64::from(c.step) % blocks;
    let mut br = SplitMix64::new(mix(c.fs, block));
    let base = (br.below(400) * 10) as u16;
    let qty = br.range(1, 60) as u16;
    match r.below(1000) {
        0..60 => ModbusOp::WriteSingle(base + r.below(qty.into()) as u16, r.next_u32() as u16),
        60..100 => ModbusOp::WriteMultiple(base, r.range(1, 16) as u16),
        x => ModbusOp::Read(base, qty, x < 105),
    }
}

/// Modbus Application Protocol Specification V1.1b3 §6.3/6.6/6.12; MBAP §4.1.
fn modbus(c: &PduCtx, out: &mut Vec<u8>, req: bool) {
    let unit = [1u8, 1, 255, 2][(c.fs >> 8) as usize % 4];
    be16(out, (c.step.wrapping_add(1)) as u16); // transaction id
    be16(out, 0); // protocol id
    be16(out, 0); // length, patched below
    out.push(unit);
    let mut vals = c.rng(0x0503);
    match (modbus_op(c), req) {
        (ModbusOp::Read(a, q, _), true) => {
            out.push(0x03);
            be16(out, a);
            be16(out, q);
        }
        (ModbusOp::Read(_, _, true), false) => out.extend_from_slice(&[0x83, 0x02]),
        (ModbusOp::Read(_, q, false), false) => {
            out.extend_from_slice(&[0x03, (2 * q) as u8]);
            for _ in 0..q {
                be16(out, vals.below(4096) as u16);
            }
        }
        (ModbusOp::WriteSingle(a, v), _) => {
            out.push(0x06);
            be16(out, a);
            be16(out, v);
        }
        (ModbusOp::WriteMultiple(a, q), true) => {
            out.push(0x10);
            be16(out, a);
            be16(out, q);
            out.push((2 * q) as u8);
            for _ in 0..q {
                be16(out, vals.below(1000) as u16);
            }
        }
        (ModbusOp::WriteMultiple(a, q), false) => {
            out.push(0x10);
            be16(out, a);
            be16(out, q);
        }
    }
    let len = out.len() - 6;
    patch_be16(out, 4, len);
}

// ------------------------------------------------------------- EtherNet/IP

const TAGS: [&str; 8] = [
    "Line1_Speed",
    "Tank_Level",
    "Motor_Run",
    "Valve_Cmd",
    "Temp_PV",
    "Batch_Count",
    "Conveyor2_Fault",
    "Mixer_RPM_SP",
];

/// ENIP encapsulation (CIP Vol. 2 §2-3): command, length, session, status,
/// sender context, options; then SendRRData with a CPF (null address item +
/// unconnected data item) carrying a CIP request/response.
fn enip(c: &PduCtx, out: &mut Vec<u8>, req: bool) {
    let session = ((c.fs >> 16) as u32) | 1;
    let register = c.step == 0;
    le16(out, if register { 0x0065 } else { 0x006F });
    le16(out, 0); // length, patched
    le32(out, if register && req { 0 } else { session });
    le32(out, 0); // status
    le64(out, u64::from(c.step)); // sender context
    le32(out, 0); // options
    if register {
        le16(out, 1); // protocol version
        le16(out, 0); // option flags
    } else {
        le32(out, 0); // interface handle (CIP)
        le16(out, if req { 10 } else { 0 }); // timeout
        le16(out, 2); // item count
        le16(out, 0x0000); // null address item
        le16(out, 0);
        le16(out, 0x00B2); // unconnected data item
        let len_at = out.len();
        le16(out, 0);
        let cip = out.len();
        let mut r = c.rng(0xE1B);
        if r.below(10) < 6 {
            let tag = TAGS[r.below(TAGS.len() as u64) as usize];
            let ty = [0x00C4u16, 0x00CA, 0x00C1, 0x00C3][tag.len() % 4];
            if req {
                let pad = tag.len() % 2;
                out.extend_from_slice(&[
                    0x4C,
                    ((2 + tag.len() + pad) / 2) as u8,
                    0x91,
                    tag.len() as u8,
                ]);
                out.extend_from_slice(tag.as_bytes());
                out.resize(out.len() + pad, 0);
                le16(out, 1); // element count
            } else {
                out.extend_from_slice(&[0xCC, 0, 0, 0]);
                le16(out, ty);
                let n = match ty {
                    0x00C1 => 1,
                    0x00C3 => 2,
                    _ => 4,
                };
                random_bytes(&mut r, out, n);
            }
        } else {
            let attr = [1u8, 2, 5, 6, 7][r.below(5) as usize];
            if req {
                out.extend_from_slice(&[0x0E, 3, 0x20, 0x01, 0x24, 0x01, 0x30, attr]);
            } else {
                out.extend_from_slice(&[0x8E, 0, 0, 0]);
                match attr {
                    1 => le16(out, 1),      // vendor: Rockwell Automation
                    2 => le16(out, 0x0E),   // device type: PLC
                    5 => le16(out, 0x0060), // status
                    6 => le32(out, (c.fs >> 24) as u32),
                    _ => {
                        let name = b"1769-L33ER/B LOGIX5333ER";
                        out.push(name.len() as u8);
                        out.extend_from_slice(name);
                    }
                }
            }
        }
        let n = out.len() - cip;
        patch_le16(out, len_at, n);
    }
    let n = out.len() - 24;
    patch_le16(out, 2, n);
}

/// Class 1 implicit I/O on UDP 2222 (CIP Vol. 2 §2-6): CPF with a sequenced
/// address item and a connected data item; O→T carries the run/idle header.
fn enip_io(c: &PduCtx, out: &mut Vec<u8>, o_to_t: bool) {
    let size = 4 + 2 * (c.fs % 31) as usize;
    let conn = (c.fs >> 32) as u32 ^ if o_to_t { 0 } else { 0x0101_0101 };
    let seq = c.step.wrapping_add(1);
    le16(out, 2); // item count
    le16(out, 0x8002); // sequenced address item
    le16(out, 8);
    le32(out, conn);
    le32(out, seq);
    le16(out, 0x00B1); // connected data item
    le16(out, (2 + size + if o_to_t { 4 } else { 0 }) as u16);
    le16(out, seq as u16); // CIP sequence count
    if o_to_t {
        le32(out, 1); // run/idle header: run
    }
    let mut r = c.rng(0x08AE ^ u64::from(o_to_t));
    random_bytes(&mut r, out, size);
}

// -------------------------------------------------------------------- S7comm

/// S7 read/write item plan: (DB, byte offset, length) per item.
fn s7_items(c: &PduCtx) -> ([(u16, u16, u16); 3], usize) {
    let blocks = 1 + c.fs % 3;
    let block = u64::from(c.step) % blocks;
    let mut br = SplitMix64::new(mix(c.fs ^ 0x5707, block));
    let n = br.range(1, 3) as usize;
    let mut items = [(0, 0, 0); 3];
    for it in items.iter_mut().take(n) {
        *it = (
            br.range(1, 100) as u16,
            (br.below(50) * 2) as u16,
            br.range(2, 24) as u16,
        );
    }
    (items, n)
}

/// TPKT (RFC 1006) + COTP (ISO 8073) + S7comm job / ack_data.
fn s7(c: &PduCtx, out: &mut Vec<u8>, req: bool) {
    out.extend_from_slice(&[3, 0, 0, 0]); // TPKT, length patched
    let src_ref = (c.fs >> 40) as u16 | 1;
    if c.step == 0 {
        // COTP CR / CC with TSAPs and TPDU size 1024.
        if req {
            out.extend_from_slice(&[17, 0xE0, 0, 0]);
            be16(out, src_ref);
            out.extend_from_slice(&[0, 0xC1, 2, 0x01, 0x00, 0xC2, 2, 0x01, 0x02, 0xC0, 1, 0x0A]);
        } else {
            out.extend_from_slice(&[17, 0xD0]);
            be16(out, src_ref);
            be16(out, 0x0044);
            out.extend_from_slice(&[0, 0xC0, 1, 0x0A, 0xC1, 2, 0x01, 0x00, 0xC2, 2, 0x01, 0x02]);
        }
    } else {
        out.extend_from_slice(&[2, 0xF0, 0x80]); // COTP DT, last unit
        let mut param = Vec::with_capacity(40);
        let mut data = Vec::with_capacity(100);
        let mut r = c.rng(0x5700);
        if c.step == 1 {
            param.extend_from_slice(&[0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0]);
        } else if r.below(100) < 3 {
            // Write Var, one item.
            let (items, _) = s7_items(c);
            let (db, off, len) = items[0];
            param.extend_from_slice(&[0x05, 1]);
            if req {
                s7_item(&mut param, db, off, len);
                data.extend_from_slice(&[0x00, 0x04]);
                be16(&mut data, len * 8);
                random_bytes(&mut r, &mut data, len as usize);
            } else {
                data.push(0xFF);
            }
        } else {
            let (items, n) = s7_items(c);
            param.extend_from_slice(&[0x04, n as u8]);
            for (k, &(db, off, len)) in items.iter().take(n).enumerate() {
                if req {
                    s7_item(&mut param, db, off, len);
                } else {
                    data.extend_from_slice(&[0xFF, 0x04]);
                    be16(&mut data, len * 8);
                    random_bytes(&mut r, &mut data, len as usize);
                    if len % 2 == 1 && k + 1 < n {
                        data.push(0);
                    }
                }
            }
        }
        out.extend_from_slice(&[0x32, if req { 0x01 } else { 0x03 }, 0, 0]);
        be16(out, (c.step as u16).wrapping_add(0x0100)); // PDU reference
        be16(out, param.len() as u16);
        be16(out, data.len() as u16);
        if !req {
            out.extend_from_slice(&[0, 0]); // error class, code
        }
        out.extend_from_slice(&param);
        out.extend_from_slice(&data);
    }
    let n = out.len();
    patch_be16(out, 2, n);
}

fn s7_item(p: &mut Vec<u8>, db: u16, off: u16, len: u16) {
    p.extend_from_slice(&[0x12, 0x0A, 0x10, 0x02]); // S7ANY, transport size BYTE
    be16(p, len);
    be16(p, db);
    p.push(0x84); // area: data blocks
    let bit = u32::from(off) * 8;
    p.extend_from_slice(&bit.to_be_bytes()[1..]);
}

// -------------------------------------------------------------------- OPC UA

const POLICY_NONE: &str = "http://opcfoundation.org/UA/SecurityPolicy#None";

fn ua_string(out: &mut Vec<u8>, s: &str) {
    le32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}
fn ua_datetime(unix_us: u64) -> u64 {
    unix_us * 10 + 116_444_736_000_000_000
}

/// OPC UA binary (Part 6 §7.1): HEL/ACK, OPN with SecurityPolicy None, then
/// MSG chunks carrying ReadRequest / ReadResponse.
fn opcua(c: &PduCtx, out: &mut Vec<u8>, req: bool) {
    let channel = ((c.fs >> 32) as u32) | 1;
    let token = ((c.fs as u32) & 0xFFFF) | 1;
    let now = ua_datetime(c.unix_us());
    match c.step {
        0 if req => {
            out.extend_from_slice(b"HELF");
            le32(out, 0);
            for v in [0u32, 65_536, 65_536, 0, 0] {
                le32(out, v);
            }
            let ip = c.server_ip;
            ua_string(
                out,
                &format!("opc.tcp://{}.{}.{}.{}:4840", ip[0], ip[1], ip[2], ip[3]),
            );
        }
        0 => {
            out.extend_from_slice(b"ACKF");
            le32(out, 0);
            for v in [0u32, 65_536, 65_536, 16_777_216, 0] {
                le32(out, v);
            }
        }
        _ => {
            let open = c.step == 1;
            out.extend_from_slice(if open { b"OPNF" } else { b"MSGF" });
            le32(out, 0); // size, patched
            le32(out, if open && req { 0 } else { channel });
            if open {
                ua_string(out, POLICY_NONE);
                le32(out, u32::MAX); // sender certificate: null
                le32(out, u32::MAX); // receiver thumbprint: null
            } else {
                le32(out, token);
            }
            le32(out, c.step); // sequence number
            le32(out, c.step); // request id
            let type_id: u16 = match (open, req) {
                (true, true) => 446,
                (true, false) => 449,
                (false, true) => 631,
                (false, false) => 634,
            };
            out.extend_from_slice(&[0x01, 0x00]);
            le16(out, type_id);
            let n = 1 + (c.fs >> 12) % 3;
            if req {
                // RequestHeader
                if open {
                    out.extend_from_slice(&[0x00, 0x00]);
                } else {
                    out.extend_from_slice(&[0x01, 0x01]);
                    le16(out, (c.fs >> 44) as u16);
                }
                le64(out, now);
                le32(out, c.step); // request handle
                le32(out, 0); // return diagnostics
                le32(out, u32::MAX); // audit entry id: null
                le32(out, 10_000); // timeout hint
                out.extend_from_slice(&[0, 0, 0]); // additional header
                if open {
                    le32(out, 0); // client protocol version
                    le32(out, 0); // request type: issue
                    le32(out, 1); // security mode: None
                    le32(out, u32::MAX); // client nonce: null
                    le32(out, 3_600_000); // requested lifetime
                } else {
                    le64(out, 0); // max age
                    le32(out, 0); // timestamps to return: source
                    le32(out, n as u32);
                    for k in 0..n {
                        out.extend_from_slice(&[0x01, 0x02]);
                        le16(out, 1000 + ((c.fs >> 20) as u16 % 500) + k as u16);
                        le32(out, 13); // attribute: Value
                        le32(out, u32::MAX); // index range: null
                        le16(out, 0); // data encoding: null qualified name
                        le32(out, u32::MAX);
                    }
                }
            } else {
                // ResponseHeader
                le64(out, now + 20_000);
                le32(out, c.step);
                le32(out, 0); // service result: Good
                out.push(0); // diagnostic info: empty
                le32(out, u32::MAX); // string table: null
                out.extend_from_slice(&[0, 0, 0]);
                if open {
                    le32(out, 0); // server protocol version
                    le32(out, channel);
                    le32(out, token);
                    le64(out, now);
                    le32(out, 3_600_000);
                    le32(out, u32::MAX); // server nonce: null
                } else {
                    let mut r = c.rng(0x4840);
                    le32(out, n as u32);
                    for k in 0..n {
                        out.push(0x05); // value + source timestamp
                        match ((c.fs >> 20) + k) % 4 {
                            0 => {
                                out.push(11);
                                le64(out, (r.below(100_000) as f64 / 10.0).to_bits());
                            }
                            1 => {
                                out.push(6);
                                le32(out, r.below(1 << 20) as u32);
                            }
                            2 => {
                                out.push(1);
                                out.push(r.below(2) as u8);
                            }
                            _ => {
                                out.push(10);
                                le32(out, (r.below(10_000) as f32 / 100.0).to_bits());
                            }
                        }
                        le64(out, now - 100_000);
                    }
                    le32(out, u32::MAX); // diagnostic infos: null
                }
            }
        }
    }
    let n = out.len();
    patch_le32(out, 4, n);
}

// ----------------------------------------------------------------- DNS, NTP

const NAMES: [&str; 10] = [
    "historian",
    "scada-srv",
    "opc-gw",
    "ntp",
    "wsus",
    "pki",
    "ad-dc01",
    "mes",
    "erp-app",
    "backup",
];

/// DNS (RFC 1035 §4.1) A query and its answer (or NXDOMAIN, 3 %).
fn dns(c: &PduCtx, out: &mut Vec<u8>, req: bool) {
    let mut r = c.rng(0x0053);
    let nx = r.below(100) < 3;
    be16(out, (c.fs as u16).wrapping_add(c.step as u16 * 7919));
    be16(
        out,
        if req {
            0x0100
        } else if nx {
            0x8183
        } else {
            0x8180
        },
    );
    be16(out, 1);
    be16(out, u16::from(!req && !nx));
    be16(out, 0);
    be16(out, 0);
    let name = NAMES[((c.fs >> 20) % NAMES.len() as u64) as usize];
    for label in [name, "plant", "example"] {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    be16(out, 1); // A
    be16(out, 1); // IN
    if !req && !nx {
        be16(out, 0xC00C);
        be16(out, 1);
        be16(out, 1);
        be32(out, 300);
        be16(out, 4);
        out.extend_from_slice(&[172, 16, 10, 10 + (c.fs >> 24) as u8 % 20]);
    }
}

/// NTPv4 (RFC 5905 §7.3) client request (mode 3) and server reply (mode 4).
fn ntp(c: &PduCtx, out: &mut Vec<u8>, req: bool) {
    let t = |us: u64| -> u64 {
        let secs = us / 1_000_000 + 2_208_988_800;
        let frac = ((us % 1_000_000) << 32) / 1_000_000;
        (secs << 32) | frac
    };
    let now = c.unix_us() + u64::from(c.step) * 63_750_000;
    if req {
        out.extend_from_slice(&[0x23, 0, 6, 0xE9]);
        out.resize(out.len() + 36, 0);
        out.extend_from_slice(&t(now).to_be_bytes());
    } else {
        out.extend_from_slice(&[0x24, 2, 6, 0xEC]);
        be32(out, 0x0000_0A3D); // root delay
        be32(out, 0x0000_1F40); // root dispersion
        out.extend_from_slice(&[172, 16, 10, 1]); // reference id
        out.extend_from_slice(&t(now - 30_000_000).to_be_bytes());
        out.extend_from_slice(&t(now).to_be_bytes());
        out.extend_from_slice(&t(now + 1_200).to_be_bytes());
        out.extend_from_slice(&t(now + 1_250).to_be_bytes());
    }
}

// ---------------------------------------------------------------------- DNP3

/// CRC-16/DNP table (IEEE 1815-2012 §9.2.4.2.2): polynomial 0x3D65,
/// reflected (0xA6BC).
const DNP3_CRC: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u16;
        let mut b = 0;
        while b < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xA6BC
            } else {
                c >> 1
            };
            b += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-16/DNP: init 0, reflected, output inverted, sent little-endian.
fn dnp3_crc(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc = (crc >> 8) ^ DNP3_CRC[usize::from((crc ^ u16::from(b)) as u8)];
    }
    !crc
}

/// Link frame (IEEE 1815-2012 §9.2.4, Figure 9-2): 0x05 0x64, LENGTH
/// (control, both addresses and the user data), control, destination and
/// source (little-endian), header CRC, then the user data in blocks of 16
/// octets, each followed by its CRC.
fn dnp3_frame(out: &mut Vec<u8>, control: u8, dst: u16, src: u16, user: &[u8]) {
    let at = out.len();
    out.extend_from_slice(&[0x05, 0x64, (5 + user.len()) as u8, control]);
    le16(out, dst);
    le16(out, src);
    let crc = dnp3_crc(&out[at..]);
    le16(out, crc);
    for block in user.chunks(16) {
        out.extend_from_slice(block);
        le16(out, dnp3_crc(block));
    }
}

/// Link control octets (§9.2.4.1.3): primary frames carrying unconfirmed
/// user data (function 4), DIR set from the master.
const DNP3_FROM_MASTER: u8 = 0xC4;
const DNP3_FROM_OUTSTATION: u8 = 0x44;

/// (master, outstation) link addresses. The outstation's follows from its
/// IP address, so every flow to one RTU uses the same address.
fn dnp3_addresses(c: &PduCtx) -> (u16, u16) {
    let ip = c.server_ip;
    let outstation = 10 + u16::from(ip[2]) * 24 + u16::from(ip[3].saturating_sub(10));
    let master = [1, 1, 1, 2, 3][((c.fs >> 4) % 5) as usize];
    (master, outstation)
}

/// What one master/outstation exchange does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dnp3Op {
    /// READ of classes 1, 2, 3 and 0 (integrity poll; every 20th exchange):
    /// static binary inputs (g1v2) and analog inputs (g30v1).
    Integrity,
    /// READ of classes 1, 2, 3 (event poll): a null response (60 %) or
    /// binary and analog input events (g2v1, g32v1).
    Events,
    /// DIRECT_OPERATE of one CROB (g12v1; 4 %), echoed with status 0.
    Operate,
}

fn dnp3_op(c: &PduCtx) -> Dnp3Op {
    if c.step.is_multiple_of(20) {
        Dnp3Op::Integrity
    } else if c.rng(0xD0).below(100) < 4 {
        Dnp3Op::Operate
    } else {
        Dnp3Op::Events
    }
}

/// True when the outstation sends an unsolicited response right after the
/// response of this exchange (5 % of event polls); the master confirms it
/// at the start of its next request.
fn dnp3_unsolicited(c: &PduCtx) -> bool {
    dnp3_op(c) == Dnp3Op::Events && c.rng(0xD1).below(100) < 5
}

/// Point indexes, counts and values of one exchange.
struct Dnp3Points {
    binaries: u8,
    analogs: u8,
    index: u16,
}

fn dnp3_points(c: &PduCtx, salt: u64) -> Dnp3Points {
    let mut r = c.rng(salt);
    Dnp3Points {
        binaries: r.range(1, 16) as u8,
        analogs: r.range(1, 12) as u8,
        index: r.below(32) as u16,
    }
}

/// Binary and analog input events (g2v1, g32v1 with 2-octet index prefixes
/// and count, qualifier 0x28), at least one object.
fn dnp3_events(c: &PduCtx, salt: u64, app: &mut Vec<u8>) {
    let mut r = c.rng(salt);
    let analogs = r.below(4) as u16;
    let binaries = if analogs == 0 {
        r.range(1, 4)
    } else {
        r.below(4)
    } as u16;
    if analogs > 0 {
        app.extend_from_slice(&[32, 1, 0x28]);
        le16(app, analogs);
        for _ in 0..analogs {
            le16(app, r.below(12) as u16);
            app.push(0x01); // online
            le32(app, r.below(40_000) as u32);
        }
    }
    if binaries > 0 {
        app.extend_from_slice(&[2, 1, 0x28]);
        le16(app, binaries);
        for _ in 0..binaries {
            le16(app, r.below(16) as u16);
            app.push(0x01 | if r.below(2) == 0 { 0x80 } else { 0 });
        }
    }
}

/// Control relay output block (g12v1, §11.9): control code, count, on time,
/// off time (ms, little-endian), status.
fn dnp3_crob(c: &PduCtx, app: &mut Vec<u8>) {
    let p = dnp3_points(c, 0xD2);
    app.extend_from_slice(&[12, 1, 0x28]);
    le16(app, 1);
    le16(app, p.index);
    let code = [0x03u8, 0x04, 0x41, 0x81][(c.step % 4) as usize]; // latch on/off, pulse close/trip
    app.extend_from_slice(&[code, 1]);
    le32(
        app,
        if code & 0x40 != 0 || code & 0x80 != 0 {
            1000
        } else {
            0
        },
    );
    le32(app, 0);
    app.push(0); // status: success
}

/// Master request of exchange `c.step`: transport octet (FIR FIN), then the
/// application header (FIR FIN, sequence) and object headers (§4.2.2). When
/// the previous exchange ended with an unsolicited response, an application
/// CONFIRM (UNS) of it comes first, in its own link frame.
fn dnp3_request(c: &PduCtx, out: &mut Vec<u8>) {
    let (master, outstation) = dnp3_addresses(c);
    let k = c.step;
    if k > 0 && dnp3_unsolicited(&c.at(k - 1)) {
        let tseq = (2 * k - 1) as u8 & 0x3F;
        let useq = (k - 1) as u8 & 0x0F;
        let user = [0xC0 | tseq, 0xD0 | useq, 0x00];
        dnp3_frame(out, DNP3_FROM_MASTER, outstation, master, &user);
    }
    let mut app = Vec::with_capacity(64);
    app.push(0xC0 | ((2 * k) as u8 & 0x3F));
    app.push(0xC0 | (k as u8 & 0x0F));
    match dnp3_op(c) {
        op @ (Dnp3Op::Integrity | Dnp3Op::Events) => {
            app.push(0x01); // READ
            for v in [2u8, 3, 4] {
                app.extend_from_slice(&[60, v, 0x06]); // class 1, 2, 3: all objects
            }
            if op == Dnp3Op::Integrity {
                app.extend_from_slice(&[60, 1, 0x06]); // class 0
            }
        }
        Dnp3Op::Operate => {
            app.push(0x05); // DIRECT_OPERATE
            dnp3_crob(c, &mut app);
        }
    }
    dnp3_frame(out, DNP3_FROM_MASTER, outstation, master, &app);
}

/// Outstation response (segment 0) or the unsolicited response that may
/// follow it (segment 1): application header with IIN, then objects.
fn dnp3_response(c: &PduCtx, seg: u8, out: &mut Vec<u8>) {
    let (master, outstation) = dnp3_addresses(c);
    let k = c.step;
    let mut r = c.rng(0xD3);
    let mut app = Vec::with_capacity(120);
    app.push(0xC0 | ((2 * k + u32::from(seg)) as u8 & 0x3F));
    if seg > 0 {
        // FIR FIN CON UNS: unsolicited responses always ask for confirmation.
        app.extend_from_slice(&[0xF0 | (k as u8 & 0x0F), 0x82, 0x00, 0x00]);
        dnp3_events(c, 0xD4, &mut app);
        dnp3_frame(out, DNP3_FROM_OUTSTATION, master, outstation, &app);
        return;
    }
    let op = dnp3_op(c);
    // IIN1 bit 1: class 1 events available (some event polls).
    let iin1 = if op == Dnp3Op::Events && r.below(10) == 0 {
        0x02
    } else {
        0x00
    };
    app.extend_from_slice(&[0xC0 | (k as u8 & 0x0F), 0x81, iin1, 0x00]);
    match op {
        Dnp3Op::Integrity => {
            let p = dnp3_points(c, 0xD5);
            app.extend_from_slice(&[1, 2, 0x00, 0, p.binaries - 1]);
            for _ in 0..p.binaries {
                app.push(0x01 | if r.below(2) == 0 { 0x80 } else { 0 });
            }
            app.extend_from_slice(&[30, 1, 0x00, 0, p.analogs - 1]);
            for _ in 0..p.analogs {
                app.push(0x01);
                le32(&mut app, r.below(40_000) as u32);
            }
        }
        Dnp3Op::Events if r.below(10) < 6 => {} // null response
        Dnp3Op::Events => dnp3_events(c, 0xD6, &mut app),
        Dnp3Op::Operate => dnp3_crob(c, &mut app),
    }
    dnp3_frame(out, DNP3_FROM_OUTSTATION, master, outstation, &app);
}

// -------------------------------------------------------------- IEC 104

/// What one IEC 60870-5-104 exchange is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Iec104Op {
    /// STARTDT act / con (exchange 0).
    StartDt,
    /// Station interrogation C_IC_NA_1 (exchange 1, then every 200th):
    /// act; actcon, interrogated single points and measured values, actterm.
    Interrogation,
    /// TESTFR act / con (every 32nd exchange).
    TestFr,
    /// S-frame acknowledging what the controlled station sent, then one
    /// spontaneous I-frame (M_ME_NC_1 or M_SP_NA_1).
    Spontaneous,
}

fn iec104_op(step: u32) -> Iec104Op {
    if step == 0 {
        Iec104Op::StartDt
    } else if (step - 1).is_multiple_of(200) {
        Iec104Op::Interrogation
    } else if step.is_multiple_of(32) {
        Iec104Op::TestFr
    } else {
        Iec104Op::Spontaneous
    }
}

/// I-frames sent before exchange `step`: (controlling station, controlled
/// station). An interrogation is one from the controlling station and four
/// back (actcon, two data APDUs, actterm); a spontaneous exchange one back.
fn iec104_sent(step: u32) -> (u32, u32) {
    if step <= 1 {
        return (0, 0);
    }
    let interrogations = (step - 1).div_ceil(200); // j in 1..step with (j-1) % 200 == 0
    let tests = (step - 1) / 32; // multiples of 32 in 1..step (never an interrogation)
    let spontaneous = step - 1 - interrogations - tests;
    (interrogations, 4 * interrogations + spontaneous)
}

/// APCI of an I-format APDU (IEC 60870-5-104 §5.1): start, length (patched
/// by [`iec104_end`]), N(S) and N(R), each shifted left by one.
fn iec104_i(out: &mut Vec<u8>, tx: u32, rx: u32) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0x68, 0]);
    le16(out, ((tx & 0x7FFF) << 1) as u16);
    le16(out, ((rx & 0x7FFF) << 1) as u16);
    at
}

fn iec104_end(out: &mut [u8], at: usize) {
    out[at + 1] = (out.len() - at - 2) as u8;
}

/// Data unit identifier (IEC 60870-5-101 §7.2 with the 104 field sizes):
/// type, variable structure qualifier, cause of transmission, originator,
/// common address (2 octets).
fn iec104_dui(out: &mut Vec<u8>, type_id: u8, sq: bool, n: u8, cot: u8, ca: u16) {
    out.extend_from_slice(&[type_id, (u8::from(sq) << 7) | n, cot, 0]);
    le16(out, ca);
}

fn ioa(out: &mut Vec<u8>, a: u32) {
    out.extend_from_slice(&a.to_le_bytes()[..3]);
}

/// IEC 60870-5-104 over TCP 2404: the controlling station (TCP client)
/// starts data transfer, interrogates the station, acknowledges spontaneous
/// data with S-frames and tests the link; the controlled station answers
/// and reports measured values (M_ME_NC_1, short float) and single points
/// (M_SP_NA_1) spontaneously.
fn iec104(c: &PduCtx, seg: u8, out: &mut Vec<u8>, req: bool) {
    let ip = c.server_ip;
    let ca = 1 + u16::from(ip[2]) * 24 + u16::from(ip[3].saturating_sub(10));
    let (sent_c, sent_s) = iec104_sent(c.step);
    let mut r = c.rng(0x2404 ^ u64::from(seg));
    match (iec104_op(c.step), req) {
        (Iec104Op::StartDt, true) => out.extend_from_slice(&[0x68, 4, 0x07, 0, 0, 0]),
        (Iec104Op::StartDt, false) => out.extend_from_slice(&[0x68, 4, 0x0B, 0, 0, 0]),
        (Iec104Op::TestFr, true) => out.extend_from_slice(&[0x68, 4, 0x43, 0, 0, 0]),
        (Iec104Op::TestFr, false) => out.extend_from_slice(&[0x68, 4, 0x83, 0, 0, 0]),
        (Iec104Op::Spontaneous, true) => {
            out.extend_from_slice(&[0x68, 4, 0x01, 0]);
            le16(out, ((sent_s & 0x7FFF) << 1) as u16);
        }
        (Iec104Op::Interrogation, true) => {
            let at = iec104_i(out, sent_c, sent_s);
            iec104_dui(out, 100, false, 1, 6, ca); // C_IC_NA_1, activation
            ioa(out, 0);
            out.push(20); // QOI: station interrogation
            iec104_end(out, at);
        }
        (Iec104Op::Interrogation, false) => {
            let tx = sent_s + u32::from(seg) + u32::from(seg == 2);
            let rx = sent_c + 1;
            if seg != 1 {
                // Activation confirmation (7) or termination (10).
                let at = iec104_i(out, tx, rx);
                iec104_dui(out, 100, false, 1, if seg == 0 { 7 } else { 10 }, ca);
                ioa(out, 0);
                out.push(20);
                iec104_end(out, at);
                return;
            }
            // Interrogated by station interrogation (20): single points and
            // measured values, each a sequence from one IOA (SQ = 1).
            let points = 4 + (c.fs % 5) as u8;
            let at = iec104_i(out, tx, rx);
            iec104_dui(out, 1, true, points, 20, ca);
            ioa(out, 100);
            for _ in 0..points {
                out.push(r.below(2) as u8); // SIQ: SPI, good quality
            }
            iec104_end(out, at);
            let values = 4 + ((c.fs >> 8) % 8) as u8;
            let at = iec104_i(out, tx + 1, rx);
            iec104_dui(out, 13, true, values, 20, ca);
            ioa(out, 1000);
            for _ in 0..values {
                f32_le(out, r.below(100_000) as f32 / 100.0);
                out.push(0); // QDS: good
            }
            iec104_end(out, at);
        }
        (Iec104Op::Spontaneous, false) => {
            let at = iec104_i(out, sent_s, sent_c);
            if r.below(2) == 0 {
                let n = r.range(1, 4) as u8;
                let first = 1000 + r.below(13 - u64::from(n)) as u32;
                iec104_dui(out, 13, false, n, 3, ca); // M_ME_NC_1, spontaneous
                for k in 0..n {
                    ioa(out, first + u32::from(k));
                    f32_le(out, r.below(100_000) as f32 / 100.0);
                    out.push(0);
                }
            } else {
                let n = r.range(1, 6) as u8;
                let first = 100 + r.below(9 - u64::from(n)) as u32;
                iec104_dui(out, 1, false, n, 3, ca); // M_SP_NA_1, spontaneous
                for k in 0..n {
                    ioa(out, first + u32::from(k));
                    out.push(r.below(2) as u8);
                }
            }
            iec104_end(out, at);
        }
    }
}

// ------------------------------------------------------------------ BACnet

/// BVLC header (ASHRAE 135 Annex J.2): type 0x81, function, length
/// (patched by [`bvlc_end`]).
fn bvlc_begin(out: &mut Vec<u8>, function: u8) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0x81, function, 0, 0]);
    at
}

fn bvlc_end(out: &mut [u8], at: usize) {
    let n = out.len() - at;
    patch_be16(out, at + 2, n);
}

/// Object identifier (Clause 20.2.14): 10-bit type, 22-bit instance, after
/// the tag octet (`0xC4` application, `0x0C` context 0).
fn bacnet_objid(out: &mut Vec<u8>, tag: u8, object_type: u32, instance: u32) {
    out.push(tag);
    be32(out, (object_type << 22) | (instance & 0x3F_FFFF));
}

/// Unsigned with context tag `tag` in as few octets as it needs (Clause 20.2.4).
fn bacnet_ctx_unsigned(out: &mut Vec<u8>, tag: u8, v: u32) {
    let n = (4 - v.leading_zeros() as usize / 8).max(1);
    out.push((tag << 4) | 0x08 | n as u8);
    out.extend_from_slice(&v.to_be_bytes()[4 - n..]);
}

/// Device instance of a controller: follows from its address, so Who-Is
/// ranges, I-Am and ReadProperty agree.
fn bacnet_instance(ip: [u8; 4]) -> u32 {
    10_000 + u32::from(ip[2]) * 24 + u32::from(ip[3].saturating_sub(10))
}

const BACNET_DEVICE: u32 = 8;
/// Johnson Controls (ASHRAE vendor id 5).
const BACNET_VENDOR: u8 = 5;
const BACNET_MODEL: &[u8] = b"MS-FEC2611-0";

/// Confirmed ReadProperty / ReadPropertyMultiple and their ComplexACK
/// (Clauses 15.5, 15.7, 20.1.2, 20.1.5), unicast (Original-Unicast-NPDU).
/// Exchange 0 reads the device's model-name; later ones poll point objects
/// (analog/binary input/value): 70 % ReadProperty of present-value, 30 %
/// ReadPropertyMultiple of present-value, status-flags (and units).
fn bacnet(c: &PduCtx, out: &mut Vec<u8>, req: bool) {
    let device = bacnet_instance(c.server_ip);
    let at = bvlc_begin(out, 0x0A);
    out.extend_from_slice(&[0x01, if req { 0x04 } else { 0x00 }]); // NPDU: expecting reply
    let invoke = c.step as u8;
    let mut r = c.rng(0xBAC0);
    let rpm = c.step > 0 && r.below(10) < 3;
    let service = if rpm { 0x0E } else { 0x0C };
    if req {
        out.extend_from_slice(&[0x00, 0x05, invoke, service]); // max APDU 1476
    } else {
        out.extend_from_slice(&[0x30, invoke, service]);
    }
    if c.step == 0 {
        bacnet_objid(out, 0x0C, BACNET_DEVICE, device);
        out.extend_from_slice(&[0x19, 70]); // model-name
        if !req {
            out.extend_from_slice(&[0x3E, 0x75, 1 + BACNET_MODEL.len() as u8, 0x00]);
            out.extend_from_slice(BACNET_MODEL);
            out.push(0x3F);
        }
        bvlc_end(out, at);
        return;
    }
    // Polled object: a few per flow, in turn.
    let blocks = 1 + c.fs % 4;
    let mut br = SplitMix64::new(mix(c.fs ^ 0xBAC1, u64::from(c.step) % blocks));
    let object_type = [0u32, 2, 3, 5][br.below(4) as usize]; // AI, AV, BI, BV
    let instance = br.range(1, 200) as u32;
    let analog = object_type < 3;
    let mut value = |out: &mut Vec<u8>| {
        if analog {
            out.push(0x44); // REAL
            out.extend_from_slice(&(r.below(100_000) as f32 / 100.0).to_be_bytes());
        } else {
            out.extend_from_slice(&[0x91, r.below(2) as u8]); // ENUMERATED active/inactive
        }
    };
    bacnet_objid(out, 0x0C, object_type, instance);
    if !rpm {
        out.extend_from_slice(&[0x19, 85]); // present-value
        if !req {
            out.push(0x3E);
            value(out);
            out.push(0x3F);
        }
    } else {
        let props: &[u8] = if analog { &[85, 111, 117] } else { &[85, 111] };
        out.push(0x1E);
        for &p in props {
            if req {
                out.extend_from_slice(&[0x09, p]);
                continue;
            }
            out.extend_from_slice(&[0x29, p, 0x4E]);
            match p {
                85 => value(out),
                111 => out.extend_from_slice(&[0x82, 0x04, 0x00]), // status-flags: all clear
                _ => out.extend_from_slice(&[0x91, 62]),           // units: degrees-Celsius
            }
            out.push(0x4F);
        }
        out.push(0x1F);
    }
    bvlc_end(out, at);
}

/// Who-Is (Clause 16.10.1) broadcast to a cell: global (DNET 0xFFFF) or
/// local, half of them limited to the cell's device instance range.
fn bacnet_who_is(c: &PduCtx, out: &mut Vec<u8>) {
    let mut r = c.rng(0xB1);
    let at = bvlc_begin(out, 0x0B);
    if r.below(2) == 0 {
        out.extend_from_slice(&[0x01, 0x20, 0xFF, 0xFF, 0x00, 0xFF]);
    } else {
        out.extend_from_slice(&[0x01, 0x00]);
    }
    out.extend_from_slice(&[0x10, 0x08]);
    if r.below(2) == 0 {
        let low = bacnet_instance([0, 0, c.server_ip[2], 10]);
        bacnet_ctx_unsigned(out, 0, low);
        bacnet_ctx_unsigned(out, 1, low + 23);
    }
    bvlc_end(out, at);
}

/// I-Am (Clause 16.10.2) broadcast by a controller: device identifier,
/// max APDU 1476, no segmentation, vendor id.
fn bacnet_i_am(c: &PduCtx, out: &mut Vec<u8>) {
    let at = bvlc_begin(out, 0x0B);
    out.extend_from_slice(&[0x01, 0x00, 0x10, 0x00]);
    bacnet_objid(out, 0xC4, BACNET_DEVICE, bacnet_instance(c.client_ip));
    out.extend_from_slice(&[0x22, 0x05, 0xC4, 0x91, 0x03, 0x21, BACNET_VENDOR]);
    bvlc_end(out, at);
}

// -------------------------------------------------------------- HTTP, TLS

const PATHS: [&str; 6] = [
    "/",
    "/api/v1/status",
    "/index.html",
    "/reports/daily",
    "/static/app.js",
    "/downloads/update.bin",
];

fn http_request(c: &PduCtx, out: &mut Vec<u8>) {
    let ip = c.server_ip;
    let path = PATHS[(u64::from(c.step) + (c.fs >> 8)) as usize % PATHS.len()];
    let s = format!(
        "GET {path}?r={} HTTP/1.1\r\nHost: {}.{}.{}.{}\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n",
        c.step, ip[0], ip[1], ip[2], ip[3]
    );
    out.extend_from_slice(s.as_bytes());
}

/// Segment lengths of a bulk response: full MSS segments, last one shorter.
fn seg_len(c: &PduCtx, seg: u8) -> usize {
    if seg + 1 < c.segs {
        MSS
    } else {
        c.rng(0x1A57).range(300, MSS as u64) as usize
    }
}
fn total_len(c: &PduCtx) -> usize {
    (c.segs as usize - 1) * MSS + seg_len(c, c.segs - 1)
}

/// Response header for a body of `body` bytes. `apache` names a server one
/// byte longer than the default nginx (see [`http_layout`]).
fn http_header(body: usize, apache: bool) -> String {
    let server = if apache { "Apache" } else { "nginx" };
    format!(
        "HTTP/1.1 200 OK\r\nServer: {server}\r\nContent-Type: application/octet-stream\r\nContent-Length: {body}\r\nConnection: keep-alive\r\n\r\n"
    )
}

/// Number of decimal digits of `n`.
fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Body length and server name of a response that is `total` bytes with its
/// header: `header(body).len() + body == total`. The header grows with the
/// digits of the Content-Length, so some totals have no solution (with the
/// default header of `h` bytes plus digits, `h + 999 + 3` and `h + 1000 + 4`
/// leave `h + 1003` out); those get the one-byte-longer server name.
fn http_layout(total: usize) -> (usize, bool) {
    let fixed = http_header(0, false).len() - 1; // header without the digits
    for apache in [false, true] {
        let room = total - fixed - usize::from(apache);
        for d in 1..=20 {
            if let Some(body) = room.checked_sub(d) {
                if digits(body) == d {
                    return (body, apache);
                }
            }
        }
    }
    unreachable!("body + digits(body) skips no two consecutive values")
}

fn http_response(c: &PduCtx, seg: u8, out: &mut Vec<u8>) {
    let (body, apache) = http_layout(total_len(c));
    let len = seg_len(c, seg);
    let at = out.len();
    if seg == 0 {
        out.extend_from_slice(http_header(body, apache).as_bytes());
    }
    let pattern = b"PlantGuard-capgen-body-";
    let offset = seg as usize * MSS;
    while out.len() - at < len {
        let pos = offset + out.len() - at;
        out.push(pattern[pos % pattern.len()]);
    }
}

fn tls_record(out: &mut Vec<u8>, ty: u8, r: &mut SplitMix64, body_len: usize) {
    out.extend_from_slice(&[ty, 3, 3]);
    be16(out, body_len as u16);
    random_bytes(r, out, body_len);
}

fn tls_request(c: &PduCtx, out: &mut Vec<u8>) {
    let mut r = c.rng(0x0443);
    if c.step > 0 {
        if c.step == 1 {
            out.extend_from_slice(&[0x14, 3, 3, 0, 1, 1]); // change_cipher_spec
        }
        let n = r.range(60, 700) as usize;
        tls_record(out, 0x17, &mut r, n);
        return;
    }
    // TLS 1.3 ClientHello (RFC 8446 §4.1.2).
    let host = format!("web{}.plant.example", (c.fs >> 28) % 8);
    let mut hello = Vec::with_capacity(256);
    hello.extend_from_slice(&[3, 3]);
    random_bytes(&mut r, &mut hello, 32);
    hello.push(32);
    random_bytes(&mut r, &mut hello, 32);
    hello.extend_from_slice(&[0, 6, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 1, 0]);
    let mut ext = Vec::with_capacity(128);
    ext.extend_from_slice(&[0, 0]);
    be16(&mut ext, (host.len() + 5) as u16);
    be16(&mut ext, (host.len() + 3) as u16);
    ext.push(0);
    be16(&mut ext, host.len() as u16);
    ext.extend_from_slice(host.as_bytes());
    ext.extend_from_slice(&[0, 0x0A, 0, 4, 0, 2, 0, 0x1D]); // supported_groups: x25519
    ext.extend_from_slice(&[0, 0x0D, 0, 8, 0, 6, 4, 3, 8, 4, 4, 1]); // signature_algorithms
    ext.extend_from_slice(&[0, 0x2B, 0, 3, 2, 3, 4]); // supported_versions: TLS 1.3
    ext.extend_from_slice(&[0, 0x33, 0, 38, 0, 36, 0, 0x1D, 0, 32]); // key_share
    random_bytes(&mut r, &mut ext, 32);
    be16(&mut hello, ext.len() as u16);
    hello.extend_from_slice(&ext);
    out.extend_from_slice(&[0x16, 3, 1]);
    be16(out, (hello.len() + 4) as u16);
    out.push(1);
    out.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(&hello);
}

fn tls_response(c: &PduCtx, seg: u8, out: &mut Vec<u8>) {
    let mut r = SplitMix64::new(mix(
        c.fs ^ 0x0444,
        (u64::from(c.step) << 8) | u64::from(seg),
    ));
    let len = seg_len(c, seg);
    let at = out.len();
    if c.step == 0 && seg == 0 {
        // ServerHello (TLS 1.3) + change_cipher_spec, then encrypted records.
        let mut hello = Vec::with_capacity(128);
        hello.extend_from_slice(&[3, 3]);
        random_bytes(&mut r, &mut hello, 32);
        hello.push(32);
        random_bytes(&mut r, &mut hello, 32);
        hello.extend_from_slice(&[0x13, 0x01, 0]);
        hello.extend_from_slice(&[0, 46, 0, 0x2B, 0, 2, 3, 4, 0, 0x33, 0, 36, 0, 0x1D, 0, 32]);
        random_bytes(&mut r, &mut hello, 32);
        out.extend_from_slice(&[0x16, 3, 3]);
        be16(out, (hello.len() + 4) as u16);
        out.push(2);
        out.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
        out.extend_from_slice(&hello);
        out.extend_from_slice(&[0x14, 3, 3, 0, 1, 1]);
    }
    let used = out.len() - at;
    tls_record(out, 0x17, &mut r, len - used - 5);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(step: u32, segs: u8) -> PduCtx {
        PduCtx {
            fs: 0x1234_5678_9ABC_DEF0,
            step,
            server_ip: [10, 20, 0, 10],
            client_ip: [192, 168, 1, 10],
            start: 1_709_539_200,
            segs,
        }
    }

    #[test]
    fn http_response_segments_add_up_to_content_length() {
        for segs in 1..=8 {
            let c = ctx(3, segs);
            let mut all = Vec::new();
            for s in 0..segs {
                response(Kind::Http, &c, s, &mut all);
            }
            let text = String::from_utf8_lossy(&all);
            let head_end = text.find("\r\n\r\n").unwrap() + 4;
            let cl: usize = text
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            assert_eq!(all.len() - head_end, cl);
        }
    }

    #[test]
    fn http_layout_fits_every_total() {
        // Every response size the generator can ask for (300 B up to eight
        // full segments), including those where the Content-Length gains a
        // digit (…999 → …1000), which once looped forever.
        for total in 300..=8 * MSS {
            let (body, apache) = http_layout(total);
            assert_eq!(
                http_header(body, apache).len() + body,
                total,
                "total {total}"
            );
        }
        let fixed = http_header(0, false).len() - 1;
        assert!(http_layout(fixed + 1003).1);
        assert!(!http_layout(fixed + 1002).1);
    }

    #[test]
    fn dnp3_crc_matches_the_reference_check_value() {
        assert_eq!(dnp3_crc(b"123456789"), 0xEA82);
    }

    #[test]
    fn iec104_counts_match_the_exchanges() {
        // I-frames per exchange, summed one by one, against the closed form.
        let (mut client, mut server) = (0, 0);
        for step in 0..2_000 {
            assert_eq!(iec104_sent(step), (client, server), "step {step}");
            match iec104_op(step) {
                Iec104Op::Interrogation => (client, server) = (client + 1, server + 4),
                Iec104Op::Spontaneous => server += 1,
                Iec104Op::StartDt | Iec104Op::TestFr => {}
            }
        }
    }

    #[test]
    fn modbus_length_field_matches_pdu() {
        for step in 0..500 {
            for req in [true, false] {
                let mut out = Vec::new();
                modbus(&ctx(step, 1), &mut out, req);
                let len = u16::from_be_bytes([out[4], out[5]]) as usize;
                assert_eq!(len + 6, out.len());
            }
        }
    }
}
