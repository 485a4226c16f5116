// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from corpus captures.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
