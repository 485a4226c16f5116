// SPDX-License-Identifier: Apache-2.0
//! What an OPC UA service request does to the plant, as a neutral [`Operation`].
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use plantguard_model::Operation;

/// Operation of a request, from its binary encoding type id (Part 4 §5;
/// the `operation` column of `kb/protocols/opcua_services.csv`).
pub const fn request_operation(type_id: u32) -> Operation {
    match type_id {
        // Read, HistoryRead, Browse, BrowseNext, TranslateBrowsePaths,
        // Register/UnregisterNodes, Query*, subscriptions and monitored items, Publish.
        631 | 664 | 527 | 533 | 554 | 560 | 566 | 615 | 621 | 751 | 763 | 769 | 775 | 781 | 787
        | 793 | 799 | 826 | 832 | 841 | 847 => Operation::Read,
        // Write, HistoryUpdate, node management.
        673 | 700 | 488 | 494 | 500 | 506 => Operation::Write,
        // Call: the effect depends on the method; the method id is logged.
        712 => Operation::Other,
        // Secure channel and session management, server registration.
        446 | 452 | 461 | 467 | 473 | 479 | 437 | 12211 => Operation::Session,
        // Discovery.
        422 | 428 | 12208 => Operation::IdentityQuery,
        _ => Operation::Other,
    }
}
