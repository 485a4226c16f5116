// SPDX-License-Identifier: Apache-2.0
//! Classic pcap writer: little-endian, microsecond timestamps,
//! LINKTYPE_ETHERNET, snaplen 65535.

use std::io::{self, Write};

use crate::gen::Packet;

/// Writes classic little-endian microsecond pcap records to `W`.
pub struct PcapWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapWriter<W> {
    /// Write the 24-byte global header and return the writer.
    pub fn new(mut out: W) -> io::Result<Self> {
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&0xA1B2_C3D4u32.to_le_bytes()); // magic, microseconds
        h[4..6].copy_from_slice(&2u16.to_le_bytes()); // version 2.4
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        h[16..20].copy_from_slice(&65_535u32.to_le_bytes()); // snaplen
        h[20..24].copy_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
        out.write_all(&h)?;
        Ok(Self { out })
    }

    /// Append one record.
    pub fn write(&mut self, p: &Packet<'_>) -> io::Result<()> {
        let mut h = [0u8; 16];
        let len = (p.data.len() as u32).to_le_bytes();
        h[0..4].copy_from_slice(&p.ts_sec.to_le_bytes());
        h[4..8].copy_from_slice(&p.ts_usec.to_le_bytes());
        h[8..12].copy_from_slice(&len);
        h[12..16].copy_from_slice(&len);
        self.out.write_all(&h)?;
        self.out.write_all(p.data)
    }

    /// Flush and return the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
