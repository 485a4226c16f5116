// SPDX-License-Identifier: Apache-2.0
//! S7comm, COTP and S7comm-plus code sets.
//!
//! Small sets are hand-written enums with an `Unknown` variant; the SZL ids
//! and userdata subfunctions are generated from `kb/protocols/` (see
//! [`super::szl_gen`] and [`super::subfunction_gen`]). Names follow
//! Wireshark's `packet-s7comm.c` as mirrored in `kb/protocols/s7comm_codes.csv`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// COTP TPDU type: the high nibble of the second COTP byte (ISO 8073 §13.1, Table 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CotpType {
    /// 0x0E CR Connection Request
    ConnectionRequest,
    /// 0x0D CC Connection Confirm
    ConnectionConfirm,
    /// 0x08 DR Disconnect Request
    DisconnectRequest,
    /// 0x0C DC Disconnect Confirm
    DisconnectConfirm,
    /// 0x0F DT Data
    Data,
    /// 0x01 ED Expedited Data
    ExpeditedData,
    /// 0x06 AK Data Acknowledgement
    DataAck,
    /// 0x07 ER TPDU Error
    Error,
    /// 0x05 RJ Reject
    Reject,
    /// Any other nibble.
    Unknown(u8),
}

impl CotpType {
    /// From the high nibble of the TPDU code byte (`0xE0 >> 4`).
    pub const fn from_u8(code: u8) -> Self {
        match code {
            0x0E => Self::ConnectionRequest,
            0x0D => Self::ConnectionConfirm,
            0x08 => Self::DisconnectRequest,
            0x0C => Self::DisconnectConfirm,
            0x0F => Self::Data,
            0x01 => Self::ExpeditedData,
            0x06 => Self::DataAck,
            0x07 => Self::Error,
            0x05 => Self::Reject,
            other => Self::Unknown(other),
        }
    }

    /// The code (high nibble, as ICSNPP's `pdu_code`).
    pub const fn value(self) -> u8 {
        match self {
            Self::ConnectionRequest => 0x0E,
            Self::ConnectionConfirm => 0x0D,
            Self::DisconnectRequest => 0x08,
            Self::DisconnectConfirm => 0x0C,
            Self::Data => 0x0F,
            Self::ExpeditedData => 0x01,
            Self::DataAck => 0x06,
            Self::Error => 0x07,
            Self::Reject => 0x05,
            Self::Unknown(v) => v,
        }
    }

    /// snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ConnectionRequest => "connection_request",
            Self::ConnectionConfirm => "connection_confirm",
            Self::DisconnectRequest => "disconnect_request",
            Self::DisconnectConfirm => "disconnect_confirm",
            Self::Data => "data",
            Self::ExpeditedData => "expedited_data",
            Self::DataAck => "data_ack",
            Self::Error => "tpdu_error",
            Self::Reject => "reject",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// S7comm header ROSCTR (PDU type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rosctr {
    /// 0x01 Job request
    Job,
    /// 0x02 Ack (no data)
    Ack,
    /// 0x03 Ack with data (the response to a job)
    AckData,
    /// 0x07 Userdata (programming and cyclic services)
    Userdata,
    /// Any other value.
    Unknown(u8),
}

impl Rosctr {
    /// From the wire byte.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Job,
            2 => Self::Ack,
            3 => Self::AckData,
            7 => Self::Userdata,
            other => Self::Unknown(other),
        }
    }
    /// The wire byte.
    pub const fn value(self) -> u8 {
        match self {
            Self::Job => 1,
            Self::Ack => 2,
            Self::AckData => 3,
            Self::Userdata => 7,
            Self::Unknown(v) => v,
        }
    }
    /// snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Job => "job",
            Self::Ack => "ack",
            Self::AckData => "ack_data",
            Self::Userdata => "userdata",
            Self::Unknown(_) => "unknown",
        }
    }
    /// True when the header carries error class and code (ROSCTR 2 and 3).
    pub const fn has_error_fields(self) -> bool {
        matches!(self, Self::Ack | Self::AckData)
    }
}

/// Job / ack-data function code (first parameter byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobFunction {
    /// 0x00 CPU services
    CpuServices,
    /// 0x04 Read Var
    ReadVar,
    /// 0x05 Write Var
    WriteVar,
    /// 0x1A Request Download
    RequestDownload,
    /// 0x1B Download Block
    DownloadBlock,
    /// 0x1C Download Ended
    DownloadEnded,
    /// 0x1D Start Upload
    StartUpload,
    /// 0x1E Upload
    Upload,
    /// 0x1F End Upload
    EndUpload,
    /// 0x28 PI Service (PLC control)
    PiService,
    /// 0x29 PLC Stop
    PlcStop,
    /// 0xF0 Setup Communication
    SetupCommunication,
    /// Any other value.
    Unknown(u8),
}

impl JobFunction {
    /// From the wire byte.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0x00 => Self::CpuServices,
            0x04 => Self::ReadVar,
            0x05 => Self::WriteVar,
            0x1A => Self::RequestDownload,
            0x1B => Self::DownloadBlock,
            0x1C => Self::DownloadEnded,
            0x1D => Self::StartUpload,
            0x1E => Self::Upload,
            0x1F => Self::EndUpload,
            0x28 => Self::PiService,
            0x29 => Self::PlcStop,
            0xF0 => Self::SetupCommunication,
            other => Self::Unknown(other),
        }
    }
    /// The wire byte.
    pub const fn value(self) -> u8 {
        match self {
            Self::CpuServices => 0x00,
            Self::ReadVar => 0x04,
            Self::WriteVar => 0x05,
            Self::RequestDownload => 0x1A,
            Self::DownloadBlock => 0x1B,
            Self::DownloadEnded => 0x1C,
            Self::StartUpload => 0x1D,
            Self::Upload => 0x1E,
            Self::EndUpload => 0x1F,
            Self::PiService => 0x28,
            Self::PlcStop => 0x29,
            Self::SetupCommunication => 0xF0,
            Self::Unknown(v) => v,
        }
    }
    /// snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::CpuServices => "cpu_services",
            Self::ReadVar => "read_var",
            Self::WriteVar => "write_var",
            Self::RequestDownload => "request_download",
            Self::DownloadBlock => "download_block",
            Self::DownloadEnded => "download_ended",
            Self::StartUpload => "start_upload",
            Self::Upload => "upload",
            Self::EndUpload => "end_upload",
            Self::PiService => "pi_service",
            Self::PlcStop => "plc_stop",
            Self::SetupCommunication => "setup_communication",
            Self::Unknown(_) => "unknown",
        }
    }
    /// True for the functions whose parameters carry a block file name and session id.
    pub const fn is_block_transfer(self) -> bool {
        matches!(
            self,
            Self::RequestDownload
                | Self::DownloadBlock
                | Self::DownloadEnded
                | Self::StartUpload
                | Self::Upload
                | Self::EndUpload
        )
    }
}

/// Userdata function group (low nibble of the type/group byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserdataGroup {
    /// 0x0 Mode transition
    ModeTransition,
    /// 0x1 Programmer commands
    ProgrammerCommands,
    /// 0x2 Cyclic services
    CyclicServices,
    /// 0x3 Block functions
    BlockFunctions,
    /// 0x4 CPU functions
    CpuFunctions,
    /// 0x5 Security
    Security,
    /// 0x6 PBC BSEND/BRECV
    Pbc,
    /// 0x7 Time functions
    TimeFunctions,
    /// 0xF NC programming
    NcProgramming,
    /// Any other nibble.
    Unknown(u8),
}

impl UserdataGroup {
    /// From the low nibble.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0x0 => Self::ModeTransition,
            0x1 => Self::ProgrammerCommands,
            0x2 => Self::CyclicServices,
            0x3 => Self::BlockFunctions,
            0x4 => Self::CpuFunctions,
            0x5 => Self::Security,
            0x6 => Self::Pbc,
            0x7 => Self::TimeFunctions,
            0xF => Self::NcProgramming,
            other => Self::Unknown(other),
        }
    }
    /// The nibble.
    pub const fn value(self) -> u8 {
        match self {
            Self::ModeTransition => 0x0,
            Self::ProgrammerCommands => 0x1,
            Self::CyclicServices => 0x2,
            Self::BlockFunctions => 0x3,
            Self::CpuFunctions => 0x4,
            Self::Security => 0x5,
            Self::Pbc => 0x6,
            Self::TimeFunctions => 0x7,
            Self::NcProgramming => 0xF,
            Self::Unknown(v) => v,
        }
    }
    /// snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ModeTransition => "mode_transition",
            Self::ProgrammerCommands => "programmer_commands",
            Self::CyclicServices => "cyclic_services",
            Self::BlockFunctions => "block_functions",
            Self::CpuFunctions => "cpu_functions",
            Self::Security => "security",
            Self::Pbc => "pbc_bsend_brecv",
            Self::TimeFunctions => "time_functions",
            Self::NcProgramming => "nc_programming",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// Userdata type (high nibble of the type/group byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserdataKind {
    /// 0x0 Push (unsolicited, from the PLC)
    Push,
    /// 0x4 Request
    Request,
    /// 0x8 Response
    Response,
    /// Any other nibble.
    Unknown(u8),
}

impl UserdataKind {
    /// From the high nibble.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0x0 => Self::Push,
            0x4 => Self::Request,
            0x8 => Self::Response,
            other => Self::Unknown(other),
        }
    }
    /// snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Push => "push",
            Self::Request => "request",
            Self::Response => "response",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// Memory area of an S7ANY item address.
pub const fn area_name(area: u8) -> &'static str {
    match area {
        0x03 => "system_info",
        0x05 => "system_flags",
        0x06 => "analog_inputs_200",
        0x07 => "analog_outputs_200",
        0x1C => "counters",
        0x1D => "timers",
        0x1E => "iec_counters",
        0x1F => "iec_timers",
        0x80 => "direct_peripheral_access",
        0x81 => "inputs",
        0x82 => "outputs",
        0x83 => "flags",
        0x84 => "data_blocks",
        0x85 => "instance_data_blocks",
        0x86 => "local_data",
        0x87 => "previous_local_data",
        _ => "unknown",
    }
}

/// Transport size of an S7ANY item (Wireshark `item_transportsizenames`).
pub const fn transport_size_name(ts: u8) -> &'static str {
    match ts {
        0x01 => "bit",
        0x02 => "byte",
        0x03 => "char",
        0x04 => "word",
        0x05 => "int",
        0x06 => "dword",
        0x07 => "dint",
        0x08 => "real",
        0x09 => "date",
        0x0A => "tod",
        0x0B => "time",
        0x0C => "s5time",
        0x0F => "date_and_time",
        0x1C => "counter",
        0x1D => "timer",
        0x1E => "iec_timer",
        0x1F => "iec_counter",
        0x20 => "hs_counter",
        _ => "unknown",
    }
}

/// Header error class of ack / ack-data PDUs.
pub const fn error_class_name(class: u8) -> &'static str {
    match class {
        0x00 => "no_error",
        0x81 => "application_relationship",
        0x82 => "object_definition",
        0x83 => "no_resources_available",
        0x84 => "error_on_service_processing",
        0x85 => "error_on_supplies",
        0x87 => "access_error",
        _ => "unknown",
    }
}

/// Data item return code (read responses, userdata data).
pub const fn return_code_name(code: u8) -> &'static str {
    match code {
        0x00 => "reserved",
        0x01 => "hardware_error",
        0x03 => "accessing_object_not_allowed",
        0x05 => "invalid_address",
        0x06 => "data_type_not_supported",
        0x07 => "data_type_inconsistent",
        0x0A => "object_does_not_exist",
        0xFF => "success",
        _ => "unknown",
    }
}

/// Block type from the two ASCII characters of a block file name (`"0A"` = DB).
pub const fn block_type_name(code: [u8; 2]) -> &'static str {
    match &code {
        b"08" => "ob",
        b"0A" => "db",
        b"0B" => "sdb",
        b"0C" => "fc",
        b"0D" => "sfc",
        b"0E" => "fb",
        b"0F" => "sfb",
        _ => "unknown",
    }
}

/// Destination file system letter of a block file name.
pub const fn filesystem_name(fs: u8) -> &'static str {
    match fs {
        b'P' => "passive",
        b'A' => "active",
        b'B' => "active_and_passive",
        _ => "unknown",
    }
}

/// A PI (program invocation) service name, as sent in PI Service and PLC Stop jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PiService {
    /// `_INSE`: activate (insert) a block in the PLC.
    Insert,
    /// `_INS2`: activate a block (variant).
    Insert2,
    /// `_DELE`: delete a block from the passive file system.
    Delete,
    /// `P_PROGRAM`: start/stop the PLC program (run control).
    Program,
    /// `_MODU`: copy RAM to ROM.
    CopyRamToRom,
    /// `_GARB`: compress memory.
    Compress,
    /// `_N_*`: a SINUMERIK NC service (see `kb/protocols/s7comm_pi_services.csv`).
    NcService,
    /// Anything else.
    Unknown,
}

impl PiService {
    /// Recognises the service name bytes.
    pub fn from_name(name: &[u8]) -> Self {
        match name {
            b"_INSE" => Self::Insert,
            b"_INS2" => Self::Insert2,
            b"_DELE" => Self::Delete,
            b"P_PROGRAM" => Self::Program,
            b"_MODU" => Self::CopyRamToRom,
            b"_GARB" => Self::Compress,
            n if n.starts_with(b"_N_") => Self::NcService,
            _ => Self::Unknown,
        }
    }
    /// The service name as sent (or a class name for NC / unknown services).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Insert => "_INSE",
            Self::Insert2 => "_INS2",
            Self::Delete => "_DELE",
            Self::Program => "P_PROGRAM",
            Self::CopyRamToRom => "_MODU",
            Self::Compress => "_GARB",
            Self::NcService => "nc_service",
            Self::Unknown => "unknown",
        }
    }
}

/// S7comm-plus opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlusOpcode {
    /// 0x31 Request
    Request,
    /// 0x32 Response
    Response,
    /// 0x33 Notification
    Notification,
    /// 0x3A Response (second form)
    Response2,
    /// Any other value.
    Unknown(u8),
}

impl PlusOpcode {
    /// From the wire byte.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0x31 => Self::Request,
            0x32 => Self::Response,
            0x33 => Self::Notification,
            0x3A => Self::Response2,
            other => Self::Unknown(other),
        }
    }
    /// The wire byte.
    pub const fn value(self) -> u8 {
        match self {
            Self::Request => 0x31,
            Self::Response => 0x32,
            Self::Notification => 0x33,
            Self::Response2 => 0x3A,
            Self::Unknown(v) => v,
        }
    }
    /// snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
            Self::Notification => "notification",
            Self::Response2 => "response2",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// S7comm-plus function code name (Wireshark `packet-s7comm_plus.c` names).
pub const fn plus_function_name(code: u16) -> &'static str {
    match code {
        0x04B1 => "error",
        0x04BB => "explore",
        0x04CA => "create_object",
        0x04D4 => "delete_object",
        0x04F2 => "set_variable",
        0x04FC => "get_variable",
        0x0506 => "add_link",
        0x051A => "remove_link",
        0x0524 => "get_link",
        0x0542 => "set_multi_variables",
        0x054C => "get_multi_variables",
        0x0556 => "begin_sequence",
        0x0560 => "end_sequence",
        0x056B => "invoke",
        0x057C => "set_var_sub_streamed",
        0x0586 => "get_var_sub_streamed",
        0x0590 => "get_variables_address",
        0x059A => "abort",
        0x05A9 => "error2",
        0x05B3 => "init_ssl",
        _ => "unknown",
    }
}
