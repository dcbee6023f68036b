//! 工程量 — a quantity in a sector's unit (公里, 处, 个, 户), exact to a thousandth.
use rust_decimal::Decimal;

/// A quantity as an integer count of thousandths of the unit.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i64);

impl Quantity {
    /// The largest quantity a project may plan: a billion units.
    pub const MAX: Quantity = Quantity(1_000_000_000_000);
    pub const ZERO: Quantity = Quantity(0);

    pub const fn from_milli(milli: i64) -> Quantity {
        Quantity(milli)
    }

    pub const fn milli(self) -> i64 {
        self.0
    }

    /// Parses a non-negative quantity with at most three decimals.
    pub fn parse(value: Decimal) -> Result<Quantity, String> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(format!("a quantity cannot be negative (got {value})"));
        }
        let normalized = value.normalize();
        if normalized.scale() > 3 {
            return Err(format!("a quantity has at most 3 decimals; `{value}` has more"));
        }
        let too_large = || format!("the quantity {value} is larger than any project plans");
        let milli = normalized.checked_mul(Decimal::ONE_THOUSAND).ok_or_else(too_large)?;
        let milli = i64::try_from(milli.trunc()).map_err(|_| too_large())?;
        if milli > Quantity::MAX.0 {
            return Err(too_large());
        }
        Ok(Quantity(milli))
    }

    /// The quantity as a decimal with no trailing zeros (`12.5`, `3`).
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 3).normalize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_thousandths_and_refuses_negative_or_too_precise() {
        let d = |s: &str| Decimal::from_str_exact(s).unwrap();
        assert_eq!(Quantity::parse(d("12.5")).unwrap().milli(), 12_500);
        assert_eq!(Quantity::parse(d("0")).unwrap().milli(), 0);
        assert_eq!(Quantity::from_milli(12_500).to_decimal().to_string(), "12.5");
        assert!(Quantity::parse(d("-1")).unwrap_err().contains("negative"));
        assert!(Quantity::parse(d("1.0001")).unwrap_err().contains("3 decimals"));
        assert!(Quantity::parse(d("99999999999")).is_err());
    }
}
