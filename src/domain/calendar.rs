//! 日历 — China's days (UTC+8). Every business date in the programme is a local date in
//! China, whatever zone the server or the client runs in: "today", "not in the future" and
//! "the end of a day" are all reckoned here.
use super::fault::Fault;
use chrono::{DateTime, NaiveDate, Utc};

/// The calendar date in China at `now`.
pub fn china_date(now: DateTime<Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(8)).date_naive()
}

/// The wall-clock time in China at `now`, for what people read (a sheet's 制表时间).
pub fn china_time(now: DateTime<Utc>) -> chrono::NaiveDateTime {
    (now + chrono::Duration::hours(8)).naive_utc()
}

/// Today in China.
pub fn today() -> NaiveDate {
    china_date(Utc::now())
}

/// Checks a date that says when something happened: not after today.
pub fn check_not_future(field: &str, date: NaiveDate, today: NaiveDate) -> Result<(), Fault> {
    if date > today {
        return Err(Fault::invalid(
            field,
            format!("{date} is in the future; record what has happened, as of today ({today})"),
        ));
    }
    Ok(())
}

/// Checks the day a new version of a county's rules (an exit standard, a scoring scheme)
/// takes effect: not before the latest version's, which would rewrite the days that one
/// already judged. `latest` is that version's number and day.
pub fn check_new_version_day(latest: Option<(i32, NaiveDate)>, effective_from: NaiveDate) -> Result<(), Fault> {
    match latest {
        Some((version, day)) if effective_from < day => Err(Fault::invalid(
            "effectiveFrom",
            format!("version {version} takes effect on {day}: a new version may not take effect before it"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// 16:00 UTC is already the next day in China; 15:59 is not.
    #[test]
    fn a_china_day_starts_at_16_00_utc() {
        let day = |h, m| china_date(Utc.with_ymd_and_hms(2026, 9, 30, h, m, 0).unwrap());
        assert_eq!(day(15, 59), NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
        assert_eq!(day(16, 0), NaiveDate::from_ymd_opt(2026, 10, 1).unwrap());
    }

    #[test]
    fn a_new_version_takes_effect_on_or_after_the_latest() {
        let day = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        assert!(check_new_version_day(None, day).is_ok());
        assert!(check_new_version_day(Some((1, day)), day).is_ok());
        assert!(check_new_version_day(Some((1, day)), day.pred_opt().unwrap()).is_err());
    }

    #[test]
    fn a_day_after_today_is_refused() {
        let today = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
        assert!(check_not_future("date", today, today).is_ok());
        assert!(check_not_future("date", today.succ_opt().unwrap(), today).is_err());
    }
}
