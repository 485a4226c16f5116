// SPDX-License-Identifier: Apache-2.0
//! Capture file readers: the first stage of PlantGuard's hot path.
//!
//! What goes in: a pcap or pcapng file, possibly gzip-compressed, as a path or
//! any [`std::io::Read`]. What comes out: a stream of [`RawPacket`]s, each
//! with its timestamp in nanoseconds since the Unix epoch, its link type
//! ([`linktype`]), its interface, its captured bytes, its original length and
//! the evidence needed to find it again in Wireshark (frame number, byte
//! offset).
//!
//! [`CaptureReader`] streams: it keeps one buffer (1 MiB, growing only for a
//! larger record, capped at [`MAX_RECORD_SIZE`]) and lends each packet out of
//! it, so reading a 20-million-packet file uses the same memory as reading a
//! small one, and several workers may each open the same file. The format is
//! told by the magic number, never by the file name.
//!
//! Damage is reported, not hidden: a file cut short yields every complete
//! packet and then [`CaptureError::Truncated`] with the offset of the
//! incomplete record; a nonsensical length yields [`CaptureError::Corrupt`].
//! Either is returned once, then the reader ends. No input makes it panic.
//!
//! [`expand_inputs`] turns files and directories (rotated ring-buffer
//! captures from a SPAN port) into a list ordered by first packet time, using
//! [`first_timestamp`].
//!
//! ```
//! use plantguard_capture::{CaptureFormat, CaptureReader};
//!
//! // A little-endian pcap file header (Ethernet) and one 4-byte packet.
//! let mut file = Vec::new();
//! file.extend_from_slice(&0xa1b2_c3d4_u32.to_le_bytes());
//! file.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
//! file.extend_from_slice(&65535_u32.to_le_bytes());
//! file.extend_from_slice(&1_u32.to_le_bytes());
//! for v in [1_700_000_000_u32, 250_000, 4, 60] {
//!     file.extend_from_slice(&v.to_le_bytes());
//! }
//! file.extend_from_slice(b"\xde\xad\xbe\xef");
//!
//! let mut reader = CaptureReader::from_reader(Box::new(std::io::Cursor::new(file)), "example")?;
//! assert!(matches!(reader.format(), CaptureFormat::Pcap { nanos: false, .. }));
//! let pkt = reader.next_packet()?.expect("one packet");
//! assert_eq!(pkt.ts_nanos, 1_700_000_000_250_000_000);
//! assert_eq!((pkt.data.len(), pkt.orig_len, pkt.frame, pkt.offset), (4, 60, 1, 24));
//! assert!(reader.next_packet()?.is_none());
//! # Ok::<(), plantguard_capture::CaptureError>(())
//! ```
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod error;
mod inputs;
pub mod linktype;
mod reader;

pub use error::{CaptureError, CorruptReason};
pub use inputs::{expand_inputs, first_timestamp};
pub use reader::{CaptureFormat, CaptureReader, RawPacket, DEFAULT_BUFFER_SIZE, MAX_RECORD_SIZE};
