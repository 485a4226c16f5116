// SPDX-License-Identifier: Apache-2.0
//! Lazy iteration over DNP3 object headers (IEEE 1815-2012 §4.2.2.7,
//! Figure 4-7; qualifier codes Table 4-4 / 4-5). Each header is returned
//! with the bytes of the objects it announces, so callers decode only the
//! objects they care about (CROBs, analog output blocks, device attributes).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// Range of an object header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// Start and stop index (qualifier range codes 0-5).
    StartStop {
        /// First index.
        start: u32,
        /// Last index (inclusive).
        stop: u32,
    },
    /// A count of objects (range codes 7-9 and 0xB).
    Count(u32),
    /// No range: all objects of the type (range code 6).
    All,
}

/// One object header and the object bytes it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectHeader<'a> {
    /// Object group.
    pub group: u8,
    /// Object variation.
    pub variation: u8,
    /// Qualifier octet: prefix code (bits 4-6) and range code (bits 0-3).
    pub qualifier: u8,
    /// Range field.
    pub range: Range,
    /// Objects (with their prefixes) announced by the header; empty when the
    /// function carries no object data (READ) and the header has no prefixes.
    pub data: &'a [u8],
}

impl ObjectHeader<'_> {
    /// Prefix code (Table 4-4): 0 none, 1-3 index of 1/2/4 octets, 4-6 object size of 1/2/4 octets.
    pub const fn prefix_code(&self) -> u8 {
        (self.qualifier >> 4) & 0x07
    }
    /// Range specifier code (Table 4-5).
    pub const fn range_code(&self) -> u8 {
        self.qualifier & 0x0F
    }
    /// Number of objects announced (0 for "all objects").
    pub fn count(&self) -> u32 {
        match self.range {
            Range::StartStop { start, stop } => stop.wrapping_sub(start).wrapping_add(1),
            Range::Count(n) => n,
            Range::All => 0,
        }
    }
    /// `group << 8 | variation`, the key of the object name table.
    pub const fn key(&self) -> u16 {
        ((self.group as u16) << 8) | self.variation as u16
    }
    /// Iterates over `(index, object bytes)` for headers whose objects are
    /// index-prefixed (prefix codes 1-3) or numbered by a start/stop range,
    /// using a fixed object `size`. Stops early if the bytes run out.
    pub fn points(&self, size: usize) -> Points<'_> {
        let prefix = match self.prefix_code() {
            1 => 1,
            2 => 2,
            3 => 4,
            _ => 0,
        };
        let next_index = match self.range {
            Range::StartStop { start, .. } => start,
            _ => 0,
        };
        Points {
            rest: self.data,
            prefix,
            size,
            next_index,
            remaining: self.count(),
        }
    }
}

/// Iterator returned by [`ObjectHeader::points`].
#[derive(Clone, Debug)]
pub struct Points<'a> {
    rest: &'a [u8],
    prefix: usize,
    size: usize,
    next_index: u32,
    remaining: u32,
}

impl<'a> Iterator for Points<'a> {
    type Item = (u32, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        self.remaining = self.remaining.checked_sub(1)?;
        let index = if self.prefix == 0 {
            let i = self.next_index;
            self.next_index = self.next_index.wrapping_add(1);
            i
        } else {
            let (p, rest) = take(self.rest, self.prefix)?;
            self.rest = rest;
            read_le(p)
        };
        let (obj, rest) = take(self.rest, self.size)?;
        self.rest = rest;
        Some((index, obj))
    }
}

/// Why object iteration stopped before the end of the fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// The header or its objects run past the end of the fragment.
    #[error("object header g{group}v{variation} truncated")]
    Truncated {
        /// Group.
        group: u8,
        /// Variation.
        variation: u8,
    },
    /// Reserved qualifier range or prefix code.
    #[error("object header g{group}v{variation}: qualifier {qualifier:#04x} is reserved")]
    BadQualifier {
        /// Group.
        group: u8,
        /// Variation.
        variation: u8,
        /// Qualifier octet.
        qualifier: u8,
    },
    /// The size of this object is not known, so the objects after it cannot be found.
    #[error("size of object g{group}v{variation} is unknown")]
    UnknownObjectSize {
        /// Group.
        group: u8,
        /// Variation.
        variation: u8,
    },
}

/// Encoded size of one object (without prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectSize {
    /// Fixed number of octets.
    Fixed(usize),
    /// Packed bits per object (g1v1, g3v1, g10v1, g12v3, g80v1), no prefix allowed.
    Packed(usize),
    /// Device attribute (g0): data type, length, then `length` octets.
    Attribute,
    /// Carries no data (g60 class data, default variations in requests).
    Empty,
    /// Not known.
    Unknown,
}

/// Object sizes of the common groups (IEEE 1815-2012 Annex A).
pub const fn object_size(group: u8, variation: u8) -> ObjectSize {
    use ObjectSize::{Attribute, Empty, Fixed, Packed, Unknown};
    match (group, variation) {
        (0, 1..=253) => Attribute,
        (1 | 10 | 80, 1) | (12, 3) => Packed(1),
        (3, 1) => Packed(2),
        (1 | 3 | 10 | 102, 2) | (2 | 4 | 11 | 13, 1) | (102, 1) => Fixed(1),
        (2 | 4 | 11 | 13, 2) => Fixed(7),
        (2 | 4, 3) => Fixed(3),
        (12, 1 | 2) => Fixed(11),
        // Counters: 32-bit with flag 5, 16-bit with flag 3, without flag 4 / 2.
        (20..=23, 1 | 3) => Fixed(5),
        (20..=23, 2 | 4) => Fixed(3),
        (20, 5 | 7) | (21, 9 | 11) => Fixed(4),
        (20, 6 | 8) | (21, 10 | 12) => Fixed(2),
        (21..=23, 5 | 7) => Fixed(11),
        (21..=23, 6 | 8) => Fixed(9),
        // Analog inputs.
        (30, 1 | 5) | (31, 1 | 7) | (32 | 33 | 42 | 43, 1 | 5) => Fixed(5),
        (30, 2) | (31, 2) | (32 | 33 | 42 | 43, 2) => Fixed(3),
        (30, 3) | (31, 5) => Fixed(4),
        (30, 4) | (31, 6) => Fixed(2),
        (30, 6) | (31, 8) | (32 | 33 | 42 | 43, 6) => Fixed(9),
        (31, 3) | (32 | 33 | 42 | 43, 3 | 7) => Fixed(11),
        (31, 4) | (32 | 33 | 42 | 43, 4) => Fixed(9),
        (32 | 33 | 42 | 43, 8) => Fixed(15),
        (34, 1) => Fixed(2),
        (34, 2 | 3) => Fixed(4),
        // Analog output status and blocks (value plus status / flag).
        (40 | 41, 1 | 3) => Fixed(5),
        (40 | 41, 2) => Fixed(3),
        (40 | 41, 4) => Fixed(9),
        (50, 1 | 3) | (51, 1 | 2) => Fixed(6),
        (50, 2) => Fixed(10),
        (50, 4) => Fixed(11),
        (52, 1 | 2) => Fixed(2),
        (60, 1..=4) => Empty,
        (110..=113, v) => Fixed(v as usize),
        (120, 3) => Fixed(6),
        (120, 4) => Fixed(2),
        (121, 1) | (122, 1) => Fixed(7),
        (122, 2) => Fixed(13),
        _ => Unknown,
    }
}

/// How a qualifier's range field reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RangeKind {
    StartStop,
    All,
    Count,
}

/// A qualifier octet decoded (Tables 4-4 and 4-5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct QualifierShape {
    /// Octets of the range field.
    range_len: u8,
    /// Octets of each object's prefix (index or size).
    prefix_len: u8,
    kind: RangeKind,
    /// The prefix is the object's size (prefix codes 4-6), not its index.
    sized_prefix: bool,
}

/// The shape of qualifier `q`, or `None` when its range or prefix code is
/// reserved (bit 7 is ignored).
const fn qualifier_shape(q: u8) -> Option<QualifierShape> {
    let range_code = q & 0x0F;
    let prefix_code = (q >> 4) & 0x07;
    let (range_len, kind) = match range_code {
        0 | 3 => (2, RangeKind::StartStop),
        1 | 4 => (4, RangeKind::StartStop),
        2 | 5 => (8, RangeKind::StartStop),
        6 => (0, RangeKind::All),
        7 | 0xB => (1, RangeKind::Count),
        8 => (2, RangeKind::Count),
        9 => (4, RangeKind::Count),
        _ => return None,
    };
    // Range code 0xB (free-format) needs an object-size prefix.
    if prefix_code == 7 || (range_code == 0xB && prefix_code < 4) {
        return None;
    }
    let prefix_len = match prefix_code {
        1 | 4 => 1,
        2 | 5 => 2,
        3 | 6 => 4,
        _ => 0,
    };
    Some(QualifierShape {
        range_len,
        prefix_len,
        kind,
        sized_prefix: prefix_code >= 4,
    })
}

/// [`qualifier_shape`] of every octet (indexes checked at compile time).
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const QUALIFIERS: [Option<QualifierShape>; 256] = {
    let mut t = [None; 256];
    let mut q = 0;
    while q < 256 {
        t[q] = qualifier_shape(q as u8);
        q += 1;
    }
    t
};

/// Groups and variations below these bounds have their size in [`SIZES`].
const SIZE_GROUPS: usize = 128;
const SIZE_VARIATIONS: usize = 16;

/// [`object_size`] packed into one octet: 0-63 fixed size, 0x40 | bits
/// packed, 0x80 device attribute, 0x81 empty, 0xFF unknown, and 0xFE for
/// a size the octet cannot hold (looked up with the `match` instead).
const fn pack_size(size: ObjectSize) -> u8 {
    match size {
        ObjectSize::Fixed(n) if n < 0x40 => n as u8,
        ObjectSize::Packed(bits) if bits < 0x40 => 0x40 | bits as u8,
        ObjectSize::Attribute => 0x80,
        ObjectSize::Empty => 0x81,
        ObjectSize::Unknown => 0xFF,
        _ => 0xFE,
    }
}

/// Packed [`object_size`] of groups below 128 and variations below 16, the
/// ones real traffic uses: one table read instead of a branch tree
/// (indexes checked at compile time).
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const SIZES: [u8; SIZE_GROUPS * SIZE_VARIATIONS] = {
    let mut t = [0u8; SIZE_GROUPS * SIZE_VARIATIONS];
    let mut i = 0;
    while i < t.len() {
        t[i] = pack_size(object_size(
            (i / SIZE_VARIATIONS) as u8,
            (i % SIZE_VARIATIONS) as u8,
        ));
        i += 1;
    }
    t
};

/// [`object_size`], from [`SIZES`] where the table covers the object.
#[inline]
fn size_of(group: u8, variation: u8) -> ObjectSize {
    let (g, v) = (usize::from(group), usize::from(variation));
    if g >= SIZE_GROUPS || v >= SIZE_VARIATIONS {
        return object_size(group, variation);
    }
    match SIZES
        .get(g.wrapping_mul(SIZE_VARIATIONS) | v)
        .copied()
        .unwrap_or(0xFE)
    {
        n @ 0..=0x3F => ObjectSize::Fixed(usize::from(n)),
        p @ 0x40..=0x7F => ObjectSize::Packed(usize::from(p & 0x3F)),
        0x80 => ObjectSize::Attribute,
        0x81 => ObjectSize::Empty,
        0xFF => ObjectSize::Unknown,
        _ => object_size(group, variation),
    }
}

fn take(input: &[u8], n: usize) -> Option<(&[u8], &[u8])> {
    (input.len() >= n).then(|| input.split_at(n))
}

fn read_le(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .rev()
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

/// Iterator over the object headers of one application fragment.
///
/// Yields `Ok(header)` per header and, when it cannot go on, one `Err` and
/// then `None`.
#[derive(Clone, Debug)]
pub struct ObjectHeaders<'a> {
    rest: &'a [u8],
    with_data: bool,
    done: bool,
    deferred: Option<ObjectError>,
}

impl<'a> ObjectHeaders<'a> {
    /// Iterates over `objects`, the bytes after the application header.
    /// `with_data` is false for functions whose headers carry no object
    /// values (READ, FREEZE, ASSIGN_CLASS, ENABLE/DISABLE_UNSOLICITED...).
    pub fn new(objects: &'a [u8], with_data: bool) -> Self {
        Self {
            rest: objects,
            with_data,
            done: false,
            deferred: None,
        }
    }

    #[inline]
    fn parse_one(&mut self) -> Result<ObjectHeader<'a>, ObjectError> {
        let [group, variation, qualifier, after @ ..] = self.rest else {
            let (group, variation) = match self.rest {
                [g, v, ..] => (*g, *v),
                [g] => (*g, 0),
                [] => (0, 0),
            };
            return Err(ObjectError::Truncated { group, variation });
        };
        let (group, variation, qualifier) = (*group, *variation, *qualifier);
        let truncated = ObjectError::Truncated { group, variation };
        // One table read decodes the qualifier (a `match` per field made
        // indirect jumps that mispredict on every change of qualifier).
        let Some(shape) = QUALIFIERS.get(usize::from(qualifier)).copied().flatten() else {
            return Err(ObjectError::BadQualifier {
                group,
                variation,
                qualifier,
            });
        };
        let range_len = usize::from(shape.range_len);
        let (range_bytes, after) = take(after, range_len).ok_or(truncated)?;
        let range = match shape.kind {
            RangeKind::StartStop => {
                let (a, b) = range_bytes.split_at(range_len / 2);
                Range::StartStop {
                    start: read_le(a),
                    stop: read_le(b),
                }
            }
            RangeKind::All => Range::All,
            RangeKind::Count => Range::Count(read_le(range_bytes)),
        };
        let header = ObjectHeader {
            group,
            variation,
            qualifier,
            range,
            data: &[],
        };
        let count = usize::try_from(header.count()).unwrap_or(usize::MAX);
        let count = if range == Range::All { 0 } else { count };
        let prefix_len = usize::from(shape.prefix_len);
        let data_len = if shape.sized_prefix {
            // Each object is preceded by its size: walk them.
            let mut pos = 0usize;
            for _ in 0..count {
                let size_bytes = after
                    .get(pos..pos.checked_add(prefix_len).ok_or(truncated)?)
                    .ok_or(truncated)?;
                let size = usize::try_from(read_le(size_bytes)).unwrap_or(usize::MAX);
                pos = pos
                    .checked_add(prefix_len)
                    .and_then(|p| p.checked_add(size))
                    .filter(|&p| p <= after.len())
                    .ok_or(truncated)?;
            }
            pos
        } else if !self.with_data {
            count.checked_mul(prefix_len).ok_or(truncated)?
        } else {
            match size_of(group, variation) {
                ObjectSize::Empty => count.checked_mul(prefix_len).ok_or(truncated)?,
                ObjectSize::Fixed(size) => count
                    .checked_mul(prefix_len.checked_add(size).ok_or(truncated)?)
                    .ok_or(truncated)?,
                ObjectSize::Packed(bits) if prefix_len == 0 => {
                    count.checked_mul(bits).ok_or(truncated)?.div_ceil(8)
                }
                ObjectSize::Attribute => {
                    let mut pos = 0usize;
                    for _ in 0..count {
                        let len_at = pos
                            .checked_add(prefix_len)
                            .and_then(|p| p.checked_add(1))
                            .ok_or(truncated)?;
                        let len = *after.get(len_at).ok_or(truncated)?;
                        pos = len_at
                            .checked_add(1)
                            .and_then(|p| p.checked_add(usize::from(len)))
                            .filter(|&p| p <= after.len())
                            .ok_or(truncated)?;
                    }
                    pos
                }
                ObjectSize::Packed(_) | ObjectSize::Unknown => {
                    return Err(ObjectError::UnknownObjectSize { group, variation })
                }
            }
        };
        match take(after, data_len) {
            Some((data, after)) => {
                self.rest = after;
                Ok(ObjectHeader { data, ..header })
            }
            None => {
                // The header itself is whole: report it with the object bytes
                // there are, then the truncation.
                self.rest = &[];
                self.deferred = Some(truncated);
                Ok(ObjectHeader {
                    data: after,
                    ..header
                })
            }
        }
    }
}

impl<'a> Iterator for ObjectHeaders<'a> {
    type Item = Result<ObjectHeader<'a>, ObjectError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.deferred.take() {
            self.done = true;
            return Some(Err(e));
        }
        if self.done || self.rest.is_empty() {
            return None;
        }
        // The header of every class poll (g60, "all objects", no prefix)
        // in a request without object data: nothing to size or walk.
        if let ([group, variation, 0x06, rest @ ..], false) = (self.rest, self.with_data) {
            self.rest = rest;
            return Some(Ok(ObjectHeader {
                group: *group,
                variation: *variation,
                qualifier: 0x06,
                range: Range::All,
                data: &[],
            }));
        }
        let item = self.parse_one();
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }
}

/// True when request function `function` carries object values after its
/// headers (WRITE, SELECT/OPERATE, FREEZE_AT_TIME, file and authentication
/// requests); false for READ, FREEZE, ASSIGN_CLASS, ENABLE/DISABLE_UNSOLICITED...
/// Responses always carry values.
pub const fn carries_values(function: u8) -> bool {
    matches!(function, 2..=6 | 11 | 12 | 25..=33 | 0x81..=0x83)
}

#[cfg(test)]
#[allow(clippy::panic)]
mod table_tests {
    use super::*;

    #[test]
    fn the_size_table_agrees_with_the_object_library_for_every_object() {
        for group in 0..=u8::MAX {
            for variation in 0..=u8::MAX {
                assert_eq!(
                    size_of(group, variation),
                    object_size(group, variation),
                    "g{group}v{variation}"
                );
            }
        }
    }

    #[test]
    fn the_class_poll_short_path_gives_what_the_general_path_gives() {
        // Every group and variation with qualifier 0x06 in a request without
        // object data, alone and followed by another header.
        for group in 0..=u8::MAX {
            for variation in 0..=u8::MAX {
                let bytes = [group, variation, 0x06, 60, 1, 0x06];
                let short: Vec<_> = ObjectHeaders::new(&bytes, false).collect();
                let mut general = ObjectHeaders::new(&bytes, false);
                let first = general.parse_one();
                let second = general.parse_one();
                assert_eq!(short, vec![first, second], "g{group}v{variation}");
            }
        }
    }

    #[test]
    fn reserved_qualifiers_are_refused_and_the_others_read_their_ranges() {
        // Every qualifier after a g30v1 header, with an 8-octet range field
        // of 1s: the range read follows Table 4-5, reserved codes fail.
        for q in 0..=u8::MAX {
            let mut bytes = vec![30, 1, q];
            bytes.extend_from_slice(&[1; 8]);
            let first = ObjectHeaders::new(&bytes, false).next();
            let (range_code, prefix_code) = (q & 0x0F, (q >> 4) & 0x07);
            let reserved = matches!(range_code, 0xA | 0xC..=0xF)
                || prefix_code == 7
                || (range_code == 0xB && prefix_code < 4);
            match first {
                Some(Err(ObjectError::BadQualifier { qualifier, .. })) => {
                    assert!(reserved, "{q:#04x} refused");
                    assert_eq!(qualifier, q);
                }
                Some(Ok(h)) => {
                    assert!(!reserved, "{q:#04x} accepted");
                    let want = match range_code {
                        0 | 3 => Range::StartStop { start: 1, stop: 1 },
                        1 | 4 => Range::StartStop {
                            start: 0x0101,
                            stop: 0x0101,
                        },
                        2 | 5 => Range::StartStop {
                            start: 0x0101_0101,
                            stop: 0x0101_0101,
                        },
                        6 => Range::All,
                        7 | 0xB => Range::Count(1),
                        8 => Range::Count(0x0101),
                        _ => Range::Count(0x0101_0101),
                    };
                    assert_eq!(h.range, want, "{q:#04x}");
                }
                // Size prefixes are walked: the octets after the range run
                // out for the larger counts.
                Some(Err(ObjectError::Truncated { .. })) => {
                    assert!(!reserved && prefix_code >= 4, "{q:#04x} truncated");
                }
                other => panic!("{q:#04x}: {other:?}"),
            }
        }
    }
}
