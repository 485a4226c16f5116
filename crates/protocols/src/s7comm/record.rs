// SPDX-License-Identifier: Apache-2.0
//! Log records: `s7comm.log` (one line per job/userdata transaction),
//! `cotp.log` (one line per COTP connection-management TPDU) and
//! `s7comm_plus.log` (one line per S7comm-plus message).
//!
//! Field names reuse CISA ICSNPP's (`rosctr_code`, `pdu_reference`,
//! `function_code`, `subfunction_code`, `error_class`, `error_code`,
//! `szl_id`, `szl_index`, `block_type`, `block_number`, ...); codes are
//! integers followed by their snake_case name (STYLE.md §3).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{
    area_name, block_type_name, error_class_name, filesystem_name, return_code_name,
    transport_size_name, Rosctr,
};
use super::session::{RequestInfo, ResponseInfo};
use super::subfunction_gen::userdata_subfunction_name;
use super::szl_gen::szl_list_name;
use super::wire::{Setup, VarItem};
use serde::Serialize;

/// One Read/Write Var item address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemRecord {
    /// Syntax id (0x10 = S7ANY).
    pub syntax_id: u8,
    /// Memory area code (S7ANY only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_code: Option<u8>,
    /// Memory area name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<&'static str>,
    /// DB number (data blocks only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db: Option<u16>,
    /// Byte address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte: Option<u32>,
    /// Bit address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit: Option<u8>,
    /// Transport size code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_size_code: Option<u8>,
    /// Transport size name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_size: Option<&'static str>,
    /// Element count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u16>,
}

impl From<VarItem> for ItemRecord {
    fn from(item: VarItem) -> Self {
        match item {
            VarItem::Any {
                transport_size,
                count,
                db,
                area,
                byte,
                bit,
            } => ItemRecord {
                syntax_id: 0x10,
                area_code: Some(area),
                area: Some(area_name(area)),
                db: (area == 0x84 || area == 0x85).then_some(db),
                byte: Some(byte),
                bit: Some(bit),
                transport_size_code: Some(transport_size),
                transport_size: Some(transport_size_name(transport_size)),
                count: Some(count),
            },
            VarItem::Other { syntax_id } => ItemRecord {
                syntax_id,
                area_code: None,
                area: None,
                db: None,
                byte: None,
                bit: None,
                transport_size_code: None,
                transport_size: None,
                count: None,
            },
        }
    }
}

/// One `s7comm.log` line: a request and its response (either may be missing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct S7commRecord {
    /// ROSCTR of the request (1 job, 7 userdata), or of the response when unpaired.
    pub rosctr_code: u8,
    /// ROSCTR name.
    pub rosctr_name: &'static str,
    /// PDU reference.
    pub pdu_reference: u16,
    /// Job function code, or the userdata type/group byte (ICSNPP).
    pub function_code: u8,
    /// Function (or userdata group) name.
    pub function_name: &'static str,
    /// Userdata subfunction code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subfunction_code: Option<u8>,
    /// Userdata subfunction name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subfunction_name: Option<String>,
    /// Neutral operation of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'static str>,
    /// Response ROSCTR (2 ack, 3 ack-data, 7 userdata).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_rosctr_code: Option<u8>,
    /// Header error class of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_class: Option<u8>,
    /// Error class name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_class_name: Option<&'static str>,
    /// Header error code of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u8>,
    /// Userdata parameter error code of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userdata_error_code: Option<u16>,
    /// Return code of the first data item of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_code: Option<u8>,
    /// Return code name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_code_name: Option<&'static str>,
    /// Number of Read/Write Var items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_count: Option<u8>,
    /// The first items (at most [`super::session::MAX_LOGGED_ITEMS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemRecord>,
    /// SZL id of a Read SZL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub szl_id: Option<u16>,
    /// SZL list name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub szl_id_name: Option<&'static str>,
    /// SZL index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub szl_index: Option<u16>,
    /// Block file name as sent (`_0A00001P`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Block type letters (`0A`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_type_code: Option<String>,
    /// Block type name (`db`, `ob`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_type: Option<&'static str>,
    /// Block number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_number: Option<u32>,
    /// Destination file system (`active`, `passive`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_filesystem: Option<&'static str>,
    /// Upload/download session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<u32>,
    /// Block length announced by a Start Upload response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocklength: Option<u32>,
    /// PI service name (`_INSE`, `_DELE`, `P_PROGRAM`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pi_service: Option<&'static str>,
    /// Setup Communication: max parallel jobs, calling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_amq_calling: Option<u16>,
    /// Setup Communication: max parallel jobs, called.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_amq_called: Option<u16>,
    /// Setup Communication: PDU size (the response's negotiated value when present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdu_length: Option<u16>,
    /// Security group: a password was supplied (the password itself is never logged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_supplied: Option<bool>,
    /// Userdata follow-up request for the next fragment of a response.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub continuation: bool,
    /// False when the request got no response before it was evicted or flushed.
    pub answered: bool,
}

fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

fn apply_setup(r: &mut S7commRecord, s: Setup) {
    r.max_amq_calling = Some(s.max_amq_calling);
    r.max_amq_called = Some(s.max_amq_called);
    r.pdu_length = Some(s.pdu_length);
}

/// Builds an `s7comm.log` line from a request (with its logged items) and its response.
pub fn build(
    req: Option<(&RequestInfo, &[ItemRecord])>,
    resp: Option<&ResponseInfo>,
) -> S7commRecord {
    let mut r = S7commRecord::default();
    if let Some((q, items)) = req {
        r.rosctr_code = q.rosctr.value();
        r.rosctr_name = q.rosctr.name();
        r.pdu_reference = q.pdu_ref;
        r.function_code = q.function;
        r.function_name = q.function_name;
        r.subfunction_code = q.subfunction;
        if let (Some(g), Some(s)) = (q.group, q.subfunction) {
            let key = u16::from_be_bytes([g.value(), s]);
            r.subfunction_name =
                Some(userdata_subfunction_name(key).map_or_else(|| "unknown".to_owned(), snake));
        }
        r.operation = Some(q.op.name());
        r.item_count = q.item_count;
        r.items = items.to_vec();
        if let Some((id, index)) = q.szl {
            r.szl_id = Some(id);
            r.szl_index = Some(index);
        }
        if let Some(name) = q.filename.as_ref() {
            r.filename = Some(String::from_utf8_lossy(name.as_bytes()).into_owned());
        }
        if let Some(b) = q.block {
            r.block_type_code = Some(String::from_utf8_lossy(&b.block_type).into_owned());
            r.block_type = Some(block_type_name(b.block_type));
            r.block_number = Some(b.number);
            r.destination_filesystem = Some(filesystem_name(b.filesystem));
        }
        r.session_id = q.session_id;
        r.pi_service = q.pi.map(|p| p.name());
        if let Some(s) = q.setup {
            apply_setup(&mut r, s);
        }
        r.password_supplied = q.password_supplied.then_some(true);
        r.continuation = q.continuation;
    }
    if let Some(p) = resp {
        if req.is_none() {
            r.rosctr_code = p.rosctr.value();
            r.rosctr_name = p.rosctr.name();
            r.pdu_reference = p.pdu_ref;
            r.function_code = p.function;
            r.function_name = p.function_name;
        }
        r.answered = true;
        r.response_rosctr_code = Some(p.rosctr.value());
        r.error_class = p.error_class;
        r.error_class_name = p.error_class.map(error_class_name);
        r.error_code = p.error_code;
        r.userdata_error_code = p.userdata_error;
        r.return_code = p.return_code;
        r.return_code_name = p.return_code.map(return_code_name);
        if let Some(s) = p.setup {
            apply_setup(&mut r, s);
        }
        if p.session_id.is_some() {
            r.session_id = p.session_id;
        }
        r.blocklength = p.block_length;
        if r.szl_id.is_none() {
            if let Some((id, index)) = p.szl {
                r.szl_id = Some(id);
                r.szl_index = Some(index);
            }
        }
    }
    r.szl_id_name = r.szl_id.and_then(|id| szl_list_name((id & 0xFF) as u8));
    if matches!(Rosctr::from_u8(r.rosctr_code), Rosctr::Unknown(_)) && r.rosctr_name.is_empty() {
        r.rosctr_name = "unknown";
    }
    r
}

/// One `cotp.log` line (connection management TPDUs only; DT TPDUs are not logged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CotpRecord {
    /// Sent by the originator.
    pub is_orig: bool,
    /// TPDU code (high nibble: 0x0E CR, 0x0D CC, 0x08 DR, 0x0C DC, 0x07 ER).
    pub pdu_code: u8,
    /// TPDU name.
    pub pdu_name: &'static str,
    /// Calling (source) TSAP, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calling_tsap: Option<String>,
    /// Called (destination) TSAP, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub called_tsap: Option<String>,
    /// Connection type from the called TSAP (`pg`, `op`, `s7_basic`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<&'static str>,
    /// Rack from the called TSAP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rack: Option<u8>,
    /// Slot from the called TSAP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<u8>,
    /// TPDU size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpdu_size: Option<u32>,
    /// Disconnect reason (DR) or reject cause (ER).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<u8>,
}

/// Hex spelling of TSAP bytes (`0102`), or the text when it is printable ASCII.
pub fn tsap_text(tsap: &[u8]) -> String {
    if tsap.len() > 2 && tsap.iter().all(|b| b.is_ascii_graphic()) {
        return String::from_utf8_lossy(tsap).into_owned();
    }
    tsap.iter().map(|b| format!("{b:02x}")).collect()
}

/// One `s7comm_plus.log` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S7PlusRecord {
    /// Sent by the originator.
    pub is_orig: bool,
    /// Protocol version.
    pub version: u8,
    /// Opcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opcode: Option<u8>,
    /// Opcode name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opcode_name: Option<&'static str>,
    /// Function code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_code: Option<u16>,
    /// Function name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_name: Option<&'static str>,
    /// Sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u16>,
}
