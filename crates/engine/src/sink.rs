// SPDX-License-Identifier: Apache-2.0
//! The engine's [`ObservationSink`]: binds what parsers report to the packet
//! and flow being processed.

use std::fmt::Write as _;
use std::net::IpAddr;

use hashbrown::HashMap;
use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::ObservationSink;

/// Which packet and flow the parser is looking at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PacketCtx {
    pub file: u32,
    pub frame: u64,
    pub ts: i64,
    pub uid: u64,
    pub orig: (IpAddr, u16),
    pub resp: (IpAddr, u16),
}

/// A log line waiting for the final sort.
#[derive(Clone, Debug)]
pub(crate) struct LogLine {
    pub log: &'static str,
    pub file: u32,
    pub frame: u64,
    pub uid: u64,
    pub seq: u64,
    pub line: String,
}

/// An identity fact and where it came from.
#[derive(Clone, Debug)]
pub(crate) struct IdentitySeen {
    pub ip: IpAddr,
    pub fact: IdentityFact,
    pub file: u32,
    pub frame: u64,
    pub ts: i64,
}

/// What parsers reported, per worker.
#[derive(Default)]
pub(crate) struct Observations {
    pub operations: HashMap<(&'static str, Operation), u64>,
    pub identities: Vec<IdentitySeen>,
    pub anomalies: HashMap<(&'static str, &'static str), u64>,
    pub logs: Vec<LogLine>,
    pub log_seq: u64,
}

pub(crate) struct Sink<'a> {
    pub obs: &'a mut Observations,
    pub ctx: PacketCtx,
    pub logs_enabled: bool,
}

/// Zeek-style uid: `C` followed by base62 digits of the flow's hash.
pub fn zeek_uid(hash: u64) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(12);
    out.push('C');
    let mut h = hash;
    for _ in 0..11 {
        out.push(char::from(DIGITS[(h % 62) as usize]));
        h /= 62;
    }
    out
}

impl ObservationSink for Sink<'_> {
    fn operation(&mut self, protocol: &'static str, op: Operation) {
        *self.obs.operations.entry((protocol, op)).or_insert(0) += 1;
    }

    fn identity(&mut self, speaker: Side, fact: IdentityFact) {
        let ip = match speaker {
            Side::Client => self.ctx.orig.0,
            Side::Server => self.ctx.resp.0,
        };
        // Devices repeat their identity on every poll: keep one per host and
        // content (the first one, which is the earliest frame of this worker).
        if self.obs.identities.iter().any(|s| s.ip == ip && s.fact == fact) {
            return;
        }
        self.obs.identities.push(IdentitySeen {
            ip,
            fact,
            file: self.ctx.file,
            frame: self.ctx.frame,
            ts: self.ctx.ts,
        });
    }

    fn anomaly(&mut self, protocol: &'static str, name: &'static str) {
        *self.obs.anomalies.entry((protocol, name)).or_insert(0) += 1;
    }

    fn wants_records(&self) -> bool {
        self.logs_enabled
    }

    fn record(&mut self, log: &'static str, record: &dyn erased_serde::Serialize) {
        if !self.logs_enabled {
            return;
        }
        let body = match serde_json::to_string(record) {
            Ok(b) => b,
            Err(_) => {
                *self.obs.anomalies.entry(("engine", "unserialisable_record")).or_insert(0) += 1;
                return;
            }
        };
        let c = &self.ctx;
        let mut line = String::with_capacity(body.len() + 160);
        let ts = plantguard_model::Timestamp(c.ts).as_epoch_secs();
        let _ = write!(
            line,
            "{{\"ts\":{ts:.6},\"uid\":\"{}\",\"id.orig_h\":\"{}\",\"id.orig_p\":{},\"id.resp_h\":\"{}\",\"id.resp_p\":{}",
            zeek_uid(c.uid),
            c.orig.0,
            c.orig.1,
            c.resp.0,
            c.resp.1
        );
        // Splice the record's own fields after the envelope.
        match body.strip_prefix('{') {
            Some("}") => line.push('}'),
            Some(rest) => {
                line.push(',');
                line.push_str(rest);
            }
            None => {
                line.push_str(",\"value\":");
                line.push_str(&body);
                line.push('}');
            }
        }
        self.obs.log_seq += 1;
        self.obs.logs.push(LogLine {
            log,
            file: c.file,
            frame: c.frame,
            uid: c.uid,
            seq: self.obs.log_seq,
            line,
        });
    }
}
