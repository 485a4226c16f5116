// SPDX-License-Identifier: Apache-2.0
//! IEC 60870-5-104 code sets: type identifications (names generated from
//! `kb/protocols/iec104_type_ids.csv`), causes of transmission (generated
//! from `kb/protocols/iec104_cot.csv`) and information element sizes.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub use super::cot_gen::cot_name;
pub use super::type_id_gen::type_id_name;

/// Broad class of a type identification (IEC 60870-5-101 §7.2.1.1, Table 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeClass {
    /// 1-44: process information in monitor direction (`M_*`).
    Monitor,
    /// 45-69: process information in control direction (`C_SC`...`C_BO`).
    Command,
    /// 70: end of initialisation (`M_EI_NA_1`).
    EndOfInit,
    /// 100-109: system information in control direction (`C_IC`, `C_CS`, `C_RP`...).
    System,
    /// 110-119: parameters (`P_*`).
    Parameter,
    /// 120-127: file transfer (`F_*`).
    File,
    /// Anything else (reserved or private ranges).
    Other,
}

/// Class of `type_id`.
#[inline]
pub const fn type_class(type_id: u8) -> TypeClass {
    match type_id {
        1..=44 => TypeClass::Monitor,
        45..=69 => TypeClass::Command,
        70 => TypeClass::EndOfInit,
        100..=109 => TypeClass::System,
        110..=119 => TypeClass::Parameter,
        120..=127 => TypeClass::File,
        _ => TypeClass::Other,
    }
}

/// Octets of one information element set (after the IOA) of `type_id`
/// (IEC 60870-5-101 §7.3; CP24Time2a = 3, CP56Time2a = 7, NVA/SVA = 2,
/// float = 4, quality / qualifier octets = 1). `None` for variable-size
/// (F_SG_NA_1) or unknown types.
///
/// Reads [`ELEMENT_SIZES`]: the `match` in [`element_size_of`] compiles to
/// a jump table whose indirect jump mispredicts on every change of type.
#[inline]
pub fn element_size(type_id: u8) -> Option<usize> {
    match ELEMENT_SIZES.get(usize::from(type_id)).copied() {
        Some(NO_SIZE) | None => None,
        Some(n) => Some(usize::from(n)),
    }
}

/// Marks a type without a fixed element size in [`ELEMENT_SIZES`].
const NO_SIZE: u8 = u8::MAX;

/// [`element_size_of`] for every type identification, built at compile time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const ELEMENT_SIZES: [u8; 256] = {
    let mut t = [NO_SIZE; 256];
    let mut i = 0;
    while i < t.len() {
        if let Some(n) = element_size_of(i as u8) {
            assert!(n < NO_SIZE as usize);
            t[i] = n as u8;
        }
        i += 1;
    }
    t
};

/// The sizes [`element_size`] reads from its table.
const fn element_size_of(type_id: u8) -> Option<usize> {
    Some(match type_id {
        1 | 3 => 1,
        2 | 4 => 4,
        5 => 2,
        6 => 5,
        7 => 5,
        8 => 8,
        9 | 11 => 3,
        10 | 12 => 6,
        13 => 5,
        14 => 8,
        15 => 5,
        16 => 8,
        17 => 6,
        18 | 19 => 7,
        20 => 5,
        21 => 2,
        30 | 31 => 8,
        32 => 9,
        33 => 12,
        34 | 35 => 10,
        36 | 37 => 12,
        38 => 10,
        39 | 40 => 11,
        45..=47 => 1,
        48 | 49 => 3,
        50 => 5,
        51 => 4,
        58..=60 => 8,
        61 | 62 => 10,
        63 => 12,
        64 => 11,
        70 => 1,
        100 | 101 => 1,
        102 => 0,
        103 => 7,
        104 => 2,
        105 => 1,
        106 => 2,
        107 => 9,
        110 | 111 => 3,
        112 => 5,
        113 => 1,
        120 => 6,
        121 => 7,
        122 => 4,
        123 => 5,
        124 => 4,
        126 => 13,
        127 => 16,
        _ => return None,
    })
}

#[cfg(test)]
mod size_table_tests {
    use super::*;

    #[test]
    fn the_size_table_agrees_with_the_sizes_for_every_type() {
        for type_id in 0..=u8::MAX {
            assert_eq!(element_size(type_id), element_size_of(type_id), "{type_id}");
        }
        assert_eq!(element_size(13), Some(5));
        assert_eq!(element_size(102), Some(0));
        assert_eq!(element_size(125), None);
    }
}
