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
use super::wire::{char_string_text, parse_service, PropertyValue, ServiceFields};
use crate::api::FactTemplate;
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
        .map(Into::into);
    fact.extra
        .push(("device_instance".into(), instance.to_string().into()));
    if let Some(m) = f.max_apdu {
        fact.extra.push(("max_apdu".into(), m.to_string().into()));
    }
    if let Some(s) = f.segmentation.and_then(segmentation_name) {
        fact.extra.push(("segmentation".into(), s.into()));
    }
    Some(fact)
}

/// The identity an I-Am announces: the parameter is the I-Am's service
/// bytes (the APDU after its header).
pub static I_AM: FactTemplate = FactTemplate {
    name: "bacnet_i_am",
    build: |body| {
        let identity = from_i_am(&parse_service(1, 0, body));
        (Vec::new(), identity.into_iter().collect())
    },
};

/// The identity a ReadProperty-ACK about a device's identity property
/// carries: the parameter is the ACK's service bytes.
pub static READ_PROPERTY_ACK: FactTemplate = FactTemplate {
    name: "bacnet_read_property_ack",
    build: |body| {
        let identity = from_read_property_ack(&parse_service(3, 12, body));
        (Vec::new(), identity.into_iter().collect())
    },
};

/// The identities a ReadPropertyMultiple-ACK about device objects carries:
/// the parameter is the ACK's service bytes.
pub static READ_PROPERTY_MULTIPLE_ACK: FactTemplate = FactTemplate {
    name: "bacnet_read_property_multiple_ack",
    build: |body| (Vec::new(), walk_rpm_ack(body)),
};

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

/// True when a ReadProperty-ACK reads an identity property of a device
/// object: the only answers [`from_read_property_ack`] makes a fact of.
pub fn is_identity_answer(f: &ServiceFields<'_>) -> bool {
    matches!(
        (f.object, f.property),
        (Some((OBJECT_DEVICE, _)), Some(p)) if is_identity_property(p)
    )
}

/// Identity carried by a ReadProperty-ACK on a device object.
pub fn from_read_property_ack(f: &ServiceFields<'_>) -> Option<IdentityFact> {
    let mut fact = base();
    add_property(&mut fact, f.object?, f.property?, f.value.as_ref()?)?;
    Some(fact)
}

/// Identity carried by a ReadPropertyMultiple-ACK: one fact per device
/// object whose identity properties were read.
pub fn from_rpm_ack(body: &[u8]) -> Vec<IdentityFact> {
    // Most ReadPropertyMultiple answers are about points (analog inputs,
    // binary values), not the device: skip the tag walk unless the bytes
    // hold a device object identifier at all.
    if !may_name_a_device(body) {
        return Vec::new();
    }
    walk_rpm_ack(body)
}

/// Whether `body` contains the encoding of a context-tag-0 object identifier
/// of a device object (`0x0C`, then object type 8 in the upper ten bits: the
/// next byte is `0x02` and the one after has its two high bits clear).
/// A false match only costs the full walk; no device identifier is missed,
/// since every one is encoded this way.
pub fn may_name_a_device(body: &[u8]) -> bool {
    body.windows(3)
        .any(|w| matches!(w, [0x0C, 0x02, b] if b & 0xC0 == 0))
}

/// [`may_name_a_device`] for a ReadProperty-ACK. Its object identifier is
/// its first element (Clause 15.5.1.3.1: context tag 0, then the property)
/// and the decoder keeps the first one it meets, so when the answer starts
/// with one, its first three octets decide; every present-value answer is
/// settled there instead of by a scan of the whole answer. Other answers
/// (malformed ones: the decoder still looks further) get the scan.
pub fn read_property_ack_may_name_a_device(body: &[u8]) -> bool {
    match body {
        [0x0C, b1, b2, ..] => *b1 == 0x02 && b2 & 0xC0 == 0,
        _ => may_name_a_device(body),
    }
}

/// The full walk of [`from_rpm_ack`], without its prefilter.
pub(crate) fn walk_rpm_ack(body: &[u8]) -> Vec<IdentityFact> {
    let mut facts: Vec<((u16, u32), IdentityFact)> = Vec::new();
    super::wire::for_each_rpm_ack_value(body, |object, prop, v| {
        if object.0 != OBJECT_DEVICE || !is_identity_property(prop) || facts.len() > 16 {
            return;
        }
        let i = match facts.iter().position(|(o, _)| *o == object) {
            Some(i) => i,
            None => {
                facts.push((object, base()));
                facts.len().saturating_sub(1)
            }
        };
        if let Some((_, fact)) = facts.get_mut(i) {
            let _ = add_property(fact, object, prop, &v);
        }
    });
    facts
        .into_iter()
        .map(|(_, f)| f)
        .filter(|f| f.extra.iter().any(|(k, _)| k == "device_instance"))
        .collect()
}

/// Adds one device property to `fact`; `None` when it carries nothing.
fn add_property(
    fact: &mut IdentityFact,
    (ty, instance): (u16, u32),
    prop: u32,
    v: &PropertyValue<'_>,
) -> Option<()> {
    if ty != OBJECT_DEVICE || !is_identity_property(prop) {
        return None;
    }
    match (prop, v) {
        (120, PropertyValue::Unsigned(id)) => {
            fact.vendor_id = Some(*id);
            if fact.vendor.is_none() {
                fact.vendor = u16::try_from(*id)
                    .ok()
                    .and_then(bacnet_vendor_name)
                    .map(Into::into);
            }
        }
        _ => {
            let t = text(v)?;
            match prop {
                77 => fact.name = Some(t.into()),
                70 => fact.model = Some(t.into()),
                44 => fact.firmware = Some(t.into()),
                121 => fact.vendor = Some(t.into()),
                12 => fact
                    .extra
                    .push(("application_software_version".into(), t.into())),
                28 => fact.extra.push(("description".into(), t.into())),
                58 => fact.extra.push(("location".into(), t.into())),
                _ => return None,
            }
        }
    }
    if !fact.extra.iter().any(|(k, _)| k == "device_instance") {
        fact.extra
            .push(("device_instance".into(), instance.to_string().into()));
    }
    Some(())
}
