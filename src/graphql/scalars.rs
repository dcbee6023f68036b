//! The custom scalars: `Decimal` (exact, always a string), `Date` and `DateTime`.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal as Exact;

/// An exact decimal number sent as a string, e.g. `"1234.56"`. Money is yuan with at most
/// two decimals. A JSON number is refused: it passes through a binary float on its way
/// and may arrive changed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Decimal(pub Exact);

/// Money as the API shows it: yuan with two decimals.
pub fn yuan(money: crate::domain::money::Money) -> Decimal {
    Decimal(money.to_yuan())
}

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
        Value::String(self.0.to_string())
    }
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
        Value::String(self.0.to_string())
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
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
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
}
