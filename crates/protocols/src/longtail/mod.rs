// SPDX-License-Identifier: Apache-2.0
//! Recognition of the long tail of industrial protocols.
//!
//! Each protocol gets a small probe and a [`TailSession`] driven by a
//! [`Spec`] (framing plus a message handler). Where the protocol has a
//! signature (magic bytes, fixed header fields, consistent lengths) the
//! probe checks it strictly and `longtail.log` records say
//! `recognised_by: "signature"`; where it has none (PCWorx, ProConOS, Red
//! Lion Crimson, GE EGD) the probe accepts only a few fixed bytes seen on
//! the well-known port and records say `recognised_by: "port"`. A flow no
//! parser claims stays `unrecognised` in the engine's summary: nothing is
//! guessed.
//!
//! | module | protocol | transport | recognised by | identity |
//! |---|---|---|---|---|
//! | [`mms`] | MMS over TPKT/COTP/session/presentation (102, after S7) | TCP | signature | Identify response |
//! | [`fins`] | OMRON FINS (9600) | TCP, UDP | signature | Controller Data Read |
//! | [`slmp`] | Mitsubishi SLMP/MC 3E-4E (5006/5007), MELSOFT | TCP, UDP | signature | Read Type Name |
//! | [`ads`] | Beckhoff ADS/AMS (48898), ADS discovery (48899) | TCP, UDP | signature | ReadDeviceInfo, discovery |
//! | [`hart`] | HART-IP (5094) | TCP, UDP | signature | command 0 |
//! | [`fox`] | Niagara Fox (1911) | TCP | signature | hello (plus OS / name / software host facts) |
//! | [`misc`] | GE SRTP (18245), CODESYS (1200/1217/2455) | TCP | signature | - |
//! | [`misc`] | PCWorx (1962), ProConOS (20547), Crimson v3 (789), GE EGD (18246/udp) | TCP, UDP | port | PCWorx info, Crimson registers |
//! | [`ethercat`] | EtherCAT (EtherType 0x88A4) | Ethernet | signature | - |
//!
//! Limits: a [`crate::api::ProbeFn`] sees bytes but not the port, so the
//! "port" recognisers are tried on every unclaimed flow like the others;
//! they are registered last and check fixed bytes to keep false matches
//! down (an MS-SQL TDS batch once matched the PCWorx and HART-IP probes;
//! both are now stricter, with a regression test). Records are per message,
//! not per transaction. Not decoded: FINS/SLMP/ADS data payloads, Fox
//! messages after the hello, GE SRTP service codes, CODESYS services,
//! ProConOS and EGD payloads.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod ads;
pub mod ethercat;
pub mod fins;
pub mod fox;
pub mod hart;
pub mod misc;
pub mod mms;
pub mod slmp;
pub mod tail;

#[cfg(test)]
mod tests;

use crate::api::{ProtocolInfo, Session, Transport};
pub use tail::{LongtailRecord, Message, RecognisedBy, Spec, TailSession, LOG};

macro_rules! entry {
    ($(#[$doc:meta])* $info:ident, $spec:expr, $name:literal, $transport:expr, $ports:expr, $probe:expr) => {
        $(#[$doc])*
        pub static $info: ProtocolInfo = ProtocolInfo {
            name: $name,
            transport: $transport,
            ports: $ports,
            probe: $probe,
            new_session: {
                fn new_session() -> Box<dyn Session> {
                    Box::new(TailSession::new(&$spec, $transport == Transport::Udp))
                }
                new_session
            },
        };
    };
}

entry!(
    /// OMRON FINS/TCP (9600).
    FINS_TCP, fins::TCP, "fins", Transport::Tcp, &[9600], fins::probe_tcp
);
entry!(
    /// OMRON FINS/UDP (9600).
    FINS_UDP, fins::UDP, "fins", Transport::Udp, &[9600], fins::probe_udp
);
entry!(
    /// Mitsubishi SLMP / MC 3E-4E over TCP.
    SLMP_TCP, slmp::SLMP, "slmp", Transport::Tcp, &[5006, 5007, 5000, 5001, 5002], slmp::probe
);
entry!(
    /// Mitsubishi SLMP / MC 3E-4E over UDP.
    SLMP_UDP, slmp::SLMP, "slmp", Transport::Udp, &[5006, 5007, 5000, 5001], slmp::probe
);
entry!(
    /// Mitsubishi MELSOFT engineering protocol over TCP.
    MELSOFT_TCP, slmp::MELSOFT, "melsoft", Transport::Tcp, &[5001, 5002, 5562], slmp::probe_melsoft
);
entry!(
    /// Mitsubishi MELSOFT engineering protocol over UDP.
    MELSOFT_UDP, slmp::MELSOFT, "melsoft", Transport::Udp, &[5560, 5001], slmp::probe_melsoft
);
entry!(
    /// Beckhoff ADS/AMS over TCP (48898).
    ADS, ads::TCP, "ads", Transport::Tcp, &[48898], ads::probe
);
entry!(
    /// Beckhoff ADS UDP discovery (48899).
    ADS_DISCOVERY, ads::DISCOVERY, "ads_discovery", Transport::Udp, &[48899], ads::probe_discovery
);
entry!(
    /// HART-IP over TCP (5094).
    HART_TCP, hart::SPEC, "hart_ip", Transport::Tcp, &[5094], hart::probe
);
entry!(
    /// HART-IP over UDP (5094).
    HART_UDP, hart::SPEC, "hart_ip", Transport::Udp, &[5094], hart::probe
);
entry!(
    /// Tridium Niagara Fox (1911).
    FOX, fox::SPEC, "fox", Transport::Tcp, &[1911], fox::probe
);
entry!(
    /// GE SRTP (18245).
    SRTP, misc::SRTP, "ge_srtp", Transport::Tcp, &[18245, 18246], misc::probe_srtp
);
entry!(
    /// CODESYS V2/V3 runtime (1200, 1217, 2455).
    CODESYS, misc::CODESYS, "codesys", Transport::Tcp, &[1200, 1217, 2455], misc::probe_codesys
);
entry!(
    /// Phoenix Contact PCWorx (1962), recognised by port.
    PCWORX, misc::PCWORX, "pcworx", Transport::Tcp, &[1962], misc::probe_pcworx
);
entry!(
    /// ProConOS (20547), recognised by port.
    PROCONOS, misc::PROCONOS, "proconos", Transport::Tcp, &[20547], misc::probe_proconos
);
entry!(
    /// Red Lion Crimson v3 (789), recognised by port.
    CRIMSON, misc::CRIMSON, "crimson_v3", Transport::Tcp, &[789], misc::probe_crimson
);
entry!(
    /// GE Ethernet Global Data (UDP 18246), recognised by port.
    EGD, misc::EGD, "ge_egd", Transport::Udp, &[18246], misc::probe_egd
);

/// Every long-tail TCP/UDP entry, strongest signatures first.
pub static ALL: &[&ProtocolInfo] = &[
    &FINS_TCP,
    &FINS_UDP,
    &ADS,
    &ADS_DISCOVERY,
    &HART_TCP,
    &HART_UDP,
    &FOX,
    &SLMP_TCP,
    &SLMP_UDP,
    &MELSOFT_TCP,
    &MELSOFT_UDP,
    &CODESYS,
    &SRTP,
    &PCWORX,
    &PROCONOS,
    &CRIMSON,
    &EGD,
];
