// SPDX-License-Identifier: Apache-2.0
//! EtherNet/IP encapsulation commands, CPF item types, CIP services and
//! general status codes. Large tables (vendors, device types, classes) are
//! generated into `*_gen.rs` from `kb/protocols/cip_*.csv`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// Encapsulation command (ODVA Vol 2 §2-3.2, Table 2-3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// 0x0000 NOP
    Nop,
    /// 0x0004 ListServices
    ListServices,
    /// 0x0063 ListIdentity
    ListIdentity,
    /// 0x0064 ListInterfaces
    ListInterfaces,
    /// 0x0065 RegisterSession
    RegisterSession,
    /// 0x0066 UnRegisterSession
    UnRegisterSession,
    /// 0x006F SendRRData (unconnected messaging)
    SendRrData,
    /// 0x0070 SendUnitData (connected messaging)
    SendUnitData,
    /// 0x0072 IndicateStatus
    IndicateStatus,
    /// 0x0073 Cancel
    Cancel,
    /// Any other value.
    Unknown(u16),
}

impl Command {
    /// Decodes a command.
    pub const fn from_u16(v: u16) -> Self {
        match v {
            0x0000 => Self::Nop,
            0x0004 => Self::ListServices,
            0x0063 => Self::ListIdentity,
            0x0064 => Self::ListInterfaces,
            0x0065 => Self::RegisterSession,
            0x0066 => Self::UnRegisterSession,
            0x006F => Self::SendRrData,
            0x0070 => Self::SendUnitData,
            0x0072 => Self::IndicateStatus,
            0x0073 => Self::Cancel,
            other => Self::Unknown(other),
        }
    }

    /// The numeric command.
    pub const fn value(self) -> u16 {
        match self {
            Self::Nop => 0x0000,
            Self::ListServices => 0x0004,
            Self::ListIdentity => 0x0063,
            Self::ListInterfaces => 0x0064,
            Self::RegisterSession => 0x0065,
            Self::UnRegisterSession => 0x0066,
            Self::SendRrData => 0x006F,
            Self::SendUnitData => 0x0070,
            Self::IndicateStatus => 0x0072,
            Self::Cancel => 0x0073,
            Self::Unknown(v) => v,
        }
    }

    /// snake_case name (`send_rr_data`), `unknown` otherwise.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Nop => "nop",
            Self::ListServices => "list_services",
            Self::ListIdentity => "list_identity",
            Self::ListInterfaces => "list_interfaces",
            Self::RegisterSession => "register_session",
            Self::UnRegisterSession => "unregister_session",
            Self::SendRrData => "send_rr_data",
            Self::SendUnitData => "send_unit_data",
            Self::IndicateStatus => "indicate_status",
            Self::Cancel => "cancel",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// Encapsulation status name (ODVA Vol 2 §2-3.3, Table 2-3.3).
pub const fn encap_status_name(v: u32) -> &'static str {
    match v {
        0x0000 => "success",
        0x0001 => "invalid_or_unsupported_command",
        0x0002 => "insufficient_memory",
        0x0003 => "incorrect_data",
        0x0064 => "invalid_session_handle",
        0x0065 => "invalid_length",
        0x0069 => "unsupported_protocol_revision",
        _ => "unknown",
    }
}

/// CPF item type ids (ODVA Vol 2 §2-6.3, Table 2-6.3).
pub mod item {
    /// 0x0000 Null address item (unconnected messages)
    pub const NULL_ADDRESS: u16 = 0x0000;
    /// 0x000C CIP Identity item (ListIdentity response)
    pub const CIP_IDENTITY: u16 = 0x000C;
    /// 0x00A1 Connected address item (connection id)
    pub const CONNECTED_ADDRESS: u16 = 0x00A1;
    /// 0x00B1 Connected data item (sequence count + CIP message, or I/O data)
    pub const CONNECTED_DATA: u16 = 0x00B1;
    /// 0x00B2 Unconnected data item (CIP message)
    pub const UNCONNECTED_DATA: u16 = 0x00B2;
    /// 0x0100 ListServices response item
    pub const LIST_SERVICES: u16 = 0x0100;
    /// 0x8000 Sockaddr info, originator to target
    pub const SOCKADDR_O_T: u16 = 0x8000;
    /// 0x8001 Sockaddr info, target to originator
    pub const SOCKADDR_T_O: u16 = 0x8001;
    /// 0x8002 Sequenced address item (connection id + sequence number)
    pub const SEQUENCED_ADDRESS: u16 = 0x8002;
}

/// CIP service codes this crate gives a meaning to (CIP Vol 1 Appendix A,
/// Table; Logix services from Rockwell 1756-PM020).
pub mod service {
    /// 0x01 Get Attributes All
    pub const GET_ATTRIBUTES_ALL: u8 = 0x01;
    /// 0x02 Set Attributes All
    pub const SET_ATTRIBUTES_ALL: u8 = 0x02;
    /// 0x03 Get Attribute List
    pub const GET_ATTRIBUTE_LIST: u8 = 0x03;
    /// 0x04 Set Attribute List
    pub const SET_ATTRIBUTE_LIST: u8 = 0x04;
    /// 0x05 Reset
    pub const RESET: u8 = 0x05;
    /// 0x06 Start
    pub const START: u8 = 0x06;
    /// 0x07 Stop
    pub const STOP: u8 = 0x07;
    /// 0x0A Multiple Service Packet
    pub const MULTIPLE_SERVICE_PACKET: u8 = 0x0A;
    /// 0x0E Get Attribute Single
    pub const GET_ATTRIBUTE_SINGLE: u8 = 0x0E;
    /// 0x10 Set Attribute Single
    pub const SET_ATTRIBUTE_SINGLE: u8 = 0x10;
    /// 0x4C Read Tag (Logix, symbolic path)
    pub const READ_TAG: u8 = 0x4C;
    /// 0x4D Write Tag (Logix, symbolic path)
    pub const WRITE_TAG: u8 = 0x4D;
    /// 0x4E Forward Close (Connection Manager) / Read Modify Write Tag (Logix)
    pub const FORWARD_CLOSE: u8 = 0x4E;
    /// 0x52 Unconnected Send (Connection Manager) / Read Tag Fragmented (Logix)
    pub const UNCONNECTED_SEND: u8 = 0x52;
    /// 0x53 Write Tag Fragmented (Logix)
    pub const WRITE_TAG_FRAGMENTED: u8 = 0x53;
    /// 0x54 Forward Open (Connection Manager)
    pub const FORWARD_OPEN: u8 = 0x54;
    /// 0x5B Large Forward Open (Connection Manager)
    pub const LARGE_FORWARD_OPEN: u8 = 0x5B;
}

/// CIP class ids this crate gives a meaning to (CIP Vol 1 Chapter 5).
pub mod class {
    /// 0x01 Identity
    pub const IDENTITY: u32 = 0x01;
    /// 0x02 Message Router
    pub const MESSAGE_ROUTER: u32 = 0x02;
    /// 0x06 Connection Manager
    pub const CONNECTION_MANAGER: u32 = 0x06;
    /// 0x37 File
    pub const FILE: u32 = 0x37;
    /// 0x6B Symbol (Logix)
    pub const SYMBOL: u32 = 0x6B;
    /// 0x8E Logix controller object (start/stop/lock services seen in the corpus)
    pub const CONTROLLER: u32 = 0x8E;
}

/// Name of a CIP service, given the kind of path it targets (services
/// 0x4B-0x63 are object-specific: CIP Vol 1 §4-9.7).
pub const fn service_name(code: u8, class: Option<u32>, symbolic: bool) -> &'static str {
    let cm = matches!(class, Some(class::CONNECTION_MANAGER));
    match code {
        0x01 => "get_attributes_all",
        0x02 => "set_attributes_all",
        0x03 => "get_attribute_list",
        0x04 => "set_attribute_list",
        0x05 => "reset",
        0x06 => "start",
        0x07 => "stop",
        0x08 => "create",
        0x09 => "delete",
        0x0A => "multiple_service_packet",
        0x0D => "apply_attributes",
        0x0E => "get_attribute_single",
        0x10 => "set_attribute_single",
        0x11 => "find_next_object_instance",
        0x14 => "error_response",
        0x15 => "restore",
        0x16 => "save",
        0x17 => "nop",
        0x18 => "get_member",
        0x19 => "set_member",
        0x1A => "insert_member",
        0x1B => "remove_member",
        0x1C => "group_sync",
        0x4B if !cm => "execute_pccc",
        0x4C if symbolic => "read_tag",
        0x4D if symbolic => "write_tag",
        0x4E if cm => "forward_close",
        0x4E if symbolic => "read_modify_write_tag",
        0x52 if cm => "unconnected_send",
        0x52 if symbolic => "read_tag_fragmented",
        0x53 if symbolic => "write_tag_fragmented",
        0x54 if cm => "forward_open",
        0x55 if symbolic || matches!(class, Some(class::SYMBOL)) => "get_instance_attribute_list",
        0x56 if cm => "get_connection_data",
        0x57 if cm => "search_connection_data",
        0x5A if cm => "get_connection_owner",
        0x5B if cm => "large_forward_open",
        _ => "unknown",
    }
}

/// CIP general status name (CIP Vol 1 Appendix B, Table B-1.1).
pub const fn general_status_name(v: u8) -> &'static str {
    match v {
        0x00 => "success",
        0x01 => "connection_failure",
        0x02 => "resource_unavailable",
        0x03 => "invalid_parameter_value",
        0x04 => "path_segment_error",
        0x05 => "path_destination_unknown",
        0x06 => "partial_transfer",
        0x07 => "connection_lost",
        0x08 => "service_not_supported",
        0x09 => "invalid_attribute_value",
        0x0A => "attribute_list_error",
        0x0B => "already_in_requested_mode",
        0x0C => "object_state_conflict",
        0x0D => "object_already_exists",
        0x0E => "attribute_not_settable",
        0x0F => "privilege_violation",
        0x10 => "device_state_conflict",
        0x11 => "reply_data_too_large",
        0x12 => "fragmentation_of_a_primitive_value",
        0x13 => "not_enough_data",
        0x14 => "attribute_not_supported",
        0x15 => "too_much_data",
        0x16 => "object_does_not_exist",
        0x17 => "service_fragmentation_sequence_not_in_progress",
        0x18 => "no_stored_attribute_data",
        0x19 => "store_operation_failure",
        0x1A => "routing_failure_request_too_large",
        0x1B => "routing_failure_response_too_large",
        0x1C => "missing_attribute_list_entry_data",
        0x1D => "invalid_attribute_value_list",
        0x1E => "embedded_service_error",
        0x1F => "vendor_specific_error",
        0x20 => "invalid_parameter",
        0x21 => "write_once_value_or_medium_already_written",
        0x22 => "invalid_reply_received",
        0x25 => "key_failure_in_path",
        0x26 => "path_size_invalid",
        0x27 => "unexpected_attribute_in_list",
        0x28 => "invalid_member_id",
        0x29 => "member_not_settable",
        0x2A => "group_2_only_server_general_failure",
        0x2B => "unknown_modbus_error",
        0x2C => "attribute_not_gettable",
        _ => "unknown",
    }
}
