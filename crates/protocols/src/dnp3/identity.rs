// SPDX-License-Identifier: Apache-2.0
//! Asset facts from DNP3: master/outstation roles with link addresses
//! (from the DIR bit, IEEE 1815-2012 §9.2.4.1.3.1) and device attributes
//! (group 0, §11.9.4 / Table 11-?): manufacturer (v252), product and model
//! (v250), serial number (v248), software (v242) and hardware (v243)
//! versions, device name (v247).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::objects::ObjectHeader;
use super::NAME;
use crate::api::{template_number, FactTemplate, TemplateFacts};
use plantguard_model::{HostFact, IdentityFact};

/// Role attribute: `master` or `outstation`.
pub fn role_fact(is_master: bool) -> HostFact {
    HostFact::Attribute {
        key: "dnp3_role".into(),
        value: if is_master { "master" } else { "outstation" }.into(),
    }
}

/// Link-address attribute.
pub fn address_fact(address: u16) -> HostFact {
    HostFact::Attribute {
        key: "dnp3_address".into(),
        value: address.to_string().into(),
    }
}

/// Identity of an outstation seen speaking from `address`.
pub fn outstation_identity(address: u16) -> IdentityFact {
    IdentityFact {
        protocol: NAME.into(),
        device_type: Some("dnp3_outstation".into()),
        extra: vec![
            ("dnp3_role".into(), "outstation".into()),
            ("dnp3_address".into(), address.to_string().into()),
        ],
        ..IdentityFact::default()
    }
}

/// A station's facts: its role and link address, and its identity when it
/// is an outstation; the parameter is [`station_param`].
pub static STATION: FactTemplate = FactTemplate {
    name: "dnp3_station",
    build: station_facts,
};

/// [`STATION`]'s parameter: the link address, and bit 16 set for a master.
pub fn station_param(is_master: bool, address: u16) -> u64 {
    u64::from(is_master) << 16 | u64::from(address)
}

/// Builds [`STATION`]'s facts.
fn station_facts(param: &[u8]) -> TemplateFacts {
    let param = template_number(param);
    let is_master = param & 1 << 16 != 0;
    let address = (param & 0xFFFF) as u16;
    let facts = vec![role_fact(is_master), address_fact(address)];
    let identity = (!is_master).then(|| outstation_identity(address));
    (facts, identity.into_iter().collect())
}

/// Merges the visible-string device attributes of a group-0 header into
/// `fact`; returns true when one was found. Each attribute is data type
/// (1 = visible string), length, value (Table 11-? "Device attributes").
pub fn merge_attributes(fact: &mut IdentityFact, header: &ObjectHeader<'_>) -> bool {
    if header.group != 0 {
        return false;
    }
    let prefix = match header.prefix_code() {
        1 => 1,
        2 => 2,
        3 => 4,
        _ => 0,
    };
    let mut rest = header.data;
    let mut found = false;
    while let Some([data_type, len, tail @ ..]) = rest.get(prefix..) {
        let Some(value) = tail.get(..usize::from(*len)) else {
            break;
        };
        rest = tail.get(usize::from(*len)..).unwrap_or_default();
        if *data_type != 1 {
            continue;
        }
        let text = String::from_utf8_lossy(value).trim().to_string();
        if text.is_empty() {
            continue;
        }
        let slot = match header.variation {
            252 => &mut fact.vendor,
            250 => &mut fact.product,
            248 => &mut fact.serial,
            242 => &mut fact.firmware,
            247 => &mut fact.name,
            243 => {
                fact.extra.push(("hardware_version".into(), text.into()));
                found = true;
                continue;
            }
            _ => continue,
        };
        *slot = Some(text.into());
        found = true;
    }
    found
}

#[cfg(test)]
mod text_tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn facts_repeated_on_every_connection_borrow_their_fixed_text() {
        // Every new DNP3 connection reports these again: text from a fixed
        // set is borrowed, not copied, and only the address is built.
        assert!(matches!(
            role_fact(false),
            HostFact::Attribute {
                key: Cow::Borrowed("dnp3_role"),
                value: Cow::Borrowed("outstation"),
            }
        ));
        assert!(matches!(
            address_fact(1024),
            HostFact::Attribute {
                key: Cow::Borrowed("dnp3_address"),
                value: Cow::Owned(v),
            } if v == "1024"
        ));
        let id = outstation_identity(7);
        assert!(matches!(id.protocol, Cow::Borrowed("dnp3")));
        assert!(matches!(
            id.device_type,
            Some(Cow::Borrowed("dnp3_outstation"))
        ));
        assert_eq!(id.extra.len(), 2);
        assert!(id.extra.iter().all(|(k, _)| matches!(k, Cow::Borrowed(_))));
    }
}
