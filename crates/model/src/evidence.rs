// SPDX-License-Identifier: Apache-2.0
use serde::{Deserialize, Serialize};

/// A packet timestamp in nanoseconds since the Unix epoch.
///
/// Always taken from the capture, never from the wall clock.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Seconds since the epoch as a float with microsecond precision, as Zeek writes `ts`.
    pub fn as_epoch_secs(self) -> f64 {
        // Round to microseconds first so the printed value is stable.
        (self.0.div_euclid(1_000) as f64) / 1e6
    }

    /// RFC 3339 with microseconds in UTC, as Suricata writes EVE `timestamp`.
    pub fn to_rfc3339(self) -> String {
        let secs = self.0.div_euclid(1_000_000_000);
        let micros = self.0.rem_euclid(1_000_000_000) / 1_000;
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}+0000",
                sod / 3600,
                (sod / 60) % 60,
                sod % 60
            );
        }
        // Every host, flow and fact carries timestamps: write the digits
        // directly rather than through the formatting machinery.
        let mut t = *b"0000-00-00T00:00:00.000000+0000";
        let mut put = |at: usize, width: usize, mut v: u64| {
            for i in (at..at + width).rev() {
                if let Some(c) = t.get_mut(i) {
                    *c = b'0' + (v % 10) as u8;
                }
                v /= 10;
            }
        };
        put(0, 4, y.unsigned_abs());
        put(5, 2, u64::from(m));
        put(8, 2, u64::from(d));
        put(11, 2, sod.unsigned_abs() / 3600);
        put(14, 2, (sod.unsigned_abs() / 60) % 60);
        put(17, 2, sod.unsigned_abs() % 60);
        put(20, 6, micros.unsigned_abs());
        String::from_utf8_lossy(&t).into_owned()
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Where a fact was observed: enough to find the frame again in Wireshark.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    /// Capture file name as given on the command line (EVE `pcap_filename`).
    /// Shared: a run holds one copy of each name, however many facts cite it.
    pub pcap_filename: std::sync::Arc<str>,
    /// 1-based frame number within that file (EVE `pcap_cnt`, Wireshark's frame number).
    pub pcap_cnt: u64,
    /// Packet timestamp.
    pub ts: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_with_micros() {
        // 2009-02-13T23:31:30.123456Z
        let ts = Timestamp(1_234_567_890_123_456_789);
        assert_eq!(ts.to_rfc3339(), "2009-02-13T23:31:30.123456+0000");
    }

    #[test]
    fn formats_dates_before_epoch() {
        assert_eq!(
            Timestamp(-1_000_000_000).to_rfc3339(),
            "1969-12-31T23:59:59.000000+0000"
        );
    }

    #[test]
    fn digit_writer_agrees_with_the_formatter() {
        let reference = |ns: i64| {
            let secs = ns.div_euclid(1_000_000_000);
            let micros = ns.rem_euclid(1_000_000_000) / 1_000;
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let sod = secs.rem_euclid(86_400);
            format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}+0000",
                sod / 3600,
                (sod / 60) % 60,
                sod % 60
            )
        };
        let mut ns: i64 = -2_000_000_000_000_000_000;
        while ns < 4_000_000_000_000_000_000 {
            assert_eq!(Timestamp(ns).to_rfc3339(), reference(ns), "{ns}");
            ns += 7_777_777_777_777_777 + ns.rem_euclid(1_000_003);
        }
        for ns in [i64::MIN, i64::MAX, 0, -1] {
            assert_eq!(Timestamp(ns).to_rfc3339(), reference(ns), "{ns}");
        }
    }

    #[test]
    fn epoch_secs_keeps_micros() {
        assert_eq!(
            Timestamp(1_500_000_000_123_456_999).as_epoch_secs(),
            1_500_000_000.123_456
        );
    }
}
