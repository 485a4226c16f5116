// SPDX-License-Identifier: Apache-2.0
//! Recognition of the long tail of industrial protocols.
//!
//! Each protocol gets a small probe and session. Where the protocol has a
//! signature (magic bytes, fixed header fields, consistent lengths) the
//! probe checks it strictly and records say `recognised_by: "signature"`;
//! where it has none (PCWorx, ProConOS, Red Lion Crimson, GE EGD) the
//! probe accepts only its well-known port plus minimal sanity checks and
//! records say `recognised_by: "port"`. A flow no parser claims stays
//! `unrecognised` in the engine's summary: nothing is guessed.
//!
//! - [`mms`]: MMS over TPKT/COTP/session/presentation (port 102, after S7).
//! - [`tail`]: FINS, MELSEC/SLMP, ADS/AMS, HART-IP, Niagara Fox, GE SRTP,
//!   CODESYS, PCWorx, ProConOS, Red Lion Crimson, GE EGD.
//! - [`ethercat`]: EtherCAT over Ethernet (EtherType 0x88A4).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod mms;
