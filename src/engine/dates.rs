//! Shifting DA and DT values by whole days, on the proleptic Gregorian calendar.

/// Days since 1970-01-01 of a civil date (any year, negative results allowed).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses the date part of a DA or DT: `YYYY`, `YYYYMM` or `YYYYMMDD`, and the ACR-NEMA form
/// `YYYY.MM.DD`. Returns the date (missing parts as 1) and how many digits were given.
fn parse_date(s: &str) -> Option<(i64, u32, u32, usize)> {
    // Dates are ASCII digits; anything else is not a date (and must not be sliced by byte).
    if !s.is_ascii() {
        return None;
    }
    let compact: String = if s.len() == 10 && s.as_bytes()[4] == b'.' && s.as_bytes()[7] == b'.' {
        s.replace('.', "")
    } else {
        s.to_string()
    };
    let len = compact.len();
    if !matches!(len, 4 | 6 | 8) {
        return None;
    }
    let y = i64::from(digits(&compact[..4])?);
    let m = if len >= 6 { digits(&compact[4..6])? } else { 1 };
    let d = if len == 8 { digits(&compact[6..8])? } else { 1 };
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some((y, m, d, len))
}

fn format_date(days: i64, precision: usize) -> Option<String> {
    let (y, m, d) = civil_from_days(days);
    if !(1..=9999).contains(&y) {
        return None;
    }
    let full = format!("{y:04}{m:02}{d:02}");
    Some(full[..precision].to_string())
}

/// Shifts both ends of a range `A-B` (either end may be open).
fn shift_range(a: &str, b: &str, shift: impl Fn(&str) -> Option<String>) -> Option<String> {
    let end = |v: &str| {
        if v.is_empty() {
            Some(String::new())
        } else {
            shift(v)
        }
    };
    Some(format!("{}-{}", end(a)?, end(b)?))
}

/// Whether `s` is a valid DA value (`YYYYMMDD`).
pub fn is_valid_da(s: &str) -> bool {
    s.len() == 8 && parse_date(s).is_some()
}

/// Shifts one DA value (or a DA range `A-B`, either side optional) by `days`. `None` when the
/// value is not a date.
pub fn shift_da(value: &str, days: i64) -> Option<String> {
    if let Some((a, b)) = value.split_once('-') {
        return shift_range(a, b, |v| shift_da(v, days));
    }
    let (y, m, d, precision) = parse_date(value.trim())?;
    format_date(days_from_civil(y, m, d) + days, precision)
}

/// Shifts one DT value (`YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]`, or a range) by `days`; the time
/// of day and the UTC offset are kept. A DT given only to the year or month keeps that
/// precision.
pub fn shift_dt(value: &str, days: i64) -> Option<String> {
    let value = value.trim();
    if !value.is_ascii() {
        return None;
    }
    if let Some((a, b)) = split_dt_range(value) {
        return shift_range(a, b, |v| shift_dt(v, days));
    }
    let (body, zone) = match value.find(['+', '-']) {
        Some(i) => value.split_at(i),
        None => (value, ""),
    };
    let date_len = body.len().min(8);
    let (date, time) = body.split_at(date_len);
    let (y, m, d, precision) = parse_date(date)?;
    if !time.is_empty() && !time.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let shifted = format_date(days_from_civil(y, m, d) + days, precision)?;
    Some(format!("{shifted}{time}{zone}"))
}

/// A DT range is `A-B`; a `-` that starts a UTC offset (`&ZZXX`, after at least 4 digits
/// and within the last five characters) is not a range separator.
fn split_dt_range(value: &str) -> Option<(&str, &str)> {
    let i = value.find('-')?;
    let rest = &value[i + 1..];
    let is_offset = i >= 4 && rest.len() == 4 && rest.bytes().all(|b| b.is_ascii_digit());
    (!is_offset).then(|| (&value[..i], rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (1899, 12, 31),
            (2024, 3, 1),
            (1, 1, 1),
        ] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn shifts_dates_across_months_and_leap_days() {
        assert_eq!(shift_da("20240301", -1).as_deref(), Some("20240229"));
        assert_eq!(shift_da("20230301", -1).as_deref(), Some("20230228"));
        assert_eq!(shift_da("2024.03.01", -7).as_deref(), Some("20240223"));
        assert_eq!(
            shift_da("20240101-20240131", -7).as_deref(),
            Some("20231225-20240124")
        );
        assert_eq!(shift_da("-20240131", -7).as_deref(), Some("-20240124"));
        assert_eq!(shift_da("20241301", -7), None);
        assert_eq!(shift_da("not a date", -7), None);
    }

    #[test]
    fn shifts_datetimes_keeping_time_and_zone() {
        assert_eq!(
            shift_dt("20240301123456.123456+0100", -1).as_deref(),
            Some("20240229123456.123456+0100")
        );
        assert_eq!(shift_dt("20240301", -1).as_deref(), Some("20240229"));
        assert_eq!(shift_dt("202403", -35).as_deref(), Some("202401"));
        assert_eq!(shift_dt("20240301-0500", -1).as_deref(), Some("20240229-0500"));
        assert_eq!(
            shift_dt("20240301-20240302", -1).as_deref(),
            Some("20240229-20240301")
        );
        assert_eq!(shift_dt("2024030112x", -1), None);
    }

    #[test]
    fn non_ascii_values_are_not_dates() {
        for v in ["201é907x", "2019é07", "é", "20190307é", "2019030é7+0100"] {
            assert_eq!(shift_da(v, -7), None, "{v}");
            assert_eq!(shift_dt(v, -7), None, "{v}");
            assert!(!is_valid_da(v));
        }
    }

    #[test]
    fn intervals_are_kept() {
        let a = days_from_civil(2023, 5, 17);
        let b = days_from_civil(1961, 8, 4);
        let sa = shift_da("20230517", -3493).unwrap();
        let sb = shift_da("19610804", -3493).unwrap();
        let (ya, ma, da, _) = parse_date(&sa).unwrap();
        let (yb, mb, db, _) = parse_date(&sb).unwrap();
        assert_eq!(days_from_civil(ya, ma, da) - days_from_civil(yb, mb, db), a - b);
    }
}
