// SPDX-License-Identifier: Apache-2.0
//! Types shared by every PlantGuard crate.
//!
//! The hot path (`wire`, `protocols`, `engine`) produces facts expressed in
//! these types; the cold path (analysis, reports, storage) consumes them.
//! Nothing here depends on another PlantGuard crate.
//!
//! - [`Operation`]: what a protocol message *does* to the plant (read, write,
//!   program download, CPU stop, ...), independent of the protocol.
//! - [`IdentityFact`]: vendor / product / firmware / serial a device revealed
//!   on the wire.
//! - [`Evidence`]: where a fact was seen (capture file, frame, time), so a
//!   user can open the same frame in Wireshark.
//! - [`HostFact`]: names, OS, software, cleartext credentials and lookups
//!   learned from IT protocols.
#![deny(missing_docs)]

mod evidence;
mod fact;
mod identity;
mod operation;

pub use evidence::{Evidence, Timestamp};
pub use fact::{mask_secret, HostFact, Text};
pub use identity::{IdentityFact, Side};
pub use operation::{ModeChange, Operation};
