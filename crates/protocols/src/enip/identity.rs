// SPDX-License-Identifier: Apache-2.0
//! Asset facts from ListIdentity replies (CIP Identity item 0x0C).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::device_type_gen::cip_device_type_name;
use super::vendor_gen::cip_vendor_name;
use super::wire::IdentityItem;
use plantguard_model::{IdentityFact, Text};

/// Builds the identity fact a ListIdentity reply carries.
pub fn fact(item: &IdentityItem<'_>) -> IdentityFact {
    let product = String::from_utf8_lossy(item.product_name)
        .trim()
        .to_string();
    let [a, b, c, d] = item.socket_address;
    let mut extra: Vec<(Text, Text)> = vec![
        ("product_code".into(), item.product_code.to_string().into()),
        (
            "device_status".into(),
            format!("{:#06x}", item.status).into(),
        ),
        (
            "socket_address".into(),
            format!("{a}.{b}.{c}.{d}:{}", item.socket_port).into(),
        ),
    ];
    if item.state != 0xFF {
        extra.push(("state".into(), format!("{:#04x}", item.state).into()));
    }
    IdentityFact {
        protocol: "enip".into(),
        vendor: cip_vendor_name(item.vendor_id).map(Into::into),
        vendor_id: Some(u32::from(item.vendor_id)),
        product: (!product.is_empty()).then_some(product.into()),
        model: Some(item.product_code.to_string().into()),
        device_type: Some(cip_device_type_name(item.device_type).map_or_else(
            || format!("device_type_{}", item.device_type).into(),
            Into::into,
        )),
        firmware: Some(format!("{}.{}", item.revision_major, item.revision_minor).into()),
        serial: Some(format!("{:#010x}", item.serial_number).into()),
        name: None,
        extra,
    }
}
