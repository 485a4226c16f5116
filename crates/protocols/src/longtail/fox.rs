// SPDX-License-Identifier: Apache-2.0
//! Tridium Niagara Fox (TCP 1911; 4911 is Fox over TLS and stays
//! unrecognised). Text messages `fox a <n> -1 fox <command>` followed by a
//! `{ key=type:value ... };;` body, as documented by nmap's `fox-info.nse`.
//! The `hello` exchange names both ends: host name, application (Workbench
//! or Station) and version, Java VM, OS and station name.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::tail::{FrameLen, Message, RecognisedBy, Spec};
use crate::api::{Direction, ObservationSink, Probe};
use plantguard_model::{HostFact, IdentityFact, Operation};

/// Fox spec.
pub static SPEC: Spec = Spec {
    name: "fox",
    recognised_by: RecognisedBy::Signature,
    frame,
    handle,
};

const PREFIX: &[u8] = b"fox a ";
const END: &[u8] = b"};;\n";
/// Largest message buffered while waiting for its terminator.
pub const MAX_MESSAGE: usize = 65_536;

fn frame(b: &[u8]) -> FrameLen {
    if b.len() < PREFIX.len() {
        return if PREFIX.starts_with(b) {
            FrameLen::NeedMore(PREFIX.len())
        } else {
            FrameLen::Bad
        };
    }
    if !b.starts_with(PREFIX) {
        return FrameLen::Bad;
    }
    match b.windows(END.len()).position(|w| w == END) {
        Some(p) => FrameLen::Len(p.saturating_add(END.len())),
        None if b.len() >= MAX_MESSAGE => FrameLen::Bad,
        None => FrameLen::NeedMore(b.len().saturating_add(1)),
    }
}

fn value<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k == key).then(|| v.split_once(':').map_or(v, |(_, x)| x).trim())
    })
}

fn handle(_: &mut u32, dir: Direction, b: &[u8], out: &mut dyn ObservationSink) -> Option<Message> {
    let text = String::from_utf8_lossy(b);
    let first = text.lines().next()?;
    let command = first.rsplit(' ').next().unwrap_or_default();
    let name: &'static str = match command {
        "hello" => "hello",
        "challenge" => "challenge",
        "authenticate" => "authenticate",
        "close" => "close",
        _ => "other",
    };
    let is_request = dir == Direction::ToServer;
    let mut msg = Message {
        is_response: Some(!is_request),
        command: Some(name),
        operation: is_request.then_some(match name {
            "hello" | "authenticate" | "close" => Operation::Session,
            _ => Operation::Other,
        }),
        ..Message::default()
    };
    if name == "hello" {
        let who = dir.sender();
        let station = value(&text, "station.name");
        let host = value(&text, "hostName");
        let app = value(&text, "app.name");
        let app_version = value(&text, "app.version");
        let mut fact = IdentityFact {
            protocol: "fox".into(),
            vendor: Some("Tridium".into()),
            name: station.or(host).map(|s| s.to_owned().into()),
            product: app.map(|a| format!("Niagara {a}").into()),
            firmware: app_version.map(|s| s.to_owned().into()),
            ..IdentityFact::default()
        };
        for key in [
            "hostName",
            "vm.name",
            "vm.version",
            "os.name",
            "os.version",
            "brandId",
            "hostId",
            "fox.version",
        ] {
            if let Some(v) = value(&text, key) {
                fact.extra
                    .push((key.replace('.', "_").into(), v.to_owned().into()));
            }
        }
        msg.detail = fact.name.as_deref().map(str::to_owned);
        out.identity(who, fact);
        if let Some(os) = value(&text, "os.name") {
            out.host_fact(
                who,
                HostFact::Os {
                    name: os.to_owned().into(),
                    version: value(&text, "os.version").map(|s| s.to_owned().into()),
                    source: "fox_hello".into(),
                },
            );
        }
        if let Some(h) = host {
            out.host_fact(
                who,
                HostFact::Name {
                    name: h.to_owned().into(),
                    source: "fox_hello".into(),
                },
            );
        }
        if let Some(a) = app {
            out.host_fact(
                who,
                HostFact::Software {
                    role: format!("niagara_{}", a.to_ascii_lowercase()).into(),
                    banner: format!("{a} {}", app_version.unwrap_or_default())
                        .trim()
                        .to_owned()
                        .into(),
                },
            );
        }
    }
    Some(msg)
}

/// Fox probe: the message starts with `fox a ` and its first line names the
/// `fox` channel.
pub fn probe(_dir: Direction, b: &[u8]) -> Probe {
    if b.len() < PREFIX.len() {
        return if PREFIX.starts_with(b) {
            Probe::NeedMore
        } else {
            Probe::NoMatch
        };
    }
    if !b.starts_with(PREFIX) {
        return Probe::NoMatch;
    }
    let line_end = b.iter().position(|&c| c == b'\n');
    match line_end {
        Some(e) => {
            let line = b.get(..e).unwrap_or_default();
            if line.windows(5).any(|w| w == b" fox ") {
                Probe::Match
            } else {
                Probe::NoMatch
            }
        }
        None if b.len() < 128 => Probe::NeedMore,
        None => Probe::NoMatch,
    }
}
