// SPDX-License-Identifier: Apache-2.0
//! Per-flow IEC 60870-5-104 state: APDU framing and resync, sequence
//! checks, operations, roles, records.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{cot_name, type_id_name};
use super::record::Iec104Record;
use super::wire::{parse_apdu, parse_asdu, u_function_name, Apci, Apdu, ApduError, Asdu, APCI_LEN};
use super::{semantics, NAME};
use crate::api::{
    template_number, AbandonReason, Direction, FactTemplate, ObservationSink, Progress, Session,
    TemplateFacts,
};
use plantguard_model::{HostFact, IdentityFact, Side};

/// A station's role (`iec104_role`): the parameter is [`ROLE_CONTROLLING`]
/// or [`ROLE_CONTROLLED`].
pub static ROLE: FactTemplate = FactTemplate {
    name: "iec104_role",
    build: role_facts,
};

/// [`ROLE`]'s parameter for the controlling station (the client).
pub const ROLE_CONTROLLING: u64 = 0;
/// [`ROLE`]'s parameter for the controlled station (the server).
pub const ROLE_CONTROLLED: u64 = 1;

fn role_facts(param: &[u8]) -> TemplateFacts {
    let role = if template_number(param) == ROLE_CONTROLLING {
        "controlling_station"
    } else {
        "controlled_station"
    };
    let fact = HostFact::Attribute {
        key: "iec104_role".into(),
        value: role.into(),
    };
    (vec![fact], Vec::new())
}

/// A controlled station's identity: the parameter is the common address
/// its ASDUs carry.
pub static STATION: FactTemplate = FactTemplate {
    name: "iec104_station",
    build: station_facts,
};

fn station_facts(param: &[u8]) -> TemplateFacts {
    let common_address = template_number(param);
    let identity = IdentityFact {
        protocol: NAME.into(),
        device_type: Some("iec104_controlled_station".into()),
        extra: vec![(
            "iec104_common_address".into(),
            common_address.to_string().into(),
        )],
        ..IdentityFact::default()
    };
    (Vec::new(), vec![identity])
}

/// Consecutive invalid APDU headers tolerated before the flow is abandoned.
pub const MAX_CONSECUTIVE_ERRORS: u8 = 8;

#[derive(Debug, Default, Clone, Copy)]
struct DirState {
    resync: bool,
    /// Next expected N(S) of I frames sent this way.
    next_tx: Option<u16>,
}

/// IEC 60870-5-104 per-flow state. Holds no transactions: every APDU is
/// logged as it is decoded.
#[derive(Debug, Default)]
pub struct Iec104Session {
    dirs: [DirState; 2],
    consecutive_errors: u8,
    roles_reported: bool,
    /// Common address last reported for the controlled station.
    station_address: Option<u16>,
}

const fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

/// Offset of the first plausible APDU start in `input`: 0x68, a length of
/// 4..=253, and a control field consistent with it.
fn find_apdu(input: &[u8]) -> Option<usize> {
    let last = input.len().checked_sub(APCI_LEN)?;
    (0..=last).find(|&i| {
        let Some(rest) = input.get(i..) else {
            return false;
        };
        match parse_apdu(rest) {
            Ok((apdu, _)) => apdu_is_plausible(&apdu),
            Err(ApduError::Truncated { .. }) => true,
            Err(_) => false,
        }
    })
}

/// U frames must be one of the six functions; I frames must hold at least
/// a data unit identifier and one IOA.
pub fn apdu_is_plausible(apdu: &Apdu<'_>) -> bool {
    match apdu.apci {
        Apci::U { function } => u_function_name(function).is_some(),
        Apci::S { .. } => true,
        Apci::I { .. } => apdu.asdu.len() >= 6,
    }
}

fn record(dir: Direction, apdu: &Apdu<'_>, asdu: Option<&Asdu<'_>>) -> Iec104Record {
    let (tx, rx, u) = match apdu.apci {
        Apci::I { tx, rx } => (Some(tx), Some(rx), None),
        Apci::S { rx } => (None, Some(rx), None),
        Apci::U { function } => (
            None,
            None,
            Some(u_function_name(function).unwrap_or("unknown")),
        ),
    };
    let count = asdu.map(|a| u32::try_from(a.ioas().count()).unwrap_or(u32::MAX));
    Iec104Record {
        is_orig: dir == Direction::ToServer,
        apci_type: apdu.apci.type_name(),
        apci_tx: tx,
        apci_rx: rx,
        u_function: u,
        type_id: asdu.map(|a| a.type_id),
        type_name: asdu.map(|a| type_id_name(a.type_id).unwrap_or("unknown")),
        sequence: asdu.map(|a| a.sequence),
        num_objects: asdu.map(|a| a.num_objects),
        cot: asdu.map(|a| a.cot),
        cot_name: asdu.map(|a| cot_name(a.cot).unwrap_or("unknown")),
        negative: asdu.map(|a| a.negative),
        test: asdu.map(|a| a.test),
        originator_address: asdu.map(|a| a.originator),
        common_address: asdu.map(|a| a.common_address),
        ioa_first: asdu.and_then(|a| a.ioas().next()),
        ioa_count: count,
    }
}

impl Iec104Session {
    /// A new session.
    pub fn new() -> Self {
        Self::default()
    }

    fn report_roles(&mut self, out: &mut dyn ObservationSink) {
        if self.roles_reported {
            return;
        }
        self.roles_reported = true;
        out.templated_facts(Side::Client, &ROLE, &ROLE_CONTROLLING.to_le_bytes());
        out.templated_facts(Side::Server, &ROLE, &ROLE_CONTROLLED.to_le_bytes());
    }

    fn on_apdu(&mut self, dir: Direction, apdu: &Apdu<'_>, out: &mut dyn ObservationSink) {
        self.report_roles(out);
        let mut asdu_parsed = None;
        match apdu.apci {
            Apci::U { function } => {
                if let Some(op) = semantics::u_operation(function) {
                    out.operation(NAME, op);
                }
                if u_function_name(function).is_none() {
                    out.anomaly(NAME, "invalid_u_function");
                }
            }
            Apci::S { .. } => {}
            Apci::I { tx, .. } => {
                if let Some(state) = self.dirs.get_mut(dir_index(dir)) {
                    if state.next_tx.is_some_and(|n| n != tx) {
                        out.anomaly(NAME, "sequence_gap");
                    }
                    state.next_tx = Some(tx.wrapping_add(1) & 0x7FFF);
                }
                match parse_asdu(apdu.asdu) {
                    Ok(asdu) => {
                        if !asdu.length_is_consistent() {
                            out.anomaly(NAME, "asdu_length_mismatch");
                        }
                        if let Some(op) = semantics::operation(dir, &asdu) {
                            out.operation(NAME, op);
                        }
                        if dir == Direction::ToClient
                            && self.station_address != Some(asdu.common_address)
                        {
                            self.station_address = Some(asdu.common_address);
                            out.templated_facts(
                                Side::Server,
                                &STATION,
                                &asdu.common_address.to_le_bytes(),
                            );
                        }
                        asdu_parsed = Some(asdu);
                    }
                    Err(_) => out.anomaly(NAME, "truncated_asdu"),
                }
            }
        }
        if out.wants_records() {
            out.record(NAME, &record(dir, apdu, asdu_parsed.as_ref()));
        }
    }
}

impl Session for Iec104Session {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let d = dir_index(dir);
        let mut pos = 0usize;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if rest.is_empty() {
                return Progress::Done;
            }
            if self.dirs.get(d).is_some_and(|s| s.resync) {
                match find_apdu(rest) {
                    Some(off) => {
                        pos = pos.saturating_add(off);
                        if let Some(s) = self.dirs.get_mut(d) {
                            s.resync = false;
                        }
                        continue;
                    }
                    None => {
                        let keep = rest.len().min(APCI_LEN.saturating_sub(1));
                        return Progress::Incomplete {
                            consumed: pos.saturating_add(rest.len().saturating_sub(keep)),
                            needed: APCI_LEN.saturating_sub(keep),
                        };
                    }
                }
            }
            match parse_apdu(rest) {
                Ok((apdu, len)) => {
                    self.consecutive_errors = 0;
                    self.on_apdu(dir, &apdu, out);
                    pos = pos.saturating_add(len);
                }
                Err(ApduError::Truncated { needed }) => {
                    return Progress::Incomplete {
                        consumed: pos,
                        needed,
                    };
                }
                Err(_) => {
                    out.anomaly(NAME, "invalid_apci");
                    self.consecutive_errors = self.consecutive_errors.saturating_add(1);
                    if self.consecutive_errors > MAX_CONSECUTIVE_ERRORS {
                        return Progress::Abandon(AbandonReason::NotThisProtocol);
                    }
                    if let Some(s) = self.dirs.get_mut(d) {
                        s.resync = true;
                    }
                    pos = pos.saturating_add(1);
                }
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        if let Some(s) = self.dirs.get_mut(dir_index(dir)) {
            s.resync = true;
            s.next_tx = None;
        }
    }
}
