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
use crate::api::FactTemplate;
use plantguard_model::{HostFact, IdentityFact};

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
    Some(i_am_identity(
        instance,
        f.vendor_id,
        f.max_apdu,
        f.segmentation,
    ))
}

fn i_am_identity(
    instance: u32,
    vendor_id: Option<u32>,
    max_apdu: Option<u32>,
    segmentation: Option<u32>,
) -> IdentityFact {
    let mut fact = base();
    fact.vendor_id = vendor_id;
    fact.vendor = vendor_id
        .and_then(|v| u16::try_from(v).ok())
        .and_then(bacnet_vendor_name)
        .map(Into::into);
    fact.extra
        .push(("device_instance".into(), instance.to_string().into()));
    if let Some(m) = max_apdu {
        fact.extra.push(("max_apdu".into(), m.to_string().into()));
    }
    if let Some(s) = segmentation.and_then(segmentation_name) {
        fact.extra.push(("segmentation".into(), s.into()));
    }
    fact
}

/// The identity an I-Am announces, as a number (see [`i_am_param`]).
pub static I_AM: FactTemplate = FactTemplate {
    name: "bacnet_i_am",
    build: i_am_facts,
};

/// Bits of [`I_AM`]'s parameter: the device instance (22 bits), then the
/// vendor id and the max APDU, each a presence bit and 16 bits, then the
/// segmentation code plus one (0: none or unknown: it is not reported).
const INSTANCE_BITS: u32 = 22;
const VENDOR_AT: u32 = INSTANCE_BITS;
const MAX_APDU_AT: u32 = VENDOR_AT + 17;
const SEGMENTATION_AT: u32 = MAX_APDU_AT + 17;

/// [`I_AM`]'s parameter for an I-Am's fields, when it describes a device
/// and its values fit (a vendor id or max APDU above 65,535 does not: such
/// an I-Am is reported with [`from_i_am`]).
pub fn i_am_param(f: &ServiceFields<'_>) -> Option<u64> {
    let (ty, instance) = f.object?;
    if ty != OBJECT_DEVICE || instance >> INSTANCE_BITS != 0 {
        return None;
    }
    let optional = |v: Option<u32>| -> Option<u64> {
        match v {
            None => Some(0),
            Some(v) => u16::try_from(v).ok().map(|v| 1 | u64::from(v) << 1),
        }
    };
    let segmentation = match f.segmentation {
        Some(code) if segmentation_name(code).is_some() => u64::from(code).saturating_add(1),
        _ => 0,
    };
    Some(
        u64::from(instance)
            | optional(f.vendor_id)? << VENDOR_AT
            | optional(f.max_apdu)? << MAX_APDU_AT
            | segmentation << SEGMENTATION_AT,
    )
}

/// Builds [`I_AM`]'s identity.
fn i_am_facts(param: u64) -> (Vec<HostFact>, Option<IdentityFact>) {
    let field = |at: u32| (param >> at & 1 != 0).then(|| (param >> at >> 1 & 0xFFFF) as u32);
    let segmentation = match param >> SEGMENTATION_AT & 0x7 {
        0 => None,
        code => Some(code.saturating_sub(1) as u32),
    };
    let identity = i_am_identity(
        (param & ((1 << INSTANCE_BITS) - 1)) as u32,
        field(VENDOR_AT),
        field(MAX_APDU_AT),
        segmentation,
    );
    (Vec::new(), Some(identity))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_i_am_built_from_its_parameter_is_the_i_am_reported() {
        let mut checked = 0;
        for object in [
            (OBJECT_DEVICE, 0),
            (OBJECT_DEVICE, 260_001),
            (OBJECT_DEVICE, 0x3F_FFFF),
        ] {
            for vendor_id in [None, Some(0), Some(5), Some(65_535), Some(65_536)] {
                for max_apdu in [None, Some(50), Some(1476), Some(70_000)] {
                    for segmentation in [None, Some(0), Some(3), Some(4)] {
                        let f = ServiceFields {
                            object: Some(object),
                            vendor_id,
                            max_apdu,
                            segmentation,
                            ..ServiceFields::NONE
                        };
                        let direct = from_i_am(&f);
                        match i_am_param(&f) {
                            Some(param) => {
                                assert_eq!((I_AM.build)(param), (Vec::new(), direct), "{f:?}");
                                checked += 1;
                            }
                            // Only values that do not fit are left out.
                            None => assert!(
                                vendor_id > Some(65_535) || max_apdu > Some(65_535),
                                "{f:?}"
                            ),
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 3 * 4 * 3 * 4);
        // Not a device: no identity either way.
        let f = ServiceFields {
            object: Some((2, 7)),
            ..ServiceFields::NONE
        };
        assert_eq!((i_am_param(&f), from_i_am(&f)), (None, None));
    }
}
