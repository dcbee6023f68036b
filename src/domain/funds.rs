//! 资金 — fund kinds and levels, and the rules money obeys on its way to a project
//! (DESIGN §2.5): the negative list, poverty targeting, and when a project may be paid.
use super::fault::{ErrorCode, Fault};
use super::lifecycle::ProjectStatus;
use super::money::Money;
use chrono::NaiveDate;

/// 资金类型 — where a fund line's money comes from.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FundKind {
    /// 统筹整合涉农资金 — integrated agricultural funds.
    IntegratedAgricultural,
    /// 县本级配套资金 — county matching funds.
    CountyMatching,
    /// 政策性金融贷款 — policy-bank loans.
    PolicyLoan,
    /// 行业资金 — sector funds.
    Sector,
    /// 东西部协作资金 — east-west cooperation funds.
    EastWest,
    /// 社会帮扶资金 — social assistance.
    Social,
    /// 自筹资金 — self-raised funds.
    SelfRaised,
}

/// 资金级次 — the level of government a fund line comes from.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FundLevel {
    /// 中央
    Central,
    /// 省级
    Provincial,
    /// 市级
    Municipal,
    /// 县级
    County,
}

/// The kinds of ledger entry.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// 到位 — money of a fund line that has arrived.
    Receipt,
    /// 安排 — money of a fund line assigned to a project.
    Allocation,
    /// 拨付 — money of an allocation paid out.
    Disbursement,
}

text_enum!(FundKind {
    IntegratedAgricultural => "INTEGRATED_AGRICULTURAL",
    CountyMatching => "COUNTY_MATCHING",
    PolicyLoan => "POLICY_LOAN",
    Sector => "SECTOR",
    EastWest => "EAST_WEST",
    Social => "SOCIAL",
    SelfRaised => "SELF_RAISED",
});
text_enum!(FundLevel { Central => "CENTRAL", Provincial => "PROVINCIAL", Municipal => "MUNICIPAL", County => "COUNTY" });
text_enum!(EntryKind { Receipt => "RECEIPT", Allocation => "ALLOCATION", Disbursement => "DISBURSEMENT" });

impl FundKind {
    pub const ALL: [FundKind; 7] = [
        FundKind::IntegratedAgricultural,
        FundKind::CountyMatching,
        FundKind::PolicyLoan,
        FundKind::Sector,
        FundKind::EastWest,
        FundKind::Social,
        FundKind::SelfRaised,
    ];

    /// Whether a line of this kind is poverty money unless said otherwise: every kind but
    /// sector and self-raised funds (扶贫项目资金只能用于贫困村、贫困户).
    pub fn poverty_targeted_by_default(self) -> bool {
        !matches!(self, FundKind::Sector | FundKind::SelfRaised)
    }

    pub fn chinese_name(self) -> &'static str {
        match self {
            FundKind::IntegratedAgricultural => "统筹整合涉农资金",
            FundKind::CountyMatching => "县本级配套资金",
            FundKind::PolicyLoan => "政策性金融贷款",
            FundKind::Sector => "行业资金",
            FundKind::EastWest => "东西部协作资金",
            FundKind::Social => "社会帮扶资金",
            FundKind::SelfRaised => "自筹资金",
        }
    }
}

impl EntryKind {
    pub fn chinese_name(self) -> &'static str {
        match self {
            EntryKind::Receipt => "到位",
            EntryKind::Allocation => "安排",
            EntryKind::Disbursement => "拨付",
        }
    }
}

/// 扶贫项目资金只能用于贫困村、贫困户 — poverty money reaches a poverty village or registered
/// poor households.
pub fn check_poverty_targeting(
    line_targeted: bool,
    serves_poverty_village: bool,
    poor_beneficiaries: i32,
) -> Result<(), Fault> {
    if line_targeted && !serves_poverty_village && poor_beneficiaries <= 0 {
        return Err(Fault::new(
            ErrorCode::NotPovertyTargeted,
            &["input", "project"],
            "this fund line is poverty money (扶贫资金), and the project serves no poverty village (贫困村) and no registered poor households (贫困户)",
        ));
    }
    Ok(())
}

/// Whether a project may receive an allocation: it is in the plan and not abandoned.
pub fn check_allocatable(status: ProjectStatus) -> Result<(), Fault> {
    use ProjectStatus as S;
    if matches!(status, S::Draft | S::Submitted | S::Rejected | S::Cancelled) {
        return Err(Fault::new(
            ErrorCode::WrongProjectStage,
            &["input", "project"],
            format!(
                "money is allocated to approved projects; this one is {}",
                status.as_str()
            ),
        ));
    }
    Ok(())
}

/// No payment before construction starts; the retention (质保金) only after acceptance.
pub fn check_disbursable(status: ProjectStatus, is_retention: bool) -> Result<(), Fault> {
    use ProjectStatus as S;
    if is_retention && status != S::Accepted {
        return Err(Fault::new(
            ErrorCode::WrongProjectStage,
            &["input", "isRetention"],
            format!(
                "the retention payment (质保金) is made after acceptance; the project is {}",
                status.as_str()
            ),
        ));
    }
    if !matches!(status, S::UnderConstruction | S::Completed | S::Accepted) {
        return Err(Fault::new(
            ErrorCode::WrongProjectStage,
            &["input", "allocation"],
            format!(
                "nothing is paid before construction starts; the project is {}",
                status.as_str()
            ),
        ));
    }
    Ok(())
}

/// 月份 — the year-month a day falls in, as 202512: entries dated before their line's year
/// (提前下达) keep their own year (DESIGN §8).
pub fn year_month(day: NaiveDate) -> i32 {
    use chrono::Datelike;
    day.year() * 100 + day.month() as i32
}

/// A year-month as the API and the exports print it: `2025-12`.
pub fn year_month_text(year_month: i32) -> String {
    format!("{}-{:02}", year_month / 100, year_month % 100)
}

/// Checks that a payment dated `day` could be made on that day: the project's status then
/// (`then`, `None` before it existed) allowed it — a retention payment not before the
/// acceptance, any payment not before construction started.
pub fn check_disbursable_on(day: NaiveDate, then: Option<ProjectStatus>, is_retention: bool) -> Result<(), Fault> {
    let then = then.unwrap_or(ProjectStatus::Draft);
    check_disbursable(then, is_retention).map_err(|_| {
        let what = if is_retention && then != ProjectStatus::Accepted {
            "the retention payment (质保金) is made from the acceptance on"
        } else {
            "nothing is paid before construction starts"
        };
        Fault::new(
            ErrorCode::WrongProjectStage,
            &["input", "date"],
            format!(
                "the payment is dated {day}, when the project was {} ({}): {what}",
                then.as_str(),
                then.chinese_name()
            ),
        )
    })
}

/// The lowest a running balance stands on `from` or any later day: what an outflow dated
/// `from` may take without leaving any day short (DESIGN §8, the record consistent on every
/// day). `movements` are signed amounts by the day they happened, in any order. Returns the
/// balance and the first day it is that low.
pub fn lowest_balance_from(movements: &[(NaiveDate, Money)], from: NaiveDate) -> (Money, NaiveDate) {
    let mut by_day: Vec<(NaiveDate, i64)> = movements.iter().map(|(d, m)| (*d, m.fen())).collect();
    by_day.sort_unstable_by_key(|(d, _)| *d);
    let opening: i64 = by_day.iter().filter(|(d, _)| *d <= from).map(|(_, f)| f).sum();
    let (mut balance, mut lowest, mut day) = (opening, opening, from);
    for (d, fen) in by_day.into_iter().filter(|(d, _)| *d > from) {
        balance += fen;
        if balance < lowest {
            (lowest, day) = (balance, d);
        }
    }
    (Money::from_fen(lowest), day)
}

/// Checks that an outflow of `amount` dated `on` leaves the balance of `movements` at or
/// above zero on that day and every later one; the fault names the first day it would not.
pub fn check_available_from(
    amount: Money,
    movements: &[(NaiveDate, Money)],
    on: NaiveDate,
    what: &str,
    field: &str,
) -> Result<(), Fault> {
    let (lowest, day) = lowest_balance_from(movements, on);
    if amount > lowest {
        let when = if day == on {
            format!("on {on}")
        } else {
            format!("on {day} (after the entries dated between {on} and then)")
        };
        return Err(Fault::new(
            ErrorCode::InsufficientFunds,
            &["input", field],
            format!("{amount} yuan dated {on} is more than {what} {when}: only {lowest} yuan was"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lowest_balance_counts_every_later_day() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let fen = Money::from_fen;
        // In 100 on 3-1, out 80 on 3-10, in 100 on 5-1.
        let moves = [(day(5, 1), fen(100)), (day(3, 1), fen(100)), (day(3, 10), fen(-80))];
        assert_eq!(lowest_balance_from(&moves, day(2, 1)), (fen(0), day(2, 1)));
        assert_eq!(lowest_balance_from(&moves, day(3, 5)), (fen(20), day(3, 10)));
        assert_eq!(lowest_balance_from(&moves, day(6, 1)), (fen(120), day(6, 1)));
        // 20 may go out on 3-5, 21 may not: 3-10 would be short.
        assert!(check_available_from(fen(20), &moves, day(3, 5), "x", "amount").is_ok());
        let refused = check_available_from(fen(21), &moves, day(3, 5), "x", "amount").unwrap_err();
        assert!(refused.message.contains("2026-03-10"), "{}", refused.message);
    }

    #[test]
    fn poverty_money_needs_a_poverty_village_or_poor_households() {
        assert!(check_poverty_targeting(true, false, 0).is_err());
        assert!(check_poverty_targeting(true, true, 0).is_ok());
        assert!(check_poverty_targeting(true, false, 3).is_ok());
        assert!(check_poverty_targeting(false, false, 0).is_ok());
        assert!(!FundKind::SelfRaised.poverty_targeted_by_default());
        assert!(FundKind::PolicyLoan.poverty_targeted_by_default());
    }

    #[test]
    fn payments_wait_for_construction_and_retention_for_acceptance() {
        assert!(check_disbursable(ProjectStatus::Claimed, false).is_err());
        assert!(check_disbursable(ProjectStatus::UnderConstruction, false).is_ok());
        assert!(check_disbursable(ProjectStatus::Completed, true).is_err());
        assert!(check_disbursable(ProjectStatus::Accepted, true).is_ok());
        let day = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        assert!(check_disbursable_on(day, Some(ProjectStatus::Completed), true).is_err());
        assert!(check_disbursable_on(day, None, false).is_err());
        assert!(check_disbursable_on(day, Some(ProjectStatus::UnderConstruction), false).is_ok());
    }

    #[test]
    fn insufficient_funds_names_what_is_available() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let err = check_available_from(
            Money::from_fen(10_001),
            &[(day, Money::from_fen(10_000))],
            day,
            "had arrived",
            "amount",
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InsufficientFunds);
        assert!(err.message.contains("only 100.00 yuan was"), "{}", err.message);
        assert_eq!(err.field, ["input", "amount"]);
    }
}
