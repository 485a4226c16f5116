// SPDX-License-Identifier: Apache-2.0
//! Every protocol PlantGuard can parse, in probing order.

use crate::api::ProtocolInfo;

/// All registered protocols. Protocols with strict magic values come first.
pub static PROTOCOLS: &[&ProtocolInfo] = &[
    &crate::modbus::INFO,
    &crate::enip::INFO,
    &crate::s7comm::INFO,
    &crate::opcua::INFO,
];

/// Looks a protocol up by name.
pub fn by_name(name: &str) -> Option<&'static ProtocolInfo> {
    PROTOCOLS.iter().copied().find(|p| p.name == name)
}
