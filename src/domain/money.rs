//! 金额 — money as an exact count of fen (分). Never a float: parsing, storage and sums
//! are integer arithmetic; the API shows yuan with two decimals.
use rust_decimal::Decimal;
use std::fmt;

/// An amount of money in fen. Stored as `BIGINT`, summed with `SUM` in SQL.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Why a yuan amount was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("the amount must be greater than 0")]
    NotPositive,
    #[error("an amount in yuan has at most 2 decimals (fen); `{0}` has more")]
    TooPrecise(String),
    #[error("the amount `{0}` is larger than the ledger holds (at most 999999999999.99 yuan)")]
    TooLarge(String),
}

impl Money {
    /// The largest single amount the ledger takes: just under one trillion yuan. Sums of
    /// up to ~90,000 such amounts still fit an `i64`.
    pub const MAX: Money = Money(99_999_999_999_999);
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Parses a yuan amount that must be positive, with at most 2 decimals and within `MAX`.
    pub fn parse_positive(yuan: Decimal) -> Result<Money, MoneyError> {
        let money = Money::parse(yuan)?;
        if money.0 <= 0 {
            return Err(MoneyError::NotPositive);
        }
        Ok(money)
    }

    /// Parses a yuan amount of either sign, with at most 2 decimals and within `±MAX`.
    pub fn parse(yuan: Decimal) -> Result<Money, MoneyError> {
        let normalized = yuan.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooPrecise(yuan.to_string()));
        }
        let too_large = || MoneyError::TooLarge(yuan.to_string());
        let fen = normalized.checked_mul(Decimal::ONE_HUNDRED).ok_or_else(too_large)?;
        let fen = i64::try_from(fen.trunc()).map_err(|_| too_large())?;
        if fen.abs() > Money::MAX.0 {
            return Err(too_large());
        }
        Ok(Money(fen))
    }

    /// The amount in yuan, always with two decimals (`1234.50`).
    pub fn to_yuan(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_yuan())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn yuan(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn parses_exact_fen() {
        assert_eq!(Money::parse_positive(yuan("0.01")).unwrap().fen(), 1);
        assert_eq!(
            Money::parse_positive(yuan("9999999999.99")).unwrap().fen(),
            999_999_999_999
        );
        assert_eq!(Money::parse_positive(yuan("12.500")).unwrap().fen(), 1250);
        assert_eq!(Money::from_fen(1250).to_string(), "12.50");
        assert_eq!(Money::from_fen(-5).to_string(), "-0.05");
    }

    #[test]
    fn refuses_what_the_ledger_cannot_hold() {
        assert_eq!(Money::parse_positive(yuan("0")), Err(MoneyError::NotPositive));
        assert_eq!(Money::parse_positive(yuan("-1.00")), Err(MoneyError::NotPositive));
        assert!(matches!(
            Money::parse_positive(yuan("1.001")),
            Err(MoneyError::TooPrecise(_))
        ));
        assert!(matches!(
            Money::parse_positive(yuan("1000000000000.00")),
            Err(MoneyError::TooLarge(_))
        ));
        assert!(matches!(
            Money::parse(Decimal::from_str("79228162514264337593543950335").unwrap()),
            Err(MoneyError::TooLarge(_))
        ));
    }
}
