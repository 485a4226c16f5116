// SPDX-License-Identifier: Apache-2.0
//! IPv4 (and IPv6) fragment reassembly within bounds.
