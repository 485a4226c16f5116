// SPDX-License-Identifier: Apache-2.0
//! The engine's [`ObservationSink`]: binds what parsers report to the packet
//! and flow being processed.

use std::fmt::Write as _;
use std::net::IpAddr;

use hashbrown::HashMap;

use crate::fact_table::{EncodeKey, FactTable, KeyEncoder};
use plantguard_model::{HostFact, IdentityFact, Operation, Side};
#[cfg(test)]
use plantguard_protocols::TemplateFacts;
use plantguard_protocols::{FactTemplate, ObservationSink};

/// One end of the flow (or frame) the parser is looking at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct End {
    pub ip: Option<IpAddr>,
    pub port: u16,
    pub mac: Option<[u8; 6]>,
}

impl End {
    /// The host this end designates: its IP when it has one, else its MAC.
    /// An unspecified address (a DHCP client still without a lease sends
    /// from 0.0.0.0) designates nobody: the MAC does.
    pub fn host(&self) -> HostKey {
        let ip = self.ip.filter(|ip| !ip.is_unspecified());
        HostKey {
            ip,
            mac: if ip.is_some() { None } else { self.mac },
        }
    }
}

/// A host as facts are bound to it: by IP, or by MAC for layer-2-only frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct HostKey {
    pub ip: Option<IpAddr>,
    pub mac: Option<[u8; 6]>,
}

/// Which packet and flow the parser is looking at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PacketCtx<'k> {
    pub file: u32,
    pub frame: u64,
    pub ts: i64,
    pub uid: u64,
    pub ends: Ends<'k>,
}

/// The two ends of what the parser is looking at. Every packet builds a
/// context but few need its ends (facts, log lines), so a flow's ends are
/// worked out from its key only when asked.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ends<'k> {
    /// A flow: its key, which end originated it, and the MAC of each side
    /// (originator first).
    Flow {
        key: &'k plantguard_wire::FlowKey,
        orig_is_lo: bool,
        macs: [Option<[u8; 6]>; 2],
    },
    /// A layer-2 frame: source and destination MAC.
    Frame {
        src: Option<[u8; 6]>,
        dst: Option<[u8; 6]>,
    },
}

impl Ends<'_> {
    /// The originator's end (the frame's source).
    pub fn orig(&self) -> End {
        self.end(true)
    }

    /// The responder's end (the frame's destination).
    pub fn resp(&self) -> End {
        self.end(false)
    }

    fn end(&self, orig: bool) -> End {
        match *self {
            Ends::Flow {
                key,
                orig_is_lo,
                macs,
            } => {
                let (o, r) = key.ends(orig_is_lo);
                let (ip, port) = if orig { o } else { r };
                End {
                    ip: Some(ip),
                    port,
                    mac: macs[usize::from(!orig)],
                }
            }
            Ends::Frame { src, dst } => End {
                ip: None,
                port: 0,
                mac: if orig { src } else { dst },
            },
        }
    }
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

/// Where a fact was first seen.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SeenAt {
    pub file: u32,
    pub frame: u64,
    pub ts: i64,
}

/// Bytes of a host fact's key encoding kept in its table slot (a slot is
/// then two cache lines): an IPv4 host with a role or an address (about 30
/// bytes, read from the first line only) or a TCP SYN signature (about 80)
/// fits whole. With 40 (one line) the signatures' last bytes waited in
/// their entries, a second and third miss for every SYN: slower overall.
const HOST_FACT_HEAD: usize = 104;

/// The same for identities: a DNP3 outstation's or an IEC 104 station's
/// identity (about 75 bytes) fits whole.
const IDENTITY_HEAD: usize = 104;

/// The same for templated facts: an IPv4 host with its MAC, a template
/// name and a number (about 40 bytes, a DNP3 or IEC 104 station: read from
/// the slot's first line) or a BACnet device's answer (up to about 100)
/// fit whole.
const TEMPLATED_HEAD: usize = 104;

impl HostKey {
    fn encode(&self, out: &mut KeyEncoder) {
        match self.ip {
            None => out.byte(0),
            Some(IpAddr::V4(a)) => {
                out.byte(4);
                out.raw(&a.octets());
            }
            Some(IpAddr::V6(a)) => {
                out.byte(6);
                out.raw(&a.octets());
            }
        }
        match self.mac {
            None => out.byte(0),
            Some(m) => {
                out.byte(1);
                out.raw(&m);
            }
        }
    }
}

impl EncodeKey for (HostKey, HostFact) {
    fn encode(&self, out: &mut KeyEncoder) {
        self.0.encode(out);
        encode_host_fact(&self.1, out);
    }
}

impl EncodeKey for (HostKey, IdentityFact) {
    fn encode(&self, out: &mut KeyEncoder) {
        self.0.encode(out);
        encode_identity(&self.1, out);
    }
}

/// A host fact's encoding, without its host.
fn encode_host_fact(fact: &HostFact, out: &mut KeyEncoder) {
    match fact {
        HostFact::Name { name, source } => out.tagged_texts(0, &[name, source]),
        HostFact::Domain { name, source } => out.tagged_texts(1, &[name, source]),
        HostFact::Os {
            name,
            version,
            source,
        } => {
            out.tagged_texts(2, &[name]);
            out.opt_text(version.as_ref());
            out.text(source);
        }
        HostFact::Software { role, banner } => out.tagged_texts(3, &[role, banner]),
        HostFact::Credential {
            service,
            username,
            secret,
            accepted,
        } => {
            out.tagged_texts(4, &[service, username, secret]);
            out.byte(match accepted {
                None => 0,
                Some(false) => 1,
                Some(true) => 2,
            });
        }
        HostFact::Lookup { name, source } => out.tagged_texts(5, &[name, source]),
        HostFact::Attribute { key, value } => out.tagged_texts(6, &[key, value]),
    }
}

/// An identity's encoding, without its host.
fn encode_identity(f: &IdentityFact, out: &mut KeyEncoder) {
    out.text(&f.protocol);
    out.opt_text(f.vendor.as_ref());
    match f.vendor_id {
        None => out.byte(0),
        Some(id) => {
            out.byte(1);
            out.number(u64::from(id));
        }
    }
    out.opt_text(f.product.as_ref());
    out.opt_text(f.model.as_ref());
    out.opt_text(f.device_type.as_ref());
    out.opt_text(f.firmware.as_ref());
    out.opt_text(f.serial.as_ref());
    out.opt_text(f.name.as_ref());
    out.number(f.extra.len() as u64);
    for (k, v) in &f.extra {
        out.text(k);
        out.text(v);
    }
}

/// A template and its parameter as a parser reported them about a host
/// ([`ObservationSink::templated_facts`]): counted as they are, built into
/// host facts and identities when the workers' results merge.
#[derive(Clone, Debug)]
pub(crate) struct TemplatedFacts {
    pub host: HostKey,
    pub template: &'static FactTemplate,
    pub param: Box<[u8]>,
}

/// [`TemplatedFacts`] as reported, its parameter borrowed from the packet:
/// what the table looks up (the parameter is copied only when new).
struct TemplatedFactsRef<'a> {
    host: HostKey,
    template: &'static FactTemplate,
    param: &'a [u8],
}

impl EncodeKey for TemplatedFactsRef<'_> {
    fn encode(&self, out: &mut KeyEncoder) {
        self.host.encode(out);
        out.text(self.template.name);
        out.prefixed(self.param);
    }
}

/// The same encoding, owned or borrowed.
impl EncodeKey for TemplatedFacts {
    fn encode(&self, out: &mut KeyEncoder) {
        TemplatedFactsRef {
            host: self.host,
            template: self.template,
            param: &self.param,
        }
        .encode(out);
    }
}

impl TemplatedFactsRef<'_> {
    fn to_owned(&self) -> TemplatedFacts {
        TemplatedFacts {
            host: self.host,
            template: self.template,
            param: self.param.into(),
        }
    }
}

/// What parsers reported, per worker.
#[derive(Default)]
pub(crate) struct Observations {
    pub operations: HashMap<(&'static str, Operation), u64>,
    /// Identity facts per host, with the first frame that carried them.
    pub identities: FactTable<(HostKey, IdentityFact), SeenAt, IDENTITY_HEAD>,
    /// Host facts per host, with the first frame and how often they were seen.
    pub host_facts: FactTable<(HostKey, HostFact), SeenAt, HOST_FACT_HEAD>,
    /// Templated facts, counted by template and parameter.
    pub templated: FactTable<TemplatedFacts, SeenAt, TEMPLATED_HEAD>,
    pub anomalies: HashMap<(&'static str, &'static str), u64>,
    pub logs: Vec<LogLine>,
    pub log_seq: u64,
    /// Bytes of log text held in `logs`.
    pub log_bytes: usize,
    /// Sorted runs of log lines already written to disk.
    pub log_runs: Vec<std::path::PathBuf>,
}

pub(crate) struct Sink<'a> {
    pub obs: &'a mut Observations,
    pub ctx: PacketCtx<'a>,
    pub logs_enabled: bool,
    /// The current flow's operation counts (none for layer-2 frames).
    pub flow_ops: Option<crate::flow::FlowOps<'a>>,
    /// Parsers allowed to claim flows (`None`: all).
    pub enabled: Option<&'a [&'static str]>,
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

impl Sink<'_> {
    fn end(&self, side: Side) -> End {
        match side {
            Side::Client => self.ctx.ends.orig(),
            Side::Server => self.ctx.ends.resp(),
        }
    }

    fn seen_at(&self) -> SeenAt {
        SeenAt {
            file: self.ctx.file,
            frame: self.ctx.frame,
            ts: self.ctx.ts,
        }
    }

    /// Counts an operation (per flow, folded into the per-protocol totals
    /// when the flow ends; per protocol for layer-2 frames) and logs it when
    /// logs are on.
    #[inline(never)]
    fn count_operation(&mut self, protocol: &'static str, op: Operation) {
        match self.flow_ops.as_mut() {
            Some(ops) => ops.add(protocol, op),
            None => *self.obs.operations.entry((protocol, op)).or_insert(0) += 1,
        }
        if self.logs_enabled {
            self.log_operation(protocol, op);
        }
    }

    /// Writes an `operations.log` line: every operation of every protocol in
    /// one neutral log, the raw material of detections and timelines. Out
    /// of line: the count of every operation stays a short call.
    #[inline(never)]
    fn log_operation(&mut self, protocol: &'static str, op: Operation) {
        #[derive(serde::Serialize)]
        struct OperationRecord {
            protocol: &'static str,
            operation: &'static str,
            state_changing: bool,
        }
        let rec = OperationRecord {
            protocol,
            operation: op.name(),
            state_changing: op.is_state_changing(),
        };
        self.record("operations", &rec);
    }
}

impl ObservationSink for Sink<'_> {
    fn operation(&mut self, protocol: &'static str, op: Operation) {
        // The hot case, a flow repeating an operation it already counted
        // with no log to write, stays a leaf function (no registers saved).
        if !self.logs_enabled {
            if let Some(ops) = self.flow_ops.as_mut() {
                if ops.bump(protocol, op) {
                    return;
                }
            }
        }
        self.count_operation(protocol, op);
    }

    fn identity(&mut self, speaker: Side, fact: IdentityFact) {
        let host = self.end(speaker).host();
        // Devices repeat their identity on every poll: keep the first frame.
        let at = self.seen_at();
        self.obs.identities.report((host, fact), at);
    }

    fn host_fact(&mut self, subject: Side, fact: HostFact) {
        let host = self.end(subject).host();
        let at = self.seen_at();
        self.obs.host_facts.report((host, fact), at);
    }

    fn templated_facts(&mut self, subject: Side, template: &'static FactTemplate, param: &[u8]) {
        let key = TemplatedFactsRef {
            host: self.end(subject).host(),
            template,
            param,
        };
        let at = self.seen_at();
        self.obs
            .templated
            .report_borrowed(&key, TemplatedFactsRef::to_owned, at);
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
                *self
                    .obs
                    .anomalies
                    .entry(("engine", "unserialisable_record"))
                    .or_insert(0) += 1;
                return;
            }
        };
        let c = &self.ctx;
        let (orig, resp) = (c.ends.orig(), c.ends.resp());
        let mut line = String::with_capacity(body.len() + 160);
        let ts = plantguard_model::Timestamp(c.ts).as_epoch_secs();
        match (orig.ip, resp.ip) {
            (Some(oh), Some(rh)) => {
                let _ = write!(
                    line,
                    "{{\"ts\":{ts:.6},\"uid\":\"{}\",\"id.orig_h\":\"{oh}\",\"id.orig_p\":{},\"id.resp_h\":\"{rh}\",\"id.resp_p\":{}",
                    zeek_uid(c.uid),
                    orig.port,
                    resp.port
                );
            }
            _ => {
                // Layer-2 frames: no IP ends; name the MACs instead.
                let mac = |m: Option<[u8; 6]>| m.map(crate::result::mac_string).unwrap_or_default();
                let _ = write!(
                    line,
                    "{{\"ts\":{ts:.6},\"src_mac\":\"{}\",\"dst_mac\":\"{}\"",
                    mac(orig.mac),
                    mac(resp.mac)
                );
            }
        }
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
        self.obs.log_bytes += line.len();
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

#[cfg(test)]
mod tests {
    use super::*;
    use plantguard_model::Text;

    fn encoded<K: EncodeKey>(key: &K) -> Vec<u8> {
        let mut e = KeyEncoder::default();
        key.encode(&mut e);
        e.into_bytes()
    }

    fn owned(s: &str) -> Text {
        Text::Owned(s.to_string())
    }

    /// Hosts and facts that differ in one part each (variant, text,
    /// boundary between texts, an option set or not).
    fn distinct_keys() -> Vec<(HostKey, HostFact)> {
        let v4 = HostKey {
            ip: Some("10.0.0.1".parse().unwrap()),
            mac: None,
        };
        let v6 = HostKey {
            ip: Some("::ffff:10.0.0.1".parse().unwrap()),
            mac: None,
        };
        let l2 = HostKey {
            ip: None,
            mac: Some([0, 0x30, 0xA7, 1, 2, 3]),
        };
        let facts = vec![
            HostFact::Attribute {
                key: "dnp3_role".into(),
                value: "master".into(),
            },
            HostFact::Attribute {
                key: "dnp3_rol".into(),
                value: "emaster".into(),
            },
            HostFact::Attribute {
                key: "dnp3_address".into(),
                value: owned("1024"),
            },
            HostFact::Name {
                name: "plc1".into(),
                source: "dns".into(),
            },
            HostFact::Domain {
                name: "plc1".into(),
                source: "dns".into(),
            },
            HostFact::Lookup {
                name: "plc1".into(),
                source: "dns".into(),
            },
            HostFact::Os {
                name: "Windows XP".into(),
                version: None,
                source: "smb".into(),
            },
            HostFact::Os {
                name: "Windows XP".into(),
                version: Some("".into()),
                source: "smb".into(),
            },
            HostFact::Software {
                role: "http_server".into(),
                banner: owned(&"x".repeat(300)),
            },
            HostFact::Credential {
                service: "ftp".into(),
                username: "admin".into(),
                secret: owned("admin"),
                accepted: None,
            },
            HostFact::Credential {
                service: "ftp".into(),
                username: "admin".into(),
                secret: owned("admin"),
                accepted: Some(false),
            },
            HostFact::Credential {
                service: "ftp".into(),
                username: "admin".into(),
                secret: owned("admin"),
                accepted: Some(true),
            },
        ];
        let mut keys = Vec::new();
        for host in [v4, v6, l2] {
            for f in &facts {
                keys.push((host, f.clone()));
            }
        }
        keys
    }

    #[test]
    fn host_fact_encodings_are_equal_exactly_when_the_facts_are() {
        let keys = distinct_keys();
        for (i, a) in keys.iter().enumerate() {
            for (j, b) in keys.iter().enumerate() {
                assert_eq!(encoded(a) == encoded(b), i == j, "{a:?} against {b:?}");
            }
        }
        // Borrowed and copied text of the same content: the same fact.
        let (host, _) = keys[0];
        let borrowed = (
            host,
            HostFact::Attribute {
                key: "dnp3_role".into(),
                value: "master".into(),
            },
        );
        let copied = (
            host,
            HostFact::Attribute {
                key: owned("dnp3_role"),
                value: owned("master"),
            },
        );
        assert_eq!(borrowed, copied);
        assert_eq!(encoded(&borrowed), encoded(&copied));
    }

    /// Templates that build nothing, for the table's own behaviour; one
    /// name is a prefix of the other.
    fn none(_: &[u8]) -> TemplateFacts {
        (Vec::new(), Vec::new())
    }
    static A: FactTemplate = FactTemplate {
        name: "ab",
        build: none,
    };
    static B: FactTemplate = FactTemplate {
        name: "a",
        build: none,
    };

    #[test]
    fn templated_encodings_are_equal_exactly_when_host_template_and_parameter_are() {
        let hosts = [
            HostKey {
                ip: Some("10.0.0.1".parse().unwrap()),
                mac: None,
            },
            HostKey {
                ip: Some("10.0.0.1".parse().unwrap()),
                mac: Some([0, 1, 2, 3, 4, 5]),
            },
        ];
        // Parameters that differ in length, in one byte, or where the
        // template name would end if lengths were not kept.
        let params: [&[u8]; 7] = [
            b"",
            b"\0",
            b"b",
            b"\x01",
            b"\x01\0",
            &[0x80; 130],
            &[0x80; 131],
        ];
        let mut keys = Vec::new();
        for host in hosts {
            for template in [&A, &B] {
                for param in params {
                    keys.push(TemplatedFactsRef {
                        host,
                        template,
                        param,
                    });
                }
            }
        }
        for (i, a) in keys.iter().enumerate() {
            for (j, b) in keys.iter().enumerate() {
                let (x, y) = (a.to_owned(), b.to_owned());
                assert_eq!(encoded(a) == encoded(b), i == j, "{x:?} against {y:?}");
            }
        }
        // A DNP3 outstation's report, with its MAC, is read from its slot's
        // first line (24 bytes of slot before the encoding).
        let dnp3 = TemplatedFactsRef {
            host: hosts[1],
            template: &plantguard_protocols::dnp3::identity::STATION,
            param: &plantguard_protocols::dnp3::identity::station_param(false, 65_519)
                .to_le_bytes(),
        };
        assert!(24 + encoded(&dnp3).len() <= 64, "{}", encoded(&dnp3).len());
    }

    #[test]
    fn a_templated_parameter_is_copied_only_when_new() {
        let host = HostKey {
            ip: Some("10.0.0.1".parse().unwrap()),
            mac: None,
        };
        let mut table: FactTable<TemplatedFacts, u32, TEMPLATED_HEAD> = FactTable::default();
        let mut copies = 0;
        for (frame, param) in [
            (1, &b"x"[..]),
            (2, b"x"),
            (3, b"y"),
            (4, &[7; 300][..]),
            (5, &[7; 300]),
        ] {
            let key = TemplatedFactsRef {
                host,
                template: &A,
                param,
            };
            let to_owned = |k: &TemplatedFactsRef<'_>| {
                copies += 1;
                k.to_owned()
            };
            table.report_borrowed(&key, to_owned, frame);
        }
        assert_eq!(copies, 3);
        let got: Vec<_> = table
            .into_entries()
            .map(|(k, at, n)| (k.param.len(), at, n))
            .collect();
        assert_eq!(got, vec![(1, 1, 2), (1, 3, 1), (300, 4, 2)]);
    }

    #[test]
    fn identity_encodings_are_equal_exactly_when_the_identities_are() {
        let host = HostKey {
            ip: Some("10.0.0.9".parse().unwrap()),
            mac: None,
        };
        let base = IdentityFact {
            protocol: "dnp3".into(),
            device_type: Some("dnp3_outstation".into()),
            extra: vec![
                ("dnp3_role".into(), "outstation".into()),
                ("dnp3_address".into(), owned("10")),
            ],
            ..IdentityFact::default()
        };
        let mut variants = vec![base.clone()];
        let mut v = base.clone();
        v.vendor = Some("SEL".into());
        variants.push(v);
        let mut v = base.clone();
        v.vendor_id = Some(0);
        variants.push(v);
        let mut v = base.clone();
        v.product = Some("dnp3_outstation".into());
        v.device_type = None;
        variants.push(v);
        let mut v = base.clone();
        v.extra.pop();
        variants.push(v);
        let mut v = base.clone();
        v.extra[1].1 = owned("1");
        variants.push(v);
        let mut v = base.clone();
        v.extra.swap(0, 1);
        variants.push(v);
        for (i, a) in variants.iter().enumerate() {
            for (j, b) in variants.iter().enumerate() {
                let (a, b) = ((host, a.clone()), (host, b.clone()));
                assert_eq!(encoded(&a) == encoded(&b), i == j, "{a:?} against {b:?}");
            }
        }
    }
}
