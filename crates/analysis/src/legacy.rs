// SPDX-License-Identifier: Apache-2.0
//! Legacy / unsupported OS: the inferred release's support status on the
//! day of the capture (its last packet, never the wall clock, so a report
//! on an old capture reads the same tomorrow).

use std::net::IpAddr;

use plantguard_model::Evidence;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::kb::{KnowledgeBase, OsLifecycle};
use crate::os::{Confidence, OsInference};

/// Days before the end of extended support from which a release is flagged.
pub const ENDING_SOON_DAYS: i64 = 365;

/// Support status at the capture date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportStatus {
    /// No security updates of any kind any more.
    Unsupported,
    /// Public updates ended; fixes only through paid Extended Security Updates.
    PaidSupportOnly,
    /// Extended support ends within [`ENDING_SOON_DAYS`].
    EndingSoon,
}

/// Another release the same evidence fits, with its end of support.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleAlternative {
    /// Product.
    pub product: String,
    /// End of extended support.
    pub extended_end: Option<Date>,
}

/// A host running an OS that is out of (or about to leave) support.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LegacyOsFinding {
    /// Host.
    pub ip: IpAddr,
    /// Inferred OS.
    pub os: String,
    /// Version or build as observed.
    pub version: Option<String>,
    /// Inference confidence (0..1) and bucket.
    pub confidence: f32,
    /// Bucketed confidence.
    pub level: Confidence,
    /// Status at the capture date.
    pub status: SupportStatus,
    /// Capture date used.
    pub capture_date: Date,
    /// End of mainstream support.
    pub mainstream_end: Option<Date>,
    /// End of extended support (last public security update).
    pub end_of_support: Option<Date>,
    /// End of paid extended security updates, with its note.
    pub paid_support_end: Option<String>,
    /// What it means for patching, in one sentence.
    pub meaning: String,
    /// Releases the evidence cannot rule out, with their dates.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub alternatives: Vec<LifecycleAlternative>,
    /// `kb/os_lifecycle.csv` row, its verification and source.
    pub lifecycle_row: usize,
    /// Verification status of that row.
    pub lifecycle_verification: String,
    /// Source of the dates.
    pub lifecycle_source: String,
    /// The strongest OS reason, as text.
    pub reason: String,
    /// Its frame.
    pub evidence: Evidence,
}

fn years_months(days: i64) -> String {
    let months = days * 12 / 365;
    match (months / 12, months % 12) {
        (0, m) => format!("{m} months"),
        (1, 0) => "1 year".into(),
        (y, 0) => format!("{y} years"),
        (1, m) => format!("1 year {m} months"),
        (y, m) => format!("{y} years {m} months"),
    }
}

/// Support status of `row` on `date`, with a sentence, or `None` while
/// the release is supported for more than [`ENDING_SOON_DAYS`].
pub fn status_at(row: &OsLifecycle, date: Date) -> Option<(SupportStatus, String)> {
    let ext = row.extended_end?;
    let day = date.days_since_epoch();
    let since = day - ext.days_since_epoch();
    if since > 0 {
        if let Some(paid) = row.paid_end.filter(|p| *p >= date) {
            return Some((
                SupportStatus::PaidSupportOnly,
                format!(
                    "Public security updates ended {ext} ({} before the capture); fixes only with paid Extended Security Updates until {paid}. Check the ESU licence, otherwise treat it as unpatched.",
                    years_months(since)
                ),
            ));
        }
        let paid = row
            .paid_end
            .map(|p| format!(" (paid updates also ended {p})"))
            .unwrap_or_default();
        return Some((
            SupportStatus::Unsupported,
            format!(
                "No security updates since {ext}{paid}: {} of vulnerabilities before the capture stay unpatched. Isolate the host, allow only the conduits it needs, and plan its replacement or upgrade.",
                years_months(since)
            ),
        ));
    }
    if -since <= ENDING_SOON_DAYS {
        return Some((
            SupportStatus::EndingSoon,
            format!(
                "Security updates end {ext}, {} after the capture: plan the upgrade in the next maintenance windows.",
                years_months(-since)
            ),
        ));
    }
    None
}

/// The legacy finding for a host's inference, if its release is legacy.
pub(crate) fn finding(
    kb: &KnowledgeBase,
    ip: IpAddr,
    inf: &OsInference,
    date: Date,
) -> Option<LegacyOsFinding> {
    let row = kb
        .lifecycle()
        .iter()
        .find(|r| Some(r.row) == inf.lifecycle_row)?;
    let (status, meaning) = status_at(row, date)?;
    let alternatives = inf
        .also_possible
        .iter()
        .filter_map(|p| kb.lifecycle().iter().find(|r| &r.product == p))
        .map(|r| LifecycleAlternative {
            product: r.product.clone(),
            extended_end: r.extended_end,
        })
        .collect();
    let top = inf.reasons.first()?;
    Some(LegacyOsFinding {
        ip,
        os: inf.name.clone(),
        version: inf.version.clone(),
        confidence: inf.confidence,
        level: inf.level,
        status,
        capture_date: date,
        mainstream_end: row.mainstream_end,
        end_of_support: row.extended_end,
        paid_support_end: (!row.paid_note.is_empty()).then(|| row.paid_note.clone()),
        meaning,
        alternatives,
        lifecycle_row: row.row,
        lifecycle_verification: row.verification.clone(),
        lifecycle_source: row.source.clone(),
        reason: top.text.clone(),
        evidence: top.evidence.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(product: &str) -> &'static OsLifecycle {
        KnowledgeBase::embedded()
            .lifecycle()
            .iter()
            .find(|r| r.product == product)
            .unwrap()
    }

    fn d(s: &str) -> Date {
        Date::parse_lenient(s, false).unwrap()
    }

    #[test]
    fn xp_is_unsupported_since_2014_04_08() {
        let (st, meaning) = status_at(row("Windows XP"), d("2016-06-01")).unwrap();
        assert_eq!(st, SupportStatus::Unsupported);
        assert!(
            meaning.starts_with("No security updates since 2014-04-08"),
            "{meaning}"
        );
        assert!(meaning.contains("2 years 1 months"), "{meaning}");
    }

    #[test]
    fn uses_the_capture_date_not_the_wall_clock() {
        // XP was still supported in a 2013 capture, ending within a year.
        let (st, _) = status_at(row("Windows XP"), d("2013-06-01")).unwrap();
        assert_eq!(st, SupportStatus::EndingSoon);
        assert!(status_at(row("Windows XP"), d("2010-01-01")).is_none());
    }

    #[test]
    fn windows_7_in_2021_is_paid_support_only() {
        let (st, m) = status_at(row("Windows 7"), d("2021-03-01")).unwrap();
        assert_eq!(st, SupportStatus::PaidSupportOnly);
        assert!(m.contains("2020-01-14") && m.contains("2023-01-10"), "{m}");
        let (st, m) = status_at(row("Windows 7"), d("2024-03-01")).unwrap();
        assert_eq!(st, SupportStatus::Unsupported);
        assert!(m.contains("paid updates also ended 2023-01-10"), "{m}");
    }
}
