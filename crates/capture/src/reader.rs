// SPDX-License-Identifier: Apache-2.0
//! The streaming reader: one reused buffer, records parsed in place.
//!
//! Formats implemented (byte layouts cited from the IETF OPSAWG drafts):
//! - pcap, draft-ietf-opsawg-pcap §4 (file header) and §5 (packet record),
//!   both byte orders, microsecond (`0xA1B2C3D4`) and nanosecond
//!   (`0xA1B23C4D`) magic.
//! - pcapng, draft-ietf-opsawg-pcapng §3.1 (block layout), §4.1 SHB, §4.2 IDB
//!   (`if_tsresol` §4.2 table 7 code 9, `if_tsoffset` code 14), §4.3 EPB,
//!   §4.4 SPB, Appendix A obsolete Packet Block; every other block is skipped.
//! - Either one gzip-compressed (several concatenated members allowed).
//!
//! Not decoded: the Kuznetsov/Nokia "modified pcap" variants (magic
//! `0xA1B2CD34`), pcapng Systemd Journal Export blocks (Wireshark shows them
//! as frames; here they are skipped), per-packet options (`epb_flags`,
//! `epb_hash`...), and pcapng section-length based skipping.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use crate::error::{CaptureError, CorruptReason};

/// Size of the read buffer a reader starts with. It grows (doubling as data
/// arrives) only when one record or block is larger, and never beyond
/// [`MAX_RECORD_SIZE`] plus one record header.
pub const DEFAULT_BUFFER_SIZE: usize = 1 << 20;

/// Largest record or block accepted; a header claiming more is
/// [`CorruptReason::RecordTooLarge`], so a damaged length never makes the
/// reader allocate more than this.
pub const MAX_RECORD_SIZE: usize = 256 << 20;

const PCAP_FILE_HEADER_LEN: usize = 24;
const PCAP_RECORD_HEADER_LEN: usize = 16;
/// libpcap's `MAXIMUM_SNAPLEN`: caplen up to this is accepted whatever the
/// snaplen in the file header says (some writers put 0 or 65535 there and
/// still write larger records).
const PCAP_CAPLEN_FLOOR: u32 = 262_144;

const BT_SHB: u32 = 0x0A0D_0D0A;
const BT_IDB: u32 = 1;
const BT_PB: u32 = 2;
const BT_SPB: u32 = 3;
const BT_EPB: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The container format of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CaptureFormat {
    /// Classic libpcap file.
    Pcap {
        /// Nanosecond timestamps (magic `0xA1B23C4D`) rather than microseconds.
        nanos: bool,
        /// Written big-endian (the magic reads `A1 B2 ..` on disk).
        big_endian: bool,
        /// The file is gzip-compressed.
        gzip: bool,
    },
    /// pcapng (each section carries its own byte order).
    PcapNg {
        /// The file is gzip-compressed.
        gzip: bool,
    },
}

impl CaptureFormat {
    /// Whether the file is gzip-compressed.
    #[must_use]
    pub fn is_gzip(self) -> bool {
        match self {
            Self::Pcap { gzip, .. } | Self::PcapNg { gzip } => gzip,
        }
    }
}

/// One packet, borrowed from the reader's buffer until the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPacket<'a> {
    /// Nanoseconds since the Unix epoch, converted from the interface's
    /// resolution and offset. Simple Packet Blocks carry no timestamp and get
    /// the previous packet's (0 if they come first).
    pub ts_nanos: i64,
    /// `LINKTYPE_*` value of the interface (see [`crate::linktype`]).
    pub link_type: u32,
    /// pcapng interface id within its section (0 for pcap).
    pub interface: u32,
    /// The captured bytes (`caplen` of them).
    pub data: &'a [u8],
    /// Length of the packet on the wire (may exceed `data.len()`).
    pub orig_len: u32,
    /// 1-based frame number in this file, as Wireshark numbers it.
    pub frame: u64,
    /// Byte offset of the record or block in the (decompressed) file.
    pub offset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endian {
    Little,
    Big,
}

impl Endian {
    #[inline(always)]
    fn u16(self, b: [u8; 2]) -> u16 {
        match self {
            Self::Little => u16::from_le_bytes(b),
            Self::Big => u16::from_be_bytes(b),
        }
    }
    #[inline(always)]
    fn u32(self, b: [u8; 4]) -> u32 {
        match self {
            Self::Little => u32::from_le_bytes(b),
            Self::Big => u32::from_be_bytes(b),
        }
    }
    #[inline(always)]
    fn i64(self, b: [u8; 8]) -> i64 {
        match self {
            Self::Little => i64::from_le_bytes(b),
            Self::Big => i64::from_be_bytes(b),
        }
    }
}

/// `N` bytes of `b` starting at `at`, or zeros when out of range. Callers
/// check the length first; the fallback only keeps the code free of panics.
#[inline(always)]
fn arr<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    match b.get(at..).and_then(<[u8]>::first_chunk::<N>) {
        Some(a) => *a,
        None => [0; N],
    }
}

#[inline(always)]
fn w32(b: &[u8], at: usize) -> [u8; 4] {
    arr::<4>(b, at)
}

#[derive(Debug, Clone, Copy)]
struct PcapParams {
    endian: Endian,
    frac_to_nanos: i64,
    link_type: u32,
    max_caplen: u32,
}

impl PcapParams {
    /// The record whose 16-byte header is `h`, whose `caplen` bytes of data
    /// start at buffer index `data_at`, and whose header is at stream
    /// offset `offset`.
    #[inline(always)]
    fn meta(
        self,
        h: &[u8; PCAP_RECORD_HEADER_LEN],
        data_at: usize,
        caplen: u32,
        offset: u64,
    ) -> Meta {
        let e = self.endian;
        let secs = e.u32([h[0], h[1], h[2], h[3]]);
        let frac = e.u32([h[4], h[5], h[6], h[7]]);
        Meta {
            ts_nanos: i64::from(secs) * 1_000_000_000 + i64::from(frac) * self.frac_to_nanos,
            link_type: self.link_type,
            interface: 0,
            data: data_at..data_at + caplen as usize,
            orig_len: e.u32([h[12], h[13], h[14], h[15]]),
            offset,
        }
    }

    /// The record at `at` in `bytes` when it is whole and its length
    /// plausible; `None` for anything the general path must look at (a
    /// record cut by the end of `bytes`, a length over the bound).
    #[inline(always)]
    fn whole_record(self, bytes: &[u8], at: usize) -> Option<WholeRecord<'_>> {
        let header = bytes.get(at..)?.first_chunk::<PCAP_RECORD_HEADER_LEN>()?;
        let caplen = self
            .endian
            .u32([header[8], header[9], header[10], header[11]]);
        if caplen > self.max_caplen {
            return None;
        }
        let body = at + PCAP_RECORD_HEADER_LEN;
        let end = body + caplen as usize;
        Some(WholeRecord {
            header,
            caplen,
            data: bytes.get(body..end)?,
            end,
        })
    }
}

/// A whole pcap record found in the buffer ([`PcapParams::whole_record`]).
struct WholeRecord<'a> {
    header: &'a [u8; PCAP_RECORD_HEADER_LEN],
    caplen: u32,
    data: &'a [u8],
    /// Index just past the record in the bytes it was found in.
    end: usize,
}

/// How to turn an interface's timestamp units into nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TsScale {
    /// Units of 10^-n s with n <= 9: multiply.
    Mul(u64),
    /// Units of 10^-n s with n > 9: divide.
    Div(u64),
    /// Units of 2^-n s: `ts * 1e9 >> n`.
    Shr(u32),
}

impl TsScale {
    fn from_tsresol(v: u8) -> Self {
        let n = u32::from(v & 0x7f);
        if v & 0x80 != 0 {
            Self::Shr(n)
        } else if n <= 9 {
            Self::Mul(10u64.pow(9 - n))
        } else {
            Self::Div(10u64.checked_pow(n - 9).unwrap_or(u64::MAX))
        }
    }
}

/// Why a block's leading length cannot be right for its type (too short for
/// the block's fixed fields, not a multiple of four, or past the record
/// size limit); `None` when it can.
fn block_len_problem(block_type: u32, len: u32) -> Option<CorruptReason> {
    let min = match block_type {
        BT_SHB => 28,
        BT_IDB => 20,
        BT_EPB | BT_PB => 32,
        BT_SPB => 16,
        _ => 12,
    };
    if len < min {
        Some(CorruptReason::BlockTooShort {
            block_type,
            len,
            min,
        })
    } else if len & 3 != 0 {
        Some(CorruptReason::BlockLengthUnaligned { len })
    } else if len as usize > MAX_RECORD_SIZE {
        Some(CorruptReason::RecordTooLarge {
            len: u64::from(len),
            max: MAX_RECORD_SIZE as u64,
        })
    } else {
        None
    }
}

/// Why a whole block is corrupt when its trailing length (`trailer`) does
/// not repeat the leading one (`len`); `None` when it does.
#[inline(always)]
fn trailer_problem(e: Endian, len: u32, trailer: [u8; 4]) -> Option<CorruptReason> {
    let trailing = e.u32(trailer);
    (trailing != len).then_some(CorruptReason::BlockLengthMismatch {
        leading: len,
        trailing,
    })
}

/// The fields of a whole Enhanced (or obsolete) Packet Block.
#[derive(Clone, Copy)]
struct PacketBlock<'i> {
    interface: u32,
    iface: &'i Interface,
    /// Timestamp in the interface's units.
    ts: u64,
    caplen: u32,
    orig_len: u32,
}

/// Decodes `block`, a whole Enhanced Packet Block (or Packet Block when
/// `obsolete`) of `block.len()` octets whose length passed
/// [`block_len_problem`], with every check the format asks for, in order:
/// the trailing length repeats the leading one, the captured bytes fit,
/// the interface exists. The pass over other workers' frames and the
/// general path both decode blocks here.
#[inline(always)]
fn decode_packet_block<'i>(
    e: Endian,
    block: &[u8],
    obsolete: bool,
    interfaces: &'i [Interface],
) -> Result<PacketBlock<'i>, CorruptReason> {
    let (Some(h), Some(t)) = (block.first_chunk::<28>(), block.last_chunk::<4>()) else {
        return Err(CorruptReason::BlockTooShort {
            block_type: if obsolete { BT_PB } else { BT_EPB },
            len: u32::try_from(block.len()).unwrap_or(u32::MAX),
            min: 32,
        });
    };
    let len = e.u32([h[4], h[5], h[6], h[7]]);
    if let Some(reason) = trailer_problem(e, len, *t) {
        return Err(reason);
    }
    let interface = if obsolete {
        u32::from(e.u16([h[8], h[9]]))
    } else {
        e.u32([h[8], h[9], h[10], h[11]])
    };
    let ts_hi = e.u32([h[12], h[13], h[14], h[15]]);
    let ts_lo = e.u32([h[16], h[17], h[18], h[19]]);
    let caplen = e.u32([h[20], h[21], h[22], h[23]]);
    let orig_len = e.u32([h[24], h[25], h[26], h[27]]);
    let room = len.saturating_sub(32);
    if caplen > room {
        return Err(CorruptReason::CaplenBeyondBlock { caplen, room });
    }
    let Some(iface) = interfaces.get(interface as usize) else {
        return Err(CorruptReason::UnknownInterface {
            id: interface,
            count: u32::try_from(interfaces.len()).unwrap_or(u32::MAX),
        });
    };
    Ok(PacketBlock {
        interface,
        iface,
        ts: (u64::from(ts_hi) << 32) | u64::from(ts_lo),
        caplen,
        orig_len,
    })
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u32,
    snaplen: u32,
    scale: TsScale,
    offset_nanos: i128,
}

impl Interface {
    #[inline]
    fn nanos(&self, ts: u64) -> i64 {
        let units: i128 = match self.scale {
            TsScale::Mul(m) => i128::from(ts) * i128::from(m),
            TsScale::Div(d) => i128::from(ts / d),
            TsScale::Shr(n) => {
                let wide = (u128::from(ts) * 1_000_000_000) >> n;
                // < 2^94, fits.
                i128::try_from(wide).unwrap_or(i128::MAX)
            }
        };
        let t = units.saturating_add(self.offset_nanos);
        i64::try_from(t).unwrap_or(if t < 0 { i64::MIN } else { i64::MAX })
    }
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Pcap(PcapParams),
    PcapNg(Endian),
}

/// Where the packet of a parsed record lies in the buffer.
struct Meta {
    ts_nanos: i64,
    link_type: u32,
    interface: u32,
    data: Range<usize>,
    orig_len: u32,
    offset: u64,
}

/// Counts the bytes pulled from the compressed source of a gzip stream.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A streaming reader of pcap, pcapng and gzip-compressed captures.
///
/// It reads from any [`Read`] into one reused buffer
/// ([`DEFAULT_BUFFER_SIZE`], growing only for a larger record) and lends each
/// packet's bytes out of that buffer, so memory stays bounded whatever the
/// file size and no packet is copied or allocated.
///
/// ```no_run
/// # fn main() -> Result<(), plantguard_capture::CaptureError> {
/// use plantguard_capture::CaptureReader;
/// let mut reader = CaptureReader::open("plant.pcapng".as_ref())?;
/// while let Some(pkt) = reader.next_packet()? {
///     println!("{} {} {} bytes", pkt.frame, pkt.ts_nanos, pkt.data.len());
/// }
/// # Ok(()) }
/// ```
pub struct CaptureReader {
    src: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// First unconsumed byte in `buf`.
    start: usize,
    /// End of valid bytes in `buf`.
    end: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    eof: bool,
    done: bool,
    mode: Mode,
    format: CaptureFormat,
    interfaces: Vec<Interface>,
    last_ts: i64,
    frame: u64,
    compressed: Option<Arc<AtomicU64>>,
    /// Whole pcap records [`CaptureReader::next_packet_where`] has already
    /// tested, and which of them were wanted.
    ahead: Ahead,
}

/// Wanted records found ahead of the one returned, at most this many at a
/// time.
const AHEAD: usize = 32;

/// The pcap records `next_packet_where` tested in one pass over the buffer:
/// the wanted ones are queued, and the next call after the queue is
/// drained moves past the rest. Testing a run of records first and keeping the
/// wanted ones after makes the choice without a branch: with several
/// workers each one's share of frames is as good as random from frame to
/// frame, and a mispredicted branch per frame cost as much as the rest of
/// the record walk.
struct Ahead {
    /// Buffer index of each queued record's header.
    header_at: [usize; AHEAD],
    /// Each queued record's place among the tested ones (0 = first).
    index: [u32; AHEAD],
    /// Next queued record to return, and the number queued.
    next: usize,
    len: usize,
    /// Buffer index just past the last tested record; 0 once the reader
    /// has moved past them (or forgot them): the buffer may be refilled
    /// after that, and the index would no longer mean anything.
    end: usize,
    /// `frame` before the first tested record, and records tested.
    frame0: u64,
    tested: u64,
}

impl Ahead {
    const EMPTY: Ahead = Ahead {
        header_at: [0; AHEAD],
        index: [0; AHEAD],
        next: 0,
        len: 0,
        end: 0,
        frame0: 0,
        tested: 0,
    };
}

impl std::fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("format", &self.format)
            .field("bytes_read", &self.bytes_read())
            .field("frame", &self.frame)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl CaptureReader {
    /// Opens a capture file, detecting pcap, pcapng and gzip by their magic
    /// numbers (never by the file name).
    ///
    /// # Errors
    /// [`CaptureError::NotACapture`] when the magic is none of those,
    /// [`CaptureError::Io`] when the file cannot be read,
    /// [`CaptureError::Truncated`] when it ends inside the file header.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        Self::open_with_buffer(path, DEFAULT_BUFFER_SIZE)
    }

    /// [`CaptureReader::open`] with a chosen initial buffer size (at least 64
    /// bytes are used). A small buffer suits a quick look at the first packet.
    ///
    /// # Errors
    /// As [`CaptureReader::open`].
    pub fn open_with_buffer(path: &Path, buffer_size: usize) -> Result<Self, CaptureError> {
        let file = File::open(path).map_err(|source| CaptureError::Io { offset: 0, source })?;
        Self::build(Box::new(file), path.to_path_buf(), buffer_size)
    }

    /// Reads a capture from any stream; `name` is only used in
    /// [`CaptureError::NotACapture`].
    ///
    /// # Errors
    /// As [`CaptureReader::open`].
    pub fn from_reader(r: Box<dyn Read + Send>, name: &str) -> Result<Self, CaptureError> {
        Self::build(r, PathBuf::from(name), DEFAULT_BUFFER_SIZE)
    }

    fn build(
        mut raw: Box<dyn Read + Send>,
        path: PathBuf,
        buffer_size: usize,
    ) -> Result<Self, CaptureError> {
        let io0 = |source| CaptureError::Io { offset: 0, source };
        let mut peek = [0u8; 4];
        let mut n = 0;
        while n < peek.len() {
            match raw.read(&mut peek[n..]) {
                Ok(0) => break,
                Ok(k) => n += k.min(peek.len() - n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io0(e)),
            }
        }
        let head = peek.get(..n).unwrap_or(&[]);
        let gzip = head.starts_with(&GZIP_MAGIC);
        let mut buf = vec![0u8; buffer_size.clamp(64, MAX_RECORD_SIZE)];
        let (src, end, compressed): (Box<dyn Read + Send>, usize, _) = if gzip {
            let count = Arc::new(AtomicU64::new(0));
            let counted = Counting {
                inner: Cursor::new(head.to_vec()).chain(raw),
                count: Arc::clone(&count),
            };
            (Box::new(MultiGzDecoder::new(counted)), 0, Some(count))
        } else {
            if let Some(dst) = buf.get_mut(..n) {
                dst.copy_from_slice(head);
            }
            (raw, n, None)
        };
        let mut reader = CaptureReader {
            src,
            buf,
            start: 0,
            end,
            base: 0,
            eof: false,
            done: false,
            mode: Mode::PcapNg(Endian::Little),
            format: CaptureFormat::PcapNg { gzip },
            interfaces: Vec::new(),
            last_ts: 0,
            frame: 0,
            compressed,
            ahead: Ahead::EMPTY,
        };
        reader.detect(path, gzip)?;
        Ok(reader)
    }

    fn detect(&mut self, path: PathBuf, gzip: bool) -> Result<(), CaptureError> {
        if !self.ensure(4)? {
            return Err(CaptureError::NotACapture { path });
        }
        let head = self.window();
        let magic = u32::from_le_bytes(arr::<4>(head, 0));
        let (endian, nanos) = match magic {
            0xA1B2_C3D4 => (Endian::Little, false),
            0xD4C3_B2A1 => (Endian::Big, false),
            0xA1B2_3C4D => (Endian::Little, true),
            0x4D3C_B2A1 => (Endian::Big, true),
            BT_SHB => {
                if !self.ensure(12)? {
                    return Err(self.truncated(12));
                }
                let bom = u32::from_le_bytes(arr::<4>(self.window(), 8));
                let endian = match bom {
                    BYTE_ORDER_MAGIC => Endian::Little,
                    0x4D3C_2B1A => Endian::Big,
                    _ => return Err(CaptureError::NotACapture { path }),
                };
                self.mode = Mode::PcapNg(endian);
                self.format = CaptureFormat::PcapNg { gzip };
                return Ok(());
            }
            _ => return Err(CaptureError::NotACapture { path }),
        };
        if !self.ensure(PCAP_FILE_HEADER_LEN)? {
            return Err(self.truncated(PCAP_FILE_HEADER_LEN));
        }
        let h = self.window();
        let snaplen = endian.u32(w32(h, 16));
        // libpcap's LT_LINKTYPE: the upper bits carry FCS information.
        let link_type = endian.u32(w32(h, 20)) & 0x03FF_FFFF;
        let cap = u32::try_from(MAX_RECORD_SIZE - PCAP_RECORD_HEADER_LEN).unwrap_or(u32::MAX);
        self.mode = Mode::Pcap(PcapParams {
            endian,
            frac_to_nanos: if nanos { 1 } else { 1000 },
            link_type,
            max_caplen: snaplen.max(PCAP_CAPLEN_FLOOR).min(cap),
        });
        self.format = CaptureFormat::Pcap {
            nanos,
            big_endian: endian == Endian::Big,
            gzip,
        };
        self.start += PCAP_FILE_HEADER_LEN;
        Ok(())
    }

    /// The container format detected when opening.
    #[must_use]
    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    /// Offset in the (decompressed) stream just past the last record
    /// returned (or skipped): how far reading has got.
    #[must_use]
    pub fn bytes_read(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Bytes pulled from the underlying reader so far: for a gzip file the
    /// compressed bytes, comparable with the file size for a progress bar.
    /// Runs ahead of [`CaptureReader::bytes_read`] by the read-ahead buffer.
    #[must_use]
    pub fn source_bytes_read(&self) -> u64 {
        match &self.compressed {
            Some(c) => c.load(Ordering::Relaxed),
            None => self.base + self.end as u64,
        }
    }

    /// Current size of the read buffer in bytes: the reader's memory use.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        self.buf.len()
    }

    /// Frames returned so far (the frame number of the last packet).
    #[must_use]
    pub fn frames(&self) -> u64 {
        self.frame
    }

    /// The next packet, `Ok(None)` at the end of the capture.
    ///
    /// After an error the reader is finished and returns `Ok(None)`; every
    /// complete packet before the damage has been returned first.
    ///
    /// # Errors
    /// [`CaptureError::Truncated`] when the file ends inside a record,
    /// [`CaptureError::Corrupt`] when a record contradicts the format,
    /// [`CaptureError::Io`] when the stream (or gzip) fails.
    #[inline]
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        self.leave_ahead();
        if let (Mode::Pcap(p), false) = (self.mode, self.done) {
            // A whole record in the buffer, the usual case, read in line;
            // anything else is left to the general path.
            let window = self.buf.get(self.start..self.end).unwrap_or(&[]);
            if let Some(r) = p.whole_record(window, 0) {
                let data_at = self.start + PCAP_RECORD_HEADER_LEN;
                let meta = p.meta(r.header, data_at, r.caplen, self.pos());
                self.start += r.end;
                self.frame += 1;
                return Ok(Some(self.packet(meta)));
            }
        }
        let Some(meta) = self.advance_or_finish()? else {
            return Ok(None);
        };
        self.frame += 1;
        Ok(Some(self.packet(meta)))
    }

    /// The next record, finishing the reader at the end or at an error.
    /// Out of line: for classic pcap the read loops take whole records from
    /// the buffer themselves and come here only to refill it.
    #[inline(never)]
    fn advance_or_finish(&mut self) -> Result<Option<Meta>, CaptureError> {
        let next = self.advance();
        if !matches!(next, Ok(Some(_))) {
            self.done = true;
        }
        next
    }

    /// The packet `meta` describes, numbered with the current frame.
    #[inline]
    fn packet(&self, meta: Meta) -> RawPacket<'_> {
        self.packet_numbered(meta, self.frame)
    }

    /// The packet `meta` describes, numbered `frame`.
    #[inline]
    fn packet_numbered(&self, meta: Meta, frame: u64) -> RawPacket<'_> {
        RawPacket {
            ts_nanos: meta.ts_nanos,
            link_type: meta.link_type,
            interface: meta.interface,
            data: self.buf.get(meta.data).unwrap_or(&[]),
            orig_len: meta.orig_len,
            frame,
            offset: meta.offset,
        }
    }

    /// Tests the whole pcap records from `start` with `want` (in order,
    /// once each) until the buffer's end, a record the general path must
    /// see, or [`AHEAD`] wanted ones, and queues the wanted ones in
    /// `ahead`. `start` and `frame` are not moved.
    #[inline]
    fn test_ahead(&mut self, p: PcapParams, want: &mut impl FnMut(u32, &[u8]) -> bool) {
        let window = self.buf.get(self.start..self.end).unwrap_or(&[]);
        let q = &mut self.ahead;
        let mut at = 0usize;
        let mut len = 0usize;
        let mut tested = 0u32;
        while len < AHEAD {
            let Some(r) = p.whole_record(window, at) else {
                break;
            };
            // Queued always, kept only if wanted: no branch on the answer.
            q.header_at[len] = self.start + at;
            q.index[len] = tested;
            len += usize::from(want(p.link_type, r.data));
            tested += 1;
            at = r.end;
        }
        q.next = 0;
        q.len = len;
        q.end = self.start + at;
        q.frame0 = self.frame;
        q.tested = u64::from(tested);
    }

    /// Forgets the records tested ahead (the reader stands just past the
    /// last one returned; the rest are read again).
    #[inline]
    fn leave_ahead(&mut self) {
        self.ahead.next = 0;
        self.ahead.len = 0;
        self.ahead.end = 0;
        self.ahead.tested = 0;
    }

    /// Moves past the records tested ahead and not returned (none were
    /// wanted after the last one returned), once.
    #[inline]
    fn pass_tested(&mut self) {
        let q = &mut self.ahead;
        if q.end > self.start {
            self.start = q.end;
            self.frame = q.frame0 + q.tested;
        }
        q.end = 0;
        q.tested = 0;
    }

    /// The next packet for which `want(link_type, data)` is true, passing
    /// over the others; `Ok(None)` at the end of the capture. Frames passed
    /// over keep their numbers (the next packet returned has the file's frame
    /// number), and errors are those of [`CaptureReader::next_packet`].
    ///
    /// This is how several workers share one capture, each reading it and
    /// keeping its own frames: a frame passed over costs a record-header read
    /// and the `want` test, without building a [`RawPacket`].
    ///
    /// `want` is asked once per frame and in frame order, but for a classic
    /// pcap it may be asked about a run of frames (those whole in the read
    /// buffer) before the first wanted one of them is returned: the answers
    /// are kept, so the choice costs no branch per frame.
    ///
    /// # Errors
    /// As [`CaptureReader::next_packet`].
    #[inline]
    pub fn next_packet_where(
        &mut self,
        mut want: impl FnMut(u32, &[u8]) -> bool,
    ) -> Result<Option<RawPacket<'_>>, CaptureError> {
        loop {
            // The record at `start` was already tested and is wanted.
            let mut wanted = false;
            if let (Mode::Pcap(p), false) = (self.mode, self.done) {
                // Whole records already in the buffer: tested in a run
                // (see `Ahead`), then returned one by one from the queue;
                // anything else (a record cut by the buffer's end, a bad
                // length) is left to the general path below.
                if self.ahead.next == self.ahead.len {
                    self.pass_tested();
                    self.test_ahead(p, &mut want);
                }
                let q = &self.ahead;
                let next = q.next;
                let queued = (next < q.len).then(|| (q.header_at.get(next), q.index.get(next)));
                if let Some((Some(&header_at), Some(&index))) = queued {
                    if let Some(r) = p.whole_record(&self.buf, header_at) {
                        let data_at = header_at + PCAP_RECORD_HEADER_LEN;
                        let meta =
                            p.meta(r.header, data_at, r.caplen, self.base + header_at as u64);
                        let frame = q.frame0 + u64::from(index) + 1;
                        self.ahead.next = next + 1;
                        // The reader stands just past this record: unwanted
                        // ones tested after it are passed over by the next
                        // call, and a `next_packet` in between sees them.
                        self.start = meta.data.end;
                        self.frame = frame;
                        return Ok(Some(self.packet_numbered(meta, frame)));
                    }
                }
                // None of the tested records was wanted.
                self.pass_tested();
            } else if let (Mode::PcapNg(e), false) = (self.mode, self.done) {
                // The same for whole Enhanced Packet Blocks, with every check
                // the general path makes (lengths, trailer, interface); any
                // other block, or a failed check, is left to it.
                let window = self.buf.get(self.start..self.end).unwrap_or(&[]);
                let mut at = 0usize;
                let mut passed = 0u64;
                let mut last_ts = self.last_ts;
                while let Some(h) = window.get(at..).and_then(<[u8]>::first_chunk::<8>) {
                    let len = e.u32([h[4], h[5], h[6], h[7]]);
                    if e.u32([h[0], h[1], h[2], h[3]]) != BT_EPB
                        || block_len_problem(BT_EPB, len).is_some()
                    {
                        break;
                    }
                    let Some(block) = window.get(at..at + len as usize) else {
                        break;
                    };
                    let Ok(b) = decode_packet_block(e, block, false, &self.interfaces) else {
                        break;
                    };
                    let Some(data) = block.get(28..28 + b.caplen as usize) else {
                        break;
                    };
                    if want(b.iface.link_type, data) {
                        wanted = true;
                        break;
                    }
                    last_ts = b.iface.nanos(b.ts);
                    at += block.len();
                    passed += 1;
                }
                self.start += at;
                self.frame += passed;
                self.last_ts = last_ts;
            }
            let Some(meta) = self.advance_or_finish()? else {
                return Ok(None);
            };
            self.frame += 1;
            if wanted
                || want(
                    meta.link_type,
                    self.buf.get(meta.data.clone()).unwrap_or(&[]),
                )
            {
                return Ok(Some(self.packet(meta)));
            }
        }
    }

    #[inline]
    fn advance(&mut self) -> Result<Option<Meta>, CaptureError> {
        if self.done {
            return Ok(None);
        }
        match self.mode {
            Mode::Pcap(p) => self.next_pcap(p),
            Mode::PcapNg(_) => self.next_pcapng(),
        }
    }

    /// The unconsumed bytes in the buffer.
    #[inline(always)]
    fn window(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    #[inline(always)]
    fn pos(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Makes at least `need` bytes available from `start`; `false` at end of
    /// stream with fewer.
    #[inline(always)]
    fn ensure(&mut self, need: usize) -> Result<bool, CaptureError> {
        if self.end - self.start >= need {
            return Ok(true);
        }
        self.fill(need).map_err(|source| CaptureError::Io {
            offset: self.base + self.start as u64,
            source,
        })
    }

    #[cold]
    fn fill(&mut self, need: usize) -> io::Result<bool> {
        if self.start + need > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        while self.end - self.start < need {
            if self.eof {
                return Ok(false);
            }
            if self.end == self.buf.len() {
                // Grow by doubling as data arrives, not to the claimed length
                // at once: a damaged length in a short file then costs little
                // memory before the truncation is found.
                let len = self.buf.len();
                let grown = len.saturating_mul(2).min(self.start + need).max(len + 1);
                self.buf.resize(grown, 0);
            }
            let Some(dst) = self.buf.get_mut(self.end..) else {
                return Ok(false);
            };
            let room = dst.len();
            match self.src.read(dst) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n.min(room),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// End of stream while `need` bytes of the current record were wanted.
    fn truncated(&self, need: usize) -> CaptureError {
        let avail = self.end - self.start;
        CaptureError::Truncated {
            offset: self.pos(),
            needed: need.saturating_sub(avail) as u64,
        }
    }

    /// End of stream at a record boundary is a clean end; inside a record it
    /// is truncation.
    fn end_or_truncated(&self, need: usize) -> Result<Option<Meta>, CaptureError> {
        if self.end == self.start {
            Ok(None)
        } else {
            Err(self.truncated(need))
        }
    }

    fn corrupt(&self, reason: CorruptReason) -> CaptureError {
        CaptureError::Corrupt {
            offset: self.pos(),
            reason,
        }
    }

    #[inline]
    fn next_pcap(&mut self, p: PcapParams) -> Result<Option<Meta>, CaptureError> {
        if !self.ensure(PCAP_RECORD_HEADER_LEN)? {
            return self.end_or_truncated(PCAP_RECORD_HEADER_LEN);
        }
        let h = arr::<PCAP_RECORD_HEADER_LEN>(&self.buf, self.start);
        let caplen = p.endian.u32([h[8], h[9], h[10], h[11]]);
        if caplen > p.max_caplen {
            return Err(self.corrupt(CorruptReason::CaplenTooLarge {
                caplen,
                max: p.max_caplen,
            }));
        }
        let total = PCAP_RECORD_HEADER_LEN + caplen as usize;
        if !self.ensure(total)? {
            return Err(self.truncated(total));
        }
        let meta = p.meta(&h, self.start + PCAP_RECORD_HEADER_LEN, caplen, self.pos());
        self.start += total;
        Ok(Some(meta))
    }

    fn next_pcapng(&mut self) -> Result<Option<Meta>, CaptureError> {
        loop {
            if !self.ensure(8)? {
                // A section header needs 12 bytes before its length is known.
                let shb = u32::from_le_bytes(arr::<4>(self.window(), 0)) == BT_SHB;
                return self.end_or_truncated(if shb { 12 } else { 8 });
            }
            let Mode::PcapNg(e) = self.mode else {
                return Ok(None);
            };
            let hdr = arr::<8>(&self.buf, self.start);
            let block_type = e.u32([hdr[0], hdr[1], hdr[2], hdr[3]]);
            if block_type == BT_SHB {
                self.section_header()?;
                continue;
            }
            let len = e.u32([hdr[4], hdr[5], hdr[6], hdr[7]]);
            if let Some(reason) = block_len_problem(block_type, len) {
                return Err(self.corrupt(reason));
            }
            let total = len as usize;
            if !self.ensure(total)? {
                return Err(self.truncated(total));
            }
            // Packet blocks check their trailer as they are decoded.
            if !matches!(block_type, BT_EPB | BT_PB) {
                self.check_trailer(e, len)?;
            }
            let s = self.start;
            match block_type {
                BT_EPB | BT_PB => {
                    let block = self.buf.get(s..s + total).unwrap_or(&[]);
                    let b = decode_packet_block(e, block, block_type == BT_PB, &self.interfaces)
                        .map_err(|reason| self.corrupt(reason))?;
                    let ts_nanos = b.iface.nanos(b.ts);
                    self.last_ts = ts_nanos;
                    let offset = self.pos();
                    self.start += total;
                    return Ok(Some(Meta {
                        ts_nanos,
                        link_type: b.iface.link_type,
                        interface: b.interface,
                        data: s + 28..s + 28 + b.caplen as usize,
                        orig_len: b.orig_len,
                        offset,
                    }));
                }
                BT_SPB => {
                    let Some(iface) = self.interfaces.first().copied() else {
                        return Err(self.unknown_interface(0));
                    };
                    let orig_len = e.u32(w32(&self.buf, s + 8));
                    let mut caplen = orig_len.min(len - 16);
                    if iface.snaplen != 0 {
                        caplen = caplen.min(iface.snaplen);
                    }
                    let offset = self.pos();
                    self.start += total;
                    return Ok(Some(Meta {
                        ts_nanos: self.last_ts,
                        link_type: iface.link_type,
                        interface: 0,
                        data: s + 12..s + 12 + caplen as usize,
                        orig_len,
                        offset,
                    }));
                }
                BT_IDB => {
                    let body = self.buf.get(s + 8..s + total - 4).unwrap_or(&[]);
                    let iface = parse_idb(body, e);
                    self.interfaces.push(iface);
                    self.start += total;
                }
                _ => self.start += total,
            }
        }
    }

    fn unknown_interface(&self, id: u32) -> CaptureError {
        self.corrupt(CorruptReason::UnknownInterface {
            id,
            count: u32::try_from(self.interfaces.len()).unwrap_or(u32::MAX),
        })
    }

    /// The whole block is in the buffer: its trailing length must repeat the
    /// leading one.
    fn check_trailer(&self, e: Endian, len: u32) -> Result<(), CaptureError> {
        match trailer_problem(e, len, w32(&self.buf, self.start + len as usize - 4)) {
            None => Ok(()),
            Some(reason) => Err(self.corrupt(reason)),
        }
    }

    /// A Section Header Block starts a new section: new byte order, no
    /// interfaces yet.
    fn section_header(&mut self) -> Result<(), CaptureError> {
        if !self.ensure(12)? {
            return Err(self.truncated(12));
        }
        let w = self.window();
        let bom = u32::from_le_bytes(arr::<4>(w, 8));
        let e = match bom {
            BYTE_ORDER_MAGIC => Endian::Little,
            0x4D3C_2B1A => Endian::Big,
            magic => return Err(self.corrupt(CorruptReason::BadByteOrderMagic { magic })),
        };
        let len = e.u32(arr::<4>(w, 4));
        if let Some(reason) = block_len_problem(BT_SHB, len) {
            return Err(self.corrupt(reason));
        }
        if !self.ensure(len as usize)? {
            return Err(self.truncated(len as usize));
        }
        self.check_trailer(e, len)?;
        self.mode = Mode::PcapNg(e);
        self.interfaces.clear();
        self.start += len as usize;
        Ok(())
    }
}

/// Interface Description Block body (after type and length, before the
/// trailing length): link type, reserved, snaplen, options.
fn parse_idb(body: &[u8], e: Endian) -> Interface {
    let mut iface = Interface {
        link_type: u32::from(e.u16(arr::<2>(body, 0))),
        snaplen: e.u32(w32(body, 4)),
        scale: TsScale::Mul(1000),
        offset_nanos: 0,
    };
    let mut rest = body.get(8..).unwrap_or(&[]);
    // Malformed options end the list rather than fail the block: the
    // packets that follow are still readable.
    while let Some(h) = rest.first_chunk::<4>() {
        let code = e.u16([h[0], h[1]]);
        let len = usize::from(e.u16([h[2], h[3]]));
        if code == 0 {
            break;
        }
        let Some(value) = rest.get(4..4 + len) else {
            break;
        };
        match code {
            9 => {
                if let Some(&v) = value.first() {
                    iface.scale = TsScale::from_tsresol(v);
                }
            }
            14 => {
                if let Some(v) = value.first_chunk::<8>() {
                    iface.offset_nanos = i128::from(e.i64(*v)) * 1_000_000_000;
                }
            }
            _ => {}
        }
        rest = rest.get(4 + ((len + 3) & !3)..).unwrap_or(&[]);
    }
    iface
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(scale: TsScale, offset_secs: i128) -> Interface {
        Interface {
            link_type: 1,
            snaplen: 0,
            scale,
            offset_nanos: offset_secs * 1_000_000_000,
        }
    }

    #[test]
    fn tsresol_decimal_and_binary_convert_to_nanoseconds() {
        assert_eq!(TsScale::from_tsresol(6), TsScale::Mul(1000));
        assert_eq!(TsScale::from_tsresol(9), TsScale::Mul(1));
        assert_eq!(TsScale::from_tsresol(0), TsScale::Mul(1_000_000_000));
        assert_eq!(TsScale::from_tsresol(12), TsScale::Div(1000));
        assert_eq!(TsScale::from_tsresol(0x80 | 10), TsScale::Shr(10));
        assert_eq!(
            iface(TsScale::Shr(10), 0).nanos(1024 * 3 + 512),
            3_500_000_000
        );
        assert_eq!(iface(TsScale::from_tsresol(12), 0).nanos(1_234_567), 1234);
        assert_eq!(iface(TsScale::Mul(1000), 10).nanos(5), 10_000_005_000);
    }

    #[test]
    fn absurd_resolutions_saturate_instead_of_overflowing() {
        assert_eq!(TsScale::from_tsresol(127), TsScale::Div(u64::MAX));
        assert_eq!(iface(TsScale::from_tsresol(127), 0).nanos(u64::MAX), 1);
        assert_eq!(
            iface(TsScale::Mul(1_000_000_000), 0).nanos(u64::MAX),
            i64::MAX
        );
        assert_eq!(iface(TsScale::Shr(127), 0).nanos(u64::MAX), 0);
        assert_eq!(
            iface(TsScale::Mul(1), i128::from(i64::MIN)).nanos(0),
            i64::MIN
        );
    }
}
