// SPDX-License-Identifier: Apache-2.0
//! Device identity from I-Am (device instance, vendor id, max APDU,
//! segmentation) and from ReadProperty-ACKs about a device object
//! (object-name, model-name, firmware-revision, application-software-version,
//! vendor-name, vendor-identifier, description, location).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::segmentation_name;
use super::vendor_gen::bacnet_vendor_name;
use super::wire::{char_string_text, PropertyValue, ServiceFields};
use plantguard_model::IdentityFact;

/// Object type 8: device.
pub const OBJECT_DEVICE: u16 = 8;

fn base() -> IdentityFact {
    IdentityFact {
        protocol: super::NAME.into(),
        ..IdentityFact::default()
    }
}

/// Identity announced by an I-Am.
pub fn from_i_am(f: &ServiceFields<'_>) -> Option<IdentityFact> {
    let (ty, instance) = f.object?;
    if ty != OBJECT_DEVICE {
        return None;
    }
    let mut fact = base();
    fact.vendor_id = f.vendor_id;
    fact.vendor = f
        .vendor_id
        .and_then(|v| u16::try_from(v).ok())
        .and_then(bacnet_vendor_name)
        .map(str::to_owned);
    fact.extra
        .push(("device_instance".into(), instance.to_string()));
    if let Some(m) = f.max_apdu {
        fact.extra.push(("max_apdu".into(), m.to_string()));
    }
    if let Some(s) = f.segmentation.and_then(segmentation_name) {
        fact.extra.push(("segmentation".into(), s.into()));
    }
    Some(fact)
}

fn text(v: &PropertyValue<'_>) -> Option<String> {
    match v {
        PropertyValue::CharString { encoding, bytes } => {
            let s = char_string_text(*encoding, bytes)?;
            let s = s.trim_end_matches('\0').trim().to_owned();
            (!s.is_empty()).then_some(s)
        }
        _ => None,
    }
}

/// True for the device-object properties that describe the device.
pub const fn is_identity_property(property: u32) -> bool {
    matches!(property, 12 | 28 | 44 | 58 | 70 | 77 | 120 | 121)
}

/// Identity carried by a ReadProperty-ACK on a device object.
pub fn from_read_property_ack(f: &ServiceFields<'_>) -> Option<IdentityFact> {
    let (ty, instance) = f.object?;
    let prop = f.property?;
    if ty != OBJECT_DEVICE || !is_identity_property(prop) {
        return None;
    }
    let v = f.value.as_ref()?;
    let mut fact = base();
    match prop {
        77 => fact.name = text(v),
        70 => fact.model = text(v),
        44 => fact.firmware = text(v),
        121 => fact.vendor = text(v),
        120 => {
            if let PropertyValue::Unsigned(id) = *v {
                fact.vendor_id = Some(id);
                fact.vendor = u16::try_from(id)
                    .ok()
                    .and_then(bacnet_vendor_name)
                    .map(str::to_owned);
            }
        }
        12 => {
            fact.extra
                .push(("application_software_version".into(), text(v)?));
        }
        28 => fact.extra.push(("description".into(), text(v)?)),
        58 => fact.extra.push(("location".into(), text(v)?)),
        _ => {}
    }
    if fact.name.is_none()
        && fact.model.is_none()
        && fact.firmware.is_none()
        && fact.vendor.is_none()
        && fact.vendor_id.is_none()
        && fact.extra.is_empty()
    {
        return None;
    }
    fact.extra
        .push(("device_instance".into(), instance.to_string()));
    Some(fact)
}
