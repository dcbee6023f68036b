//! The custom scalars: `Decimal` (exact, always a string), `Date` and `DateTime`.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{Datelike, NaiveDate, SecondsFormat, Timelike, Utc};
use rust_decimal::Decimal as Exact;

/// An exact decimal number sent as a string, e.g. `"1234.56"`. Money is yuan with at most
/// two decimals. A JSON number is refused: it passes through a binary float on its way
/// and may arrive changed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Decimal(pub Exact);

/// An exact decimal number, sent and received as a JSON string (e.g. `"1234.56"`): plain
/// digits with an optional minus sign and decimal point, no exponent, no thousands
/// separators. A JSON number is refused: it passes through a binary float on its way and
/// may arrive changed. Money is yuan (元) exact to the fen: at most 2 decimals in, always
/// 2 out (`"1250.00"`). Quantities are in a sector's unit with at most 3 decimals; rates
/// are percentages with 2 decimals (`"87.35"` is 87.35 %).
// No `specified_by_url`: no published scalar specification describes this one.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => parse_decimal(text).map(Decimal).map_err(InputValueError::custom),
            Value::Number(n) => Err(InputValueError::custom(format!(
                "Decimal values are sent as strings, e.g. \"{n}\": a JSON number may lose precision on the way"
            ))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(write_decimal(&self.0))
    }
}

// The scalars below are written by hand: a page of projects or a project's payments
// writes hundreds of amounts and dates, and `rust_decimal`'s and `chrono`'s `Display`
// (a digit at a time through a formatter, a format string interpreted per date) cost some
// 800 instructions each — 6 % of a project's full history. The tests check them against
// those `Display`s.

/// `value` as `rust_decimal` displays it: every digit of its scale, `-` when negative.
fn write_decimal(value: &Exact) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(value.mantissa().unsigned_abs());
    let scale = value.scale() as usize;
    let mut text = String::with_capacity(digits.len() + 3);
    if value.is_sign_negative() {
        text.push('-');
    }
    if scale == 0 {
        text.push_str(digits);
    } else if digits.len() > scale {
        let (whole, fraction) = digits.split_at(digits.len() - scale);
        text.push_str(whole);
        text.push('.');
        text.push_str(fraction);
    } else {
        text.push_str("0.");
        text.extend(std::iter::repeat_n('0', scale - digits.len()));
        text.push_str(digits);
    }
    text
}

/// Appends the last `width` (at most 4) digits of `value`, zero-padded.
fn push_padded(text: &mut String, mut value: u32, width: usize) {
    let mut digits = [b'0'; 4];
    for digit in digits[..width].iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
    text.push_str(std::str::from_utf8(&digits[..width]).unwrap_or_default());
}

/// `YYYY-MM-DD` for the years 0–9999 (`None` outside them, where chrono adds a sign).
fn push_date(text: &mut String, date: NaiveDate) -> Option<()> {
    let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
    push_padded(text, year, 4);
    text.push('-');
    push_padded(text, date.month(), 2);
    text.push('-');
    push_padded(text, date.day(), 2);
    Some(())
}

/// `YYYY-MM-DDTHH:MM:SSZ`, as `to_rfc3339_opts(SecondsFormat::Secs, true)` writes it.
fn write_instant(instant: &chrono::DateTime<Utc>) -> String {
    let mut text = String::with_capacity(20);
    let time = instant.time();
    // A leap second (nanoseconds past 10^9) and years outside 0–9999 go to chrono.
    if time.nanosecond() >= 1_000_000_000 || push_date(&mut text, instant.date_naive()).is_none() {
        return instant.to_rfc3339_opts(SecondsFormat::Secs, true);
    }
    text.push('T');
    push_padded(&mut text, time.hour(), 2);
    text.push(':');
    push_padded(&mut text, time.minute(), 2);
    text.push(':');
    push_padded(&mut text, time.second(), 2);
    text.push('Z');
    text
}

/// Accepts plain decimal notation only: an optional minus sign, digits, an optional
/// fraction. No exponent, no thousands separators, no surrounding spaces.
pub fn parse_decimal(text: &str) -> Result<Exact, String> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(whole) || !digits_only(fraction) {
        return Err(format!(
            "`{text}` is not a decimal number: write digits with an optional decimal point, e.g. \"1234.56\""
        ));
    }
    Exact::from_str_exact(text).map_err(|_| format!("`{text}` has too many digits to be held exactly"))
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar day, `YYYY-MM-DD` (e.g. `"2025-09-30"`), with no time or zone. Days are
/// China's days (UTC+8): "today", "not in the future" and "the end of a day" are reckoned
/// at UTC+8 whatever zone the client is in.
#[Scalar(name = "Date", specified_by_url = "https://scalars.graphql.org/andimarek/local-date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => {
                let well_formed = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
                match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                    Ok(date) if well_formed => Ok(Date(date)),
                    _ => Err(InputValueError::custom(format!(
                        "`{text}` is not a date: write YYYY-MM-DD, e.g. \"2025-09-30\""
                    ))),
                }
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        let mut text = String::with_capacity(10);
        match push_date(&mut text, self.0) {
            Some(()) => Value::String(text),
            None => Value::String(self.0.to_string()),
        }
    }
}

/// An instant, RFC 3339 with its offset, e.g. `2025-09-30T08:00:00Z`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub chrono::DateTime<Utc>);

/// An instant, RFC 3339 with its offset: any offset in (e.g.
/// `"2025-09-30T08:00:00+08:00"`), always UTC to the second out (`"2025-09-30T00:00:00Z"`).
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://scalars.graphql.org/andimarek/date-time"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| DateTime(t.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom(format!(
                        "`{text}` is not a date and time: write RFC 3339, e.g. \"2025-09-30T08:00:00+08:00\""
                    ))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(write_instant(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_takes_strings_and_refuses_numbers() {
        assert_eq!(
            <Decimal as ScalarType>::parse(Value::String("9999999999.99".into()))
                .unwrap()
                .0
                .to_string(),
            "9999999999.99"
        );
        let err = <Decimal as ScalarType>::parse(Value::from(12.5)).unwrap_err();
        assert!(
            err.into_server_error(Default::default())
                .message
                .contains("sent as strings")
        );
        for bad in ["", "1e5", " 1", "1,000", "1.", ".5", "--1", "abc", "1.2.3"] {
            assert!(
                <Decimal as ScalarType>::parse(Value::String(bad.into())).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            Decimal(Exact::new(123450, 2)).to_value(),
            Value::String("1234.50".into())
        );
    }

    #[test]
    fn date_is_strict_iso() {
        assert!(<Date as ScalarType>::parse(Value::String("2025-09-30".into())).is_ok());
        for bad in ["2025-9-30", "2025-02-30", "30/09/2025", "2025-09-30T00:00:00Z"] {
            assert!(<Date as ScalarType>::parse(Value::String(bad.into())).is_err(), "{bad}");
        }
        for text in ["2025-09-30", "0999-01-05", "9999-12-31"] {
            let date = <Date as ScalarType>::parse(Value::String(text.into())).unwrap();
            assert_eq!(date.to_value(), Value::String(text.into()), "written back as read");
        }
    }

    #[test]
    fn datetime_is_rfc3339_in_utc() {
        let parsed = <DateTime as ScalarType>::parse(Value::String("2025-09-30T08:00:00+08:00".into())).unwrap();
        assert_eq!(parsed.to_value(), Value::String("2025-09-30T00:00:00Z".into()));
        assert!(<DateTime as ScalarType>::parse(Value::String("2025-09-30".into())).is_err());
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decimals_are_written_as_rust_decimal_displays_them(
            mantissa in prop_oneof![any::<i64>().prop_map(i128::from), -1000i128..1000],
            scale in 0u32..=12,
        ) {
            let value = Exact::from_i128_with_scale(mantissa, scale);
            prop_assert_eq!(write_decimal(&value), value.to_string());
            prop_assert_eq!(write_decimal(&value.normalize()), value.normalize().to_string());
        }

        #[test]
        fn dates_and_instants_are_written_as_chrono_displays_them(
            seconds in -70_000_000_000i64..300_000_000_000,
            micros in 0u32..1_000_000,
        ) {
            let instant = chrono::DateTime::from_timestamp(seconds, micros * 1000).unwrap();
            prop_assert_eq!(write_instant(&instant), instant.to_rfc3339_opts(SecondsFormat::Secs, true));
            let date = Date(instant.date_naive());
            prop_assert_eq!(date.to_value(), Value::String(instant.date_naive().to_string()));
        }
    }

    #[test]
    fn the_edges_of_the_formats_match_the_libraries() {
        for (mantissa, scale) in [
            (0, 0),
            (0, 2),
            (5, 3),
            (-5, 2),
            (1250, 2),
            (i64::MIN as i128, 2),
            (1, 28),
        ] {
            let value = Exact::from_i128_with_scale(mantissa, scale);
            assert_eq!(write_decimal(&value), value.to_string());
        }
        let mut negative_zero = Exact::new(0, 2);
        negative_zero.set_sign_negative(true);
        assert_eq!(write_decimal(&negative_zero), negative_zero.to_string());
        for text in ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z"] {
            let instant: chrono::DateTime<Utc> = text.parse().unwrap();
            assert_eq!(write_instant(&instant), text);
        }
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
            .unwrap()
            .and_utc();
        assert_eq!(write_instant(&leap), leap.to_rfc3339_opts(SecondsFormat::Secs, true));
        let far = NaiveDate::from_ymd_opt(12345, 6, 7).unwrap();
        assert_eq!(Date(far).to_value(), Value::String(far.to_string()));
    }
}
