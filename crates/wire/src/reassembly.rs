// SPDX-License-Identifier: Apache-2.0
//! TCP stream reassembly (one direction at a time).
