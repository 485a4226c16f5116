// SPDX-License-Identifier: Apache-2.0
//! Asset facts from OPC UA ApplicationDescriptions (CreateSession request for
//! the client; CreateSession and GetEndpoints responses for the server).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::wire::AppDescription;
use plantguard_model::IdentityFact;

fn text(b: Option<&[u8]>) -> Option<String> {
    let s = String::from_utf8_lossy(b?).trim().to_owned();
    (!s.is_empty()).then_some(s)
}

/// Identity of an application: product = application name, model = product
/// URI; the application URI and type go to `extra`. `None` when all are empty.
pub fn from_application(app: &AppDescription<'_>) -> Option<IdentityFact> {
    let mut f = IdentityFact {
        protocol: "opcua".into(),
        ..IdentityFact::default()
    };
    f.product = text(app.application_name).map(Into::into);
    f.model = text(app.product_uri).map(Into::into);
    if let Some(uri) = text(app.application_uri) {
        f.extra.push(("application_uri".into(), uri.into()));
    }
    if f.product.is_none() && f.model.is_none() && f.extra.is_empty() {
        return None;
    }
    let kind = match app.application_type {
        0 => "server",
        1 => "client",
        2 => "client_and_server",
        3 => "discovery_server",
        _ => "unknown",
    };
    f.device_type = Some(format!("opcua_{kind}").into());
    Some(f)
}
