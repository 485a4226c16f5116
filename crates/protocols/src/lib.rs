// SPDX-License-Identifier: Apache-2.0
//! Application-protocol parsers.
//!
//! Each protocol lives in its own module (`modbus/`, `enip/`, ...) built on
//! the contract in [`api`]: a strict [`api::ProbeFn`] that recognises the
//! protocol from the first bytes of a flow, and a lenient [`api::Session`]
//! fed the reassembled, in-order bytes of each direction. Sessions report
//! what they see through an [`api::ObservationSink`]: operations, identity
//! facts, anomalies and (when logs are enabled) Zeek-style log records.
//!
//! Parsers never see the flow table: the engine owns flows and hands each
//! session only bytes and a direction.
#![deny(missing_docs)]

pub mod api;
pub mod bacnet;
pub mod dhcp;
pub mod dnp3;
pub mod dns;
pub mod enip;
pub mod ftp;
pub mod goose;
pub mod http;
pub mod iec104;
pub mod longtail;
pub mod modbus;
pub mod netbios;
pub mod once;
pub mod opcua;
pub mod profinet;
pub mod queue;
pub mod rdp;
pub mod registry;
pub mod remote;
pub mod rfb;
pub mod s7comm;
pub mod smb;
pub mod snmp;
pub mod ssh;
pub mod telnet;
pub mod tls;

pub use api::{
    template_number, AbandonReason, Direction, FactTemplate, L2ProtocolInfo, ObservationSink,
    Probe, Progress, ProtocolInfo, Session, TemplateFacts, Transport,
};
