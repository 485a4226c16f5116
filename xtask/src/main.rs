// SPDX-License-Identifier: Apache-2.0
//! Project tasks (`cargo run -p xtask -- <task>`).
fn main() {}
