// SPDX-License-Identifier: Apache-2.0
//! `modbus.log` records: one per transaction (request paired with its
//! response), following the field names of Zeek's `modbus.log` and ICSNPP's
//! `modbus_detailed.log` (`tid`, `unit`, `func`, `exception`, `address`,
//! `quantity`, `matched`, `request_subfunction_code`, `mei_type`).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{diagnostic_subfunction_name, ExceptionCode, FunctionCode};
use super::umas_gen::umas_function_name;
use super::wire::PduFields;
use serde::Serialize;

/// One `modbus.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModbusRecord {
    /// MBAP transaction identifier.
    pub tid: u16,
    /// MBAP unit identifier.
    pub unit: u8,
    /// Function code (exception bit cleared).
    pub function_code: u8,
    /// Function name in Zeek's spelling (`READ_HOLDING_REGISTERS`).
    pub func: &'static str,
    /// Exception code when the response was an exception.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception_code: Option<u8>,
    /// Exception name (`ILLEGAL_DATA_ADDRESS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<&'static str>,
    /// Starting address (read address for function 23).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<u16>,
    /// Quantity of coils or registers requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u16>,
    /// Write starting address (function 23).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_address: Option<u16>,
    /// Number of values the request wrote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_values_count: Option<u16>,
    /// Number of values the response returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_values_count: Option<u16>,
    /// Diagnostics (0x08) sub-function of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_subfunction_code: Option<u16>,
    /// Diagnostics sub-function name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_subfunction: Option<&'static str>,
    /// MEI type of function 43.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mei_type: Option<u8>,
    /// UMAS sub-function of function 90.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub umas_function_code: Option<u8>,
    /// UMAS sub-function name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub umas_function: Option<&'static str>,
    /// UMAS response status (0xFE OK, 0xFD error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub umas_status_code: Option<u8>,
    /// True when the request and the response were both seen.
    pub matched: bool,
}

/// Builds a record from a request and/or response; at least one is set.
pub fn build(
    tid: u16,
    unit: u8,
    function: FunctionCode,
    request: Option<&PduFields>,
    response: Option<&PduFields>,
) -> ModbusRecord {
    let req = request.copied().unwrap_or_default();
    let resp = response.copied().unwrap_or_default();
    let exception_code = resp.exception;
    let response_values_count = match (function, req.quantity, resp.values_count) {
        // Coil bytes are padded to 8 bits: the quantity asked says how many are real.
        (FunctionCode::ReadCoils | FunctionCode::ReadDiscreteInputs, Some(q), Some(v)) => {
            Some(q.min(v))
        }
        _ => resp.values_count,
    };
    let umas_function_code = req.umas_function;
    ModbusRecord {
        tid,
        unit,
        function_code: function.value(),
        func: function.name(),
        exception_code,
        exception: exception_code.map(|c| ExceptionCode::from_u8(c).name()),
        address: req.address.or(resp.address),
        quantity: req.quantity,
        write_address: req.write_address,
        request_values_count: req.values_count,
        response_values_count,
        request_subfunction_code: req.subfunction,
        request_subfunction: req.subfunction.and_then(diagnostic_subfunction_name),
        mei_type: req.mei_type.or(resp.mei_type),
        umas_function_code,
        umas_function: umas_function_code.and_then(umas_function_name),
        umas_status_code: resp.umas_function,
        matched: request.is_some() && response.is_some(),
    }
}
