//! Calendar days, the unit every claim date and secret lifetime is compared in.
//!
//! Claims carry dates (`2026-05-02`); git provenance carries RFC 3339 instants. Both become a
//! UTC day number so "committed again after the rotation date" means a later calendar day: a
//! commit on the rotation day itself is given the benefit of the doubt.

use serde::{Serialize, Serializer};
use std::fmt;

/// Days since 1970-01-01 (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i64);

impl Day {
    /// `YYYY-MM-DD`, or an RFC 3339 date-time (converted to its UTC day).
    pub fn parse(s: &str) -> Option<Day> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let y: i64 = digits(&s[0..4])?;
        let m: i64 = digits(&s[5..7])?;
        let d: i64 = digits(&s[8..10])?;
        if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        let day = days_from_civil(y, m, d);
        if b.len() == 10 {
            return Some(Day(day));
        }
        // Date-time: `T` or space, `HH:MM[:SS[.frac]]`, then `Z` or `±HH:MM` (absent = UTC).
        let rest = &s[10..];
        let rest = rest.strip_prefix(['T', 't', ' '])?;
        let rb = rest.as_bytes();
        if rb.len() < 5 || rb[2] != b':' {
            return None;
        }
        let hh: i64 = digits(&rest[0..2])?;
        let mm: i64 = digits(&rest[3..5])?;
        let mut i = 5;
        let mut ss = 0;
        if rb.len() >= 8 && rb[5] == b':' {
            ss = digits(&rest[6..8])?;
            i = 8;
            if rb.get(i) == Some(&b'.') {
                i += 1;
                while rb.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
        }
        if hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        let zone = &rest[i..];
        let offset_secs = match zone {
            "" | "Z" | "z" => 0,
            _ => {
                let zb = zone.as_bytes();
                if zb.len() != 6 || zb[3] != b':' {
                    return None;
                }
                let sign = match zb[0] {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let oh: i64 = digits(&zone[1..3])?;
                let om: i64 = digits(&zone[4..6])?;
                sign * (oh * 3600 + om * 60)
            }
        };
        let secs = day * 86_400 + hh * 3600 + mm * 60 + ss - offset_secs;
        Some(Day(secs.div_euclid(86_400)))
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Day {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Day(secs.div_euclid(86_400))
    }

    pub fn days_until(self, later: Day) -> i64 {
        later.0 - self.0
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn digits(s: &str) -> Option<i64> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's civil-date algorithms (public domain), proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for s in [
            "1970-01-01",
            "2000-02-29",
            "2026-05-02",
            "1969-12-31",
            "2100-12-31",
        ] {
            assert_eq!(Day::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Day::parse("1970-01-02"), Some(Day(1)));
        assert_eq!(Day::parse("2026-02-29"), None);
        assert_eq!(Day::parse("2026-13-01"), None);
        assert_eq!(Day::parse("26-05-02"), None);
        assert_eq!(Day::parse("2026-05-02x"), None);
    }

    #[test]
    fn date_times_become_utc_days() {
        let d = Day::parse("2026-05-02").unwrap();
        assert_eq!(Day::parse("2026-05-02T23:30:00Z"), Some(d));
        // 01:30 at +02:00 is still the previous day in UTC.
        assert_eq!(Day::parse("2026-05-03T01:30:00+02:00"), Some(d));
        assert_eq!(
            Day::parse("2026-05-02T22:30:00.123-02:00"),
            Some(Day(d.0 + 1))
        );
        assert_eq!(Day::parse("2026-05-02 10:00:00 +0000"), None);
        assert_eq!(Day::parse("2026-05-02T10:00"), Some(d));
    }
}
