//! 质保金 — retention: the share of a project's money held back until its guarantee period
//! after acceptance has run, what is still owed, when it falls due, and when paying it
//! early needs a reason.
use super::fault::Fault;
use super::money::Money;
use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;

/// A county's retention terms: the share held back and the guarantee period (缺陷责任期).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionTerms {
    /// Hundredths of a percent: 300 is 3 %.
    pub rate_bp: i32,
    pub guarantee_months: u32,
}

/// The most any county may hold back: 10 % (some counties' rules for poverty projects keep
/// 10 % until the audit; the national cap for construction contracts is 3 %).
pub const MAX_RATE_BP: i32 = 1_000;
/// The longest guarantee period a county may set, in months.
pub const MAX_GUARANTEE_MONTHS: u32 = 60;

/// 《建设工程质量保证金管理办法》: at most 3 % of the contract price, and a defect
/// liability period of usually a year, at most two. The terms of a county that has set none.
pub const NATIONAL_DEFAULT: RetentionTerms = RetentionTerms {
    rate_bp: 300,
    guarantee_months: 24,
};
pub const NATIONAL_SOURCE: &str = "《建设工程质量保证金管理办法》";

impl RetentionTerms {
    /// Terms from a percentage (`3`, `10`, `2.5`) and a number of months, checked.
    pub fn parse(rate_percent: Decimal, guarantee_months: i32) -> Result<RetentionTerms, Fault> {
        let bp = rate_percent * Decimal::ONE_HUNDRED;
        if bp.fract() != Decimal::ZERO || bp < Decimal::ZERO || bp > Decimal::from(MAX_RATE_BP) {
            return Err(Fault::invalid(
                "rate",
                format!(
                    "the retention rate is a percentage from 0 to {} with at most 2 decimals, not {rate_percent}",
                    MAX_RATE_BP / 100
                ),
            ));
        }
        let months = u32::try_from(guarantee_months)
            .ok()
            .filter(|m| *m <= MAX_GUARANTEE_MONTHS)
            .ok_or_else(|| {
                Fault::invalid(
                    "guaranteeMonths",
                    format!("the guarantee period is 0 to {MAX_GUARANTEE_MONTHS} months, not {guarantee_months}"),
                )
            })?;
        Ok(RetentionTerms {
            rate_bp: rust_decimal::prelude::ToPrimitive::to_i32(&bp).unwrap_or(0),
            guarantee_months: months,
        })
    }

    /// The rate as a percentage with 2 decimals.
    pub fn rate_percent(self) -> Decimal {
        Decimal::new(i64::from(self.rate_bp), 2)
    }

    /// What `base` holds back: base × rate, rounded half up to the fen.
    pub fn withheld_of(self, base: Money) -> Money {
        let product = i128::from(base.fen()) * i128::from(self.rate_bp);
        let (quotient, remainder) = (product / 10_000, product % 10_000);
        let rounded = if remainder.abs() * 2 >= 10_000 {
            quotient + product.signum()
        } else {
            quotient
        };
        Money::from_fen(i64::try_from(rounded).unwrap_or(i64::MAX))
    }

    /// The day the retention falls due: acceptance plus the guarantee period.
    pub fn due_on(self, accepted_on: NaiveDate) -> NaiveDate {
        accepted_on
            .checked_add_months(Months::new(self.guarantee_months))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// A project's retention on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    pub terms: RetentionTerms,
    /// 应留质保金 — the rate of the project's money (what has been allocated to it).
    pub required: Money,
    /// 实留质保金 — what its ordinary payments have actually left of that: less than
    /// `required` when they paid into the share that was to be held back (未足额预留).
    pub withheld: Money,
    /// 已退还 — retention payments made.
    pub paid: Money,
    /// 待退还 — withheld and not yet paid (never below 0).
    pub due: Money,
    /// 到期日 — acceptance plus the guarantee period; `None` until accepted.
    pub due_on: Option<NaiveDate>,
    /// 逾期 — still owed after the day it fell due.
    pub overdue: bool,
}

/// The retention of a project with `allocated` money, of which `disbursed` has been paid
/// (`paid` of it as retention), accepted on `accepted_on`, as of `today`.
pub fn retention(
    terms: RetentionTerms,
    allocated: Money,
    disbursed: Money,
    paid: Money,
    accepted_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Retention {
    let required = terms.withheld_of(allocated);
    let ordinary = disbursed.fen() - paid.fen();
    let withheld = Money::from_fen(required.fen().min((allocated.fen() - ordinary).max(0)));
    let due = Money::from_fen((withheld.fen() - paid.fen()).max(0));
    let due_on = accepted_on.map(|day| terms.due_on(day));
    Retention {
        terms,
        required,
        withheld,
        paid,
        due,
        due_on,
        overdue: due.fen() > 0 && due_on.is_some_and(|d| d < today),
    }
}

/// 提前退还 — a retention paid before it falls due needs the reason it is released early.
pub fn check_release(due_on: NaiveDate, paid_on: NaiveDate, early_reason: Option<&str>) -> Result<(), Fault> {
    if paid_on < due_on && early_reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(Fault::invalid(
            "earlyReleaseReason",
            format!(
                "the retention (质保金) falls due on {due_on}, after the guarantee period; to pay it on {paid_on}, give the reason for releasing it early (提前退还)"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn terms_parse_percentages_and_hold_back_to_the_fen() {
        let terms = RetentionTerms::parse(Decimal::new(3, 0), 24).unwrap();
        assert_eq!(terms, NATIONAL_DEFAULT);
        assert_eq!(RetentionTerms::parse(Decimal::new(25, 1), 12).unwrap().rate_bp, 250);
        assert!(RetentionTerms::parse(Decimal::new(11, 0), 12).is_err());
        assert!(RetentionTerms::parse(Decimal::new(-1, 0), 12).is_err());
        assert!(RetentionTerms::parse(Decimal::new(3333, 3), 12).is_err(), "3 decimals");
        assert!(RetentionTerms::parse(Decimal::new(3, 0), 61).is_err());
        assert!(RetentionTerms::parse(Decimal::new(3, 0), -1).is_err());
        // 3 % of 1234.55 is 37.0365 → 37.04; of 0.50 is 0.015 → 0.02 (half up).
        assert_eq!(terms.withheld_of(Money::from_fen(123_455)), Money::from_fen(3_704));
        assert_eq!(terms.withheld_of(Money::from_fen(50)), Money::from_fen(2));
        assert_eq!(terms.rate_percent().to_string(), "3.00");
    }

    #[test]
    fn retention_falls_due_after_the_guarantee_period_and_is_overdue_while_owed() {
        let terms = RetentionTerms {
            rate_bp: 1_000,
            guarantee_months: 12,
        };
        let accepted = Some(day("2025-08-31"));
        let fen = Money::from_fen;
        let r = retention(
            terms,
            fen(100_000),
            fen(90_000),
            Money::ZERO,
            accepted,
            day("2026-09-01"),
        );
        assert_eq!((r.required, r.withheld, r.due), (fen(10_000), fen(10_000), fen(10_000)));
        assert_eq!(r.due_on, Some(day("2026-08-31")));
        assert!(r.overdue);
        let paid = retention(
            terms,
            fen(100_000),
            fen(100_000),
            fen(10_000),
            accepted,
            day("2026-09-01"),
        );
        assert_eq!(paid.due, Money::ZERO);
        assert!(!paid.overdue);
        // Ordinary payments of 95 % left only 5 % held back: that is what is owed.
        let short = retention(
            terms,
            fen(100_000),
            fen(95_000),
            Money::ZERO,
            accepted,
            day("2026-09-01"),
        );
        assert_eq!(
            (short.required, short.withheld, short.due),
            (fen(10_000), fen(5_000), fen(5_000))
        );
        let all_paid = retention(
            terms,
            fen(100_000),
            fen(100_000),
            Money::ZERO,
            accepted,
            day("2026-09-01"),
        );
        assert_eq!(
            (all_paid.withheld, all_paid.due, all_paid.overdue),
            (Money::ZERO, Money::ZERO, false)
        );
        let not_accepted = retention(terms, fen(100_000), Money::ZERO, Money::ZERO, None, day("2030-01-01"));
        assert_eq!(not_accepted.due_on, None);
        assert!(!not_accepted.overdue);
        let on_the_day = retention(
            terms,
            fen(100_000),
            Money::ZERO,
            Money::ZERO,
            accepted,
            day("2026-08-31"),
        );
        assert!(!on_the_day.overdue, "due that day, not yet overdue");
    }

    #[test]
    fn an_early_release_needs_its_reason() {
        let due = day("2026-08-31");
        assert!(check_release(due, day("2026-08-30"), None).is_err());
        assert!(check_release(due, day("2026-08-30"), Some("  ")).is_err());
        assert!(check_release(due, day("2026-08-30"), Some("审计完成，提前退还")).is_ok());
        assert!(check_release(due, day("2026-08-31"), None).is_ok());
    }
}
