// SPDX-License-Identifier: Apache-2.0
//! Asset facts from Read Device Identification (0x2B / MEI 0x0E) responses
//! (MODBUS Application Protocol V1.1b3 §6.21, Table "Device identification categories").
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::wire::DeviceIdResponse;
use plantguard_model::IdentityFact;

/// 0x00 VendorName
pub const OBJ_VENDOR_NAME: u8 = 0x00;
/// 0x01 ProductCode
pub const OBJ_PRODUCT_CODE: u8 = 0x01;
/// 0x02 MajorMinorRevision
pub const OBJ_REVISION: u8 = 0x02;
/// 0x03 VendorUrl
pub const OBJ_VENDOR_URL: u8 = 0x03;
/// 0x04 ProductName
pub const OBJ_PRODUCT_NAME: u8 = 0x04;
/// 0x05 ModelName
pub const OBJ_MODEL_NAME: u8 = 0x05;
/// 0x06 UserApplicationName
pub const OBJ_USER_APPLICATION_NAME: u8 = 0x06;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches('\0')
        .trim()
        .to_string()
}

/// Adds the objects of one response to `fact` (objects split over several
/// responses with "more follows" accumulate into the same fact).
pub fn merge_objects(fact: &mut IdentityFact, response: &DeviceIdResponse<'_>) {
    for (id, value) in response.iter() {
        let value = text(value);
        if value.is_empty() {
            continue;
        }
        match id {
            OBJ_VENDOR_NAME => fact.vendor = Some(value.into()),
            OBJ_PRODUCT_CODE => fact.model = Some(value.into()),
            OBJ_REVISION => fact.firmware = Some(value.into()),
            OBJ_VENDOR_URL => fact.extra.push(("vendor_url".into(), value.into())),
            OBJ_PRODUCT_NAME => fact.product = Some(value.into()),
            OBJ_MODEL_NAME => fact.extra.push(("model_name".into(), value.into())),
            OBJ_USER_APPLICATION_NAME => fact.name = Some(value.into()),
            other => fact
                .extra
                .push((format!("object_{other:#04x}").into(), value.into())),
        }
    }
}

/// A fresh fact for the `modbus` protocol.
pub fn new_fact() -> IdentityFact {
    IdentityFact {
        protocol: "modbus".into(),
        ..IdentityFact::default()
    }
}
