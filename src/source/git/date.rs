//! Civil dates for commit times. git stores seconds since the Unix epoch plus the committer's
//! UTC offset; reports need RFC 3339 strings and whole days, and `--since` takes `YYYY-MM-DD`.
//! The proleptic Gregorian conversion is a few lines, so no date crate is pulled in for it.

/// Days since 1970-01-01 of a civil date (proleptic Gregorian calendar).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// RFC 3339 in the committer's own offset, e.g. `2024-03-01T13:00:00+01:00`.
pub fn rfc3339(seconds: i64, offset_minutes: i32) -> String {
    // Offsets beyond ±24h only come from corrupt commits; show those in UTC.
    let offset = if offset_minutes.abs() < 24 * 60 {
        offset_minutes
    } else {
        0
    };
    let local = seconds.saturating_add(i64::from(offset) * 60);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let zone = if offset == 0 {
        "Z".to_string()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let a = offset.abs();
        format!("{sign}{:02}:{:02}", a / 60, a % 60)
    };
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}{zone}")
}

/// `YYYY-MM-DD` → seconds since the epoch at 00:00 UTC of that day.
pub fn parse_ymd(s: &str) -> Result<i64, String> {
    let bad = || format!("invalid date {s:?} (use YYYY-MM-DD)");
    let mut parts = s.trim().splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let y: i64 = y.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    let d: u32 = d.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, d) * 86_400)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whole days from `from` to `to` (seconds since the epoch); 0 when `to` is not later.
pub fn whole_days(from: i64, to: i64) -> u32 {
    u32::try_from(to.saturating_sub(from).max(0) / 86_400).unwrap_or(u32::MAX)
}

/// Seconds since the epoch now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 11_016, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn formats_with_offset() {
        // 2024-03-01T12:00:00Z
        let t = 1_709_294_400;
        assert_eq!(rfc3339(t, 0), "2024-03-01T12:00:00Z");
        assert_eq!(rfc3339(t, 60), "2024-03-01T13:00:00+01:00");
        assert_eq!(rfc3339(t, -330), "2024-03-01T06:30:00-05:30");
        assert_eq!(rfc3339(0, 9999), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn parses_dates() {
        assert_eq!(parse_ymd("2024-03-01"), Ok(1_709_251_200));
        assert_eq!(parse_ymd("1970-01-01"), Ok(0));
        assert!(parse_ymd("2023-02-29").is_err());
        assert!(parse_ymd("2024-3-1").is_err());
        assert!(parse_ymd("yesterday").is_err());
        assert!(parse_ymd("2024-13-01").is_err());
    }

    #[test]
    fn counts_days() {
        assert_eq!(whole_days(0, 86_399), 0);
        assert_eq!(whole_days(0, 86_400 * 3 + 5), 3);
        assert_eq!(whole_days(100, 0), 0);
    }
}
