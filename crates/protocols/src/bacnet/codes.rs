// SPDX-License-Identifier: Apache-2.0
//! Small BACnet code sets (names as `kb/protocols/bacnet_services.csv` and
//! ICSNPP spell them). The large sets (vendors, object types, property
//! identifiers) are generated: see `vendor_gen.rs`, `object_type_gen.rs`,
//! `property_gen.rs`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// BVLC function name (Annex J.2, Table J-1), ICSNPP spelling.
pub const fn bvlc_function_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0x00 => "BVLC_Result",
        0x01 => "Write_Broadcast_Table",
        0x02 => "Read_Broadcast_Table",
        0x03 => "Read_Broadcast_Table_ACK",
        0x04 => "Forwarded_NPDU",
        0x05 => "Register_Foreign_Device",
        0x06 => "Read_Foreign_Device_Table",
        0x07 => "Read_Foreign_Device_Table_ACK",
        0x08 => "Delete_Foreign_Device_Table_Entry",
        0x09 => "Distribute_Broadcast_to_Network",
        0x0A => "Original_Unicast_NPDU",
        0x0B => "Original_Broadcast_NPDU",
        0x0C => "Secure_BVLL",
        _ => return None,
    })
}

/// APDU type name (Clause 20.1), ICSNPP spelling.
pub const fn pdu_type_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "CONFIRMED_REQUEST",
        1 => "UNCONFIRMED_REQUEST",
        2 => "SIMPLE_ACK",
        3 => "COMPLEX_ACK",
        4 => "SEGMENT_ACK",
        5 => "ERROR_PDU",
        6 => "REJECT_PDU",
        7 => "ABORT_PDU",
        _ => return None,
    })
}

/// BACnetConfirmedServiceChoice (Clause 21).
pub const fn confirmed_service_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "acknowledge_alarm",
        1 => "confirmed_cov_notification",
        2 => "confirmed_event_notification",
        3 => "get_alarm_summary",
        4 => "get_enrollment_summary",
        5 => "subscribe_cov",
        6 => "atomic_read_file",
        7 => "atomic_write_file",
        8 => "add_list_element",
        9 => "remove_list_element",
        10 => "create_object",
        11 => "delete_object",
        12 => "read_property",
        13 => "read_property_conditional",
        14 => "read_property_multiple",
        15 => "write_property",
        16 => "write_property_multiple",
        17 => "device_communication_control",
        18 => "confirmed_private_transfer",
        19 => "confirmed_text_message",
        20 => "reinitialize_device",
        21 => "vt_open",
        22 => "vt_close",
        23 => "vt_data",
        24 => "authenticate",
        25 => "request_key",
        26 => "read_range",
        27 => "life_safety_operation",
        28 => "subscribe_cov_property",
        29 => "get_event_information",
        30 => "subscribe_cov_property_multiple",
        31 => "confirmed_cov_notification_multiple",
        _ => return None,
    })
}

/// BACnetUnconfirmedServiceChoice (Clause 21).
pub const fn unconfirmed_service_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "i_am",
        1 => "i_have",
        2 => "unconfirmed_cov_notification",
        3 => "unconfirmed_event_notification",
        4 => "unconfirmed_private_transfer",
        5 => "unconfirmed_text_message",
        6 => "time_synchronization",
        7 => "who_has",
        8 => "who_is",
        9 => "utc_time_synchronization",
        10 => "write_group",
        11 => "unconfirmed_cov_notification_multiple",
        13 => "who_am_i",
        14 => "you_are",
        _ => return None,
    })
}

/// Service name for a PDU type and service choice.
pub const fn service_name(pdu_type: u8, service: u8) -> Option<&'static str> {
    if pdu_type == 1 {
        unconfirmed_service_name(service)
    } else {
        confirmed_service_name(service)
    }
}

/// ReinitializeDevice reinitializedStateOfDevice (16.4.1.1.1).
pub const fn reinitialize_state_name(code: u32) -> Option<&'static str> {
    Some(match code {
        0 => "coldstart",
        1 => "warmstart",
        2 => "start_backup",
        3 => "end_backup",
        4 => "start_restore",
        5 => "end_restore",
        6 => "abort_restore",
        7 => "activate_changes",
        _ => return None,
    })
}

/// DeviceCommunicationControl enable-disable (16.1.1.1.2).
pub const fn dcc_state_name(code: u32) -> Option<&'static str> {
    Some(match code {
        0 => "enable",
        1 => "disable",
        2 => "disable_initiation",
        _ => return None,
    })
}

/// BACnetSegmentation (Clause 21).
pub const fn segmentation_name(code: u32) -> Option<&'static str> {
    Some(match code {
        0 => "segmented_both",
        1 => "segmented_transmit",
        2 => "segmented_receive",
        3 => "no_segmentation",
        _ => return None,
    })
}

/// Max-APDU-length-accepted code to octets (Clause 20.1.2.5).
pub const fn max_apdu_octets(code: u8) -> Option<u16> {
    Some(match code {
        0 => 50,
        1 => 128,
        2 => 206,
        3 => 480,
        4 => 1024,
        5 => 1476,
        _ => return None,
    })
}

/// Network-layer message type name (Clause 6.2.4).
pub const fn network_message_name(code: u8) -> &'static str {
    match code {
        0x00 => "who_is_router_to_network",
        0x01 => "i_am_router_to_network",
        0x02 => "i_could_be_router_to_network",
        0x03 => "reject_message_to_network",
        0x04 => "router_busy_to_network",
        0x05 => "router_available_to_network",
        0x06 => "initialize_routing_table",
        0x07 => "initialize_routing_table_ack",
        0x08 => "establish_connection_to_network",
        0x09 => "disconnect_connection_to_network",
        0x0A => "challenge_request",
        0x0B => "security_payload",
        0x0C => "security_response",
        0x0D => "request_key_update",
        0x0E => "update_key_set",
        0x0F => "update_distribution_key",
        0x10 => "request_master_key",
        0x11 => "set_master_key",
        0x12 => "what_is_network_number",
        0x13 => "network_number_is",
        0x80..=0xFF => "proprietary",
        _ => "unknown",
    }
}
