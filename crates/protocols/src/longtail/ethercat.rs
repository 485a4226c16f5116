// SPDX-License-Identifier: Apache-2.0
//! EtherCAT over Ethernet (EtherType 0x88A4; IEC 61158-4-12 §5.3: frame
//! header with 11-bit length and 4-bit type, then datagrams with command,
//! index, address, length/flags, IRQ, data and working counter).
//!
//! One operation per frame: `write` when any datagram writes (APWR, FPWR,
//! BWR, LWR and the read-write commands), else `read`. The per-frame path
//! allocates nothing; records are not written (cyclic traffic runs at kHz).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::tail::le16;
use crate::api::{L2ProtocolInfo, ObservationSink};
use plantguard_model::Operation;

/// Protocol name.
pub const NAME: &str = "ethercat";

/// Layer-2 registry entry.
pub static INFO: L2ProtocolInfo = L2ProtocolInfo {
    name: NAME,
    ethertypes: &[0x88A4],
    parse,
};

/// Counts of one frame's datagrams.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameCounts {
    /// Datagrams.
    pub datagrams: u16,
    /// Read commands (APRD, FPRD, BRD, LRD, ARMW, FRMW).
    pub reads: u16,
    /// Write or read-write commands.
    pub writes: u16,
}

/// True for commands that write (IEC 61158-4-12 Table 12).
pub const fn is_write(cmd: u8) -> bool {
    matches!(cmd, 2 | 3 | 5 | 6 | 8 | 9 | 11 | 12)
}

/// Walks the datagrams of an EtherCAT frame; `None` when malformed.
pub fn count(payload: &[u8]) -> Option<FrameCounts> {
    let hdr = le16(payload, 0)?;
    if hdr >> 12 != 1 {
        // Only type 1 (EtherCAT commands) carries datagrams.
        return None;
    }
    let len = usize::from(hdr & 0x07FF);
    let mut rest = payload.get(2..2usize.checked_add(len)?)?;
    let mut c = FrameCounts::default();
    loop {
        let cmd = *rest.first()?;
        let lf = le16(rest, 6)?;
        let dlen = usize::from(lf & 0x07FF);
        let total = 10usize.checked_add(dlen)?.checked_add(2)?;
        rest.get(..total)?;
        c.datagrams = c.datagrams.saturating_add(1);
        if cmd != 0 {
            if is_write(cmd) {
                c.writes = c.writes.saturating_add(1);
            } else {
                c.reads = c.reads.saturating_add(1);
            }
        }
        rest = rest.get(total..).unwrap_or_default();
        if lf & 0x8000 == 0 {
            return Some(c);
        }
    }
}

/// Layer-2 entry point.
pub fn parse(payload: &[u8], out: &mut dyn ObservationSink) {
    match count(payload) {
        Some(c) if c.writes > 0 => out.operation(NAME, Operation::Write),
        Some(c) if c.reads > 0 => out.operation(NAME, Operation::Read),
        Some(_) => {}
        None => out.anomaly(NAME, "malformed_frame"),
    }
}
