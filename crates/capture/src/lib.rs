// SPDX-License-Identifier: Apache-2.0
//! Capture file readers.
#![deny(missing_docs)]
