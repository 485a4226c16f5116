// SPDX-License-Identifier: Apache-2.0
//! Pure IEC 60870-5-104 parsing: APCI (IEC 60870-5-104 §5, Figures 6-9)
//! and the ASDU data unit identifier (IEC 60870-5-101 §7.2, with the
//! 104 field lengths of §9: 2-octet cause of transmission, 2-octet common
//! address, 3-octet information object address). No state, no allocation.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::element_size;

/// Start octet of every APDU.
pub const START: u8 = 0x68;
/// Start, length and the four control octets.
pub const APCI_LEN: usize = 6;
/// Data unit identifier: type, VSQ, COT (2), common address (2).
pub const ASDU_HEADER_LEN: usize = 6;
/// Information object address length in IEC 104.
pub const IOA_LEN: usize = 3;
/// Largest APDU length field (§5: 253 octets after the length octet).
pub const MAX_LENGTH: u8 = 253;

/// APCI control field format (§5.1-§5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Apci {
    /// I format: numbered information transfer.
    I {
        /// Send sequence number N(S).
        tx: u16,
        /// Receive sequence number N(R).
        rx: u16,
    },
    /// S format: numbered supervisory (acknowledgement).
    S {
        /// Receive sequence number N(R).
        rx: u16,
    },
    /// U format: unnumbered control (STARTDT/STOPDT/TESTFR).
    U {
        /// First control octet (function bits plus 0x03).
        function: u8,
    },
}

impl Apci {
    /// `"I"`, `"S"` or `"U"`.
    pub const fn type_name(self) -> &'static str {
        match self {
            Apci::I { .. } => "I",
            Apci::S { .. } => "S",
            Apci::U { .. } => "U",
        }
    }
}

/// U-format function name (§5.3, Figure 9), or `None` when the octet is not
/// exactly one of the six functions.
pub const fn u_function_name(c1: u8) -> Option<&'static str> {
    match c1 {
        0x07 => Some("startdt_act"),
        0x0B => Some("startdt_con"),
        0x13 => Some("stopdt_act"),
        0x23 => Some("stopdt_con"),
        0x43 => Some("testfr_act"),
        0x83 => Some("testfr_con"),
        _ => None,
    }
}

/// One APDU: APCI and the ASDU bytes of I-format frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Apdu<'a> {
    /// Length octet (octets after it).
    pub length: u8,
    /// Control field.
    pub apci: Apci,
    /// ASDU (I format only; empty otherwise).
    pub asdu: &'a [u8],
}

/// Why an APDU could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApduError {
    /// More bytes are needed.
    #[error("APDU truncated: {needed} more bytes needed")]
    Truncated {
        /// Further bytes needed.
        needed: usize,
    },
    /// The first octet is not 0x68.
    #[error("APDU does not start with 0x68")]
    BadStart,
    /// Length below 4 or above 253.
    #[error("APDU length {0} out of 4..=253")]
    BadLength(u8),
    /// S or U frame with extra octets, or reserved control bits set.
    #[error("control field {0:#04x} inconsistent with length")]
    BadControl(u8),
}

/// Parses the APDU at the start of `input`; returns it and its length on the wire.
pub fn parse_apdu(input: &[u8]) -> Result<(Apdu<'_>, usize), ApduError> {
    let (start, length) = match input {
        [] => return Err(ApduError::Truncated { needed: APCI_LEN }),
        [s, ..] if *s != START => return Err(ApduError::BadStart),
        [_] => {
            return Err(ApduError::Truncated {
                needed: APCI_LEN.saturating_sub(1),
            })
        }
        [s, l, ..] => (*s, *l),
    };
    let _ = start;
    if !(4..=MAX_LENGTH).contains(&length) {
        return Err(ApduError::BadLength(length));
    }
    let total = usize::from(length).saturating_add(2);
    let Some(frame) = input.get(..total) else {
        return Err(ApduError::Truncated {
            needed: total.saturating_sub(input.len()),
        });
    };
    let [_, _, c1, c2, c3, c4, asdu @ ..] = frame else {
        return Err(ApduError::Truncated { needed: 1 });
    };
    let rx = u16::from_le_bytes([*c3, *c4]) >> 1;
    let apci = if c1 & 0x01 == 0 {
        Apci::I {
            tx: u16::from_le_bytes([*c1, *c2]) >> 1,
            rx,
        }
    } else {
        if length != 4 {
            return Err(ApduError::BadControl(*c1));
        }
        if c1 & 0x03 == 0x01 {
            Apci::S { rx }
        } else {
            Apci::U { function: *c1 }
        }
    };
    let asdu = if matches!(apci, Apci::I { .. }) {
        asdu
    } else {
        &[]
    };
    Ok((Apdu { length, apci, asdu }, total))
}

/// Data unit identifier and object layout of one ASDU (IEC 60870-5-101
/// §7.2.1-§7.2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Asdu<'a> {
    /// Type identification.
    pub type_id: u8,
    /// SQ bit: one IOA followed by a sequence of elements.
    pub sequence: bool,
    /// Number of information objects or elements.
    pub num_objects: u8,
    /// Cause of transmission (6 bits).
    pub cot: u8,
    /// P/N bit: negative confirmation.
    pub negative: bool,
    /// T bit: test.
    pub test: bool,
    /// Originator address (second COT octet).
    pub originator: u8,
    /// Common address of ASDU.
    pub common_address: u16,
    /// Information objects (IOAs and elements).
    pub objects: &'a [u8],
}

/// Why an ASDU could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AsduError {
    /// Shorter than the 6-octet data unit identifier.
    #[error("ASDU shorter than its 6-octet header")]
    Truncated,
}

/// Parses the data unit identifier.
pub fn parse_asdu(asdu: &[u8]) -> Result<Asdu<'_>, AsduError> {
    let [type_id, vsq, cot, originator, ca0, ca1, objects @ ..] = asdu else {
        return Err(AsduError::Truncated);
    };
    Ok(Asdu {
        type_id: *type_id,
        sequence: vsq & 0x80 != 0,
        num_objects: vsq & 0x7F,
        cot: cot & 0x3F,
        negative: cot & 0x40 != 0,
        test: cot & 0x80 != 0,
        originator: *originator,
        common_address: u16::from_le_bytes([*ca0, *ca1]),
        objects,
    })
}

fn ioa_at(bytes: &[u8], at: usize) -> Option<u32> {
    match bytes.get(at..at.checked_add(IOA_LEN)?)? {
        [a, b, c] => Some(u32::from_le_bytes([*a, *b, *c, 0])),
        _ => None,
    }
}

impl Asdu<'_> {
    /// Octets the information objects should take, when the element size
    /// of the type is known.
    pub fn expected_objects_len(&self) -> Option<usize> {
        let size = element_size(self.type_id)?;
        let n = usize::from(self.num_objects);
        if self.sequence {
            n.checked_mul(size)?.checked_add(IOA_LEN)
        } else {
            n.checked_mul(size.checked_add(IOA_LEN)?)
        }
    }

    /// True when the objects fill the ASDU exactly (unknown sizes count as consistent).
    pub fn length_is_consistent(&self) -> bool {
        self.expected_objects_len().is_none_or(|n| {
            n == self.objects.len() || (self.num_objects == 0 && self.objects.is_empty())
        })
    }

    /// Information object addresses, in order: with SQ set the first IOA
    /// and its successors, otherwise the IOA of each object. Stops when the
    /// bytes run out; for types of unknown size, only the first IOA.
    pub fn ioas(&self) -> impl Iterator<Item = u32> + '_ {
        let size = element_size(self.type_id);
        let first = ioa_at(self.objects, 0);
        let n = usize::from(self.num_objects);
        (0..n).map_while(move |i| {
            if self.sequence {
                let f = first?;
                let k = u32::try_from(i).ok()?;
                (self.objects.len()
                    >= IOA_LEN.checked_add(i.checked_add(1)?.checked_mul(size?)?)?)
                .then(|| f.wrapping_add(k) & 0x00FF_FFFF)
            } else if i == 0 {
                first
            } else {
                let at = i.checked_mul(size?.checked_add(IOA_LEN)?)?;
                ioa_at(self.objects, at)
            }
        })
    }
}
