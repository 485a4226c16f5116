// SPDX-License-Identifier: Apache-2.0
//! Errors returned while opening and reading captures.

use std::path::PathBuf;

/// Why a capture could not be read.
///
/// Every variant raised while reading names the byte offset in the
/// (decompressed) stream where the problem starts; the caller adds the file
/// name. Display strings are self-contained (they include the underlying
/// cause), so a caller that prints only `to_string()` loses nothing; one that
/// also walks `source()` will see the cause twice. After a [`CaptureError::Truncated`], [`CaptureError::Corrupt`] or
/// [`CaptureError::Io`] the reader is finished: the next call returns
/// `Ok(None)`, and every packet before the damage has already been returned.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum CaptureError {
    /// The file starts with neither a pcap, a pcapng nor a gzip magic, or is
    /// gzip whose content is neither pcap nor pcapng.
    #[error("{} is not a capture file (no pcap, pcapng or gzip-of-those magic)", path.display())]
    NotACapture {
        /// The file (or the name given to [`crate::CaptureReader::from_reader`]).
        path: PathBuf,
    },
    /// The stream ends inside a record or block.
    #[error("capture truncated: the record at byte offset {offset} is incomplete ({needed} more bytes needed)")]
    Truncated {
        /// Offset of the first byte of the incomplete record or block.
        offset: u64,
        /// Bytes missing at the end of the stream to complete what is known of
        /// the record (its header, or the whole record once the header is read).
        needed: u64,
    },
    /// A record or block contradicts the format.
    #[error("corrupt capture at byte offset {offset}: {reason}")]
    Corrupt {
        /// Offset of the first byte of the damaged record or block.
        offset: u64,
        /// What is wrong.
        reason: CorruptReason,
    },
    /// Reading the underlying stream failed (including gzip decoding errors).
    #[error("read error at byte offset {offset}: {source}")]
    Io {
        /// Offset of the record being read when the error happened.
        offset: u64,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An error about one file found while expanding inputs
    /// ([`crate::expand_inputs`]), tagged with that file's path.
    #[error("{}: {source}", path.display())]
    Input {
        /// The file or directory concerned.
        path: PathBuf,
        /// What went wrong with it.
        #[source]
        source: Box<CaptureError>,
    },
}

impl CaptureError {
    /// The byte offset this error refers to, if it has one.
    #[must_use]
    pub fn offset(&self) -> Option<u64> {
        match self {
            Self::Truncated { offset, .. }
            | Self::Corrupt { offset, .. }
            | Self::Io { offset, .. } => Some(*offset),
            Self::Input { source, .. } => source.offset(),
            Self::NotACapture { .. } => None,
        }
    }
}

/// What is wrong with a corrupt record or block.
#[derive(thiserror::Error, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CorruptReason {
    /// A pcapng block is shorter than the minimum for its type.
    #[error("block length {len} is below the {min}-byte minimum for block type {block_type:#x}")]
    BlockTooShort {
        /// pcapng block type.
        block_type: u32,
        /// Block total length from its header.
        len: u32,
        /// Minimum total length for that block type.
        min: u32,
    },
    /// A pcapng block length is not a multiple of 4.
    #[error("block length {len} is not a multiple of 4")]
    BlockLengthUnaligned {
        /// Block total length from its header.
        len: u32,
    },
    /// A record or block is larger than the reader accepts
    /// ([`crate::MAX_RECORD_SIZE`]).
    #[error("record length {len} exceeds the {max}-byte limit")]
    RecordTooLarge {
        /// Length claimed by the record header.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// The length at the end of a pcapng block differs from the one at its start.
    #[error("block length {leading} at the start differs from {trailing} at the end")]
    BlockLengthMismatch {
        /// Length in the block header.
        leading: u32,
        /// Length in the block trailer.
        trailing: u32,
    },
    /// A pcap record claims more captured bytes than the file's snaplen allows.
    #[error("captured length {caplen} exceeds the limit of {max}")]
    CaplenTooLarge {
        /// Captured length from the record header.
        caplen: u32,
        /// Largest accepted: max(snaplen, 262144).
        max: u32,
    },
    /// A pcapng packet block claims more captured bytes than it holds.
    #[error("captured length {caplen} does not fit in the {room} data bytes of the block")]
    CaplenBeyondBlock {
        /// Captured length from the block.
        caplen: u32,
        /// Bytes available for packet data in the block.
        room: u32,
    },
    /// A pcapng packet refers to an interface not described in its section.
    #[error("interface {id} is not defined ({count} interfaces in this section)")]
    UnknownInterface {
        /// Interface id from the packet block (0 for a simple packet block).
        id: u32,
        /// Interfaces described so far in the section.
        count: u32,
    },
    /// A pcapng section header has an invalid byte-order magic.
    #[error("section header byte-order magic {magic:#010x} is invalid")]
    BadByteOrderMagic {
        /// The four bytes read as a little-endian number.
        magic: u32,
    },
}
