// SPDX-License-Identifier: Apache-2.0
//! Link, network and transport decoding.
#![deny(missing_docs)]

pub mod ipfrag;
pub mod reassembly;
