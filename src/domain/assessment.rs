//! 督考 — the quarterly scoring of townships and departments ("按季度对各镇实行打分排名"): a
//! scheme of indicators with weights, each computed from the tracker's own figures as they
//! stood at the quarter's end, the points each earns, and the places.
//!
//! A county keeps its own schemes, versioned by the day each takes effect; the scheme of a
//! quarter is the one in force on its last day, so a past quarter scores the same whenever
//! it is asked. A county without one scores by [`default_rules`].
use super::fault::{ErrorCode, Fault};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// Who is scored.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "AssessedUnit")]
pub enum AssessedUnit {
    /// 乡镇.
    Township,
    /// 行业部门.
    Department,
}

/// What is measured.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "AssessmentIndicator")]
pub enum Indicator {
    /// 开工率 — started of the year's projects in the programme (`constructionProgress`).
    StartRate,
    /// 竣工率 — completed of them.
    CompletionRate,
    /// 支出进度 — disbursed of allocated (`disbursementRanking`'s rate).
    DisbursementRate,
    /// 整改销号率 — closed of the rectification problems given to the unit.
    RectificationClosingRate,
    /// 逾期事项 — everything overdue for the unit at the quarter's end (`alerts`, every kind);
    /// each costs `deductionPerItem` points.
    OverdueItems,
    /// 三单完成率 — items done of the items on the unit's published lists of the quarter's
    /// months (a township's with its villages'), as cleared by the quarter's end.
    TaskListCompletion,
}

text_enum!(AssessedUnit {
    Township => "TOWNSHIP",
    Department => "DEPARTMENT",
});

text_enum!(Indicator {
    StartRate => "START_RATE",
    CompletionRate => "COMPLETION_RATE",
    DisbursementRate => "DISBURSEMENT_RATE",
    RectificationClosingRate => "RECTIFICATION_CLOSING_RATE",
    OverdueItems => "OVERDUE_ITEMS",
    TaskListCompletion => "TASK_LIST_COMPLETION",
});

impl Indicator {
    pub fn chinese_name(self) -> &'static str {
        match self {
            Indicator::StartRate => "开工率",
            Indicator::CompletionRate => "竣工率",
            Indicator::DisbursementRate => "支出进度",
            Indicator::RectificationClosingRate => "整改销号率",
            Indicator::OverdueItems => "逾期事项",
            Indicator::TaskListCompletion => "三单完成率",
        }
    }

    /// Whether it counts items (a deduction each) rather than being a rate.
    pub fn is_count(self) -> bool {
        self == Indicator::OverdueItems
    }
}

/// One indicator of a scheme, for one kind of unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub unit: AssessedUnit,
    pub indicator: Indicator,
    /// 分值 — the points it is worth.
    pub weight: Decimal,
    /// For a count: the points each item costs.
    pub deduction_per_item: Option<Decimal>,
}

/// The scheme a county without its own scores by: 100 points for each kind of unit.
pub fn default_rules() -> Vec<Rule> {
    let rule = |unit, indicator, weight: i64, deduction: Option<i64>| Rule {
        unit,
        indicator,
        weight: Decimal::from(weight),
        deduction_per_item: deduction.map(Decimal::from),
    };
    [AssessedUnit::Township, AssessedUnit::Department]
        .into_iter()
        .flat_map(|u| {
            [
                rule(u, Indicator::StartRate, 20, None),
                rule(u, Indicator::CompletionRate, 20, None),
                rule(u, Indicator::DisbursementRate, 25, None),
                rule(u, Indicator::RectificationClosingRate, 15, None),
                rule(u, Indicator::TaskListCompletion, 10, None),
                rule(u, Indicator::OverdueItems, 10, Some(2)),
            ]
        })
        .collect()
}

/// Checks a scheme's rules: each weight above 0 with at most 2 decimals, each indicator at
/// most once per unit, a deduction for a count and only for it, and the weights of each
/// kind of unit scored adding up to 100. Faults name `input.rules.N.<field>`.
pub fn check_rules(rules: &[Rule]) -> Result<(), Fault> {
    let at = |i: usize, field: &str, message: String| {
        Fault::new(
            ErrorCode::InvalidInput,
            &["input", "rules", &i.to_string(), field],
            message,
        )
    };
    if rules.is_empty() {
        return Err(Fault::invalid("rules", "give the scheme's indicators"));
    }
    for (i, r) in rules.iter().enumerate() {
        if r.weight <= Decimal::ZERO || r.weight > Decimal::ONE_HUNDRED || r.weight.scale() > 2 {
            return Err(at(
                i,
                "weight",
                format!(
                    "a weight is above 0 and at most 100, with at most 2 decimals, not {}",
                    r.weight
                ),
            ));
        }
        match (r.indicator.is_count(), r.deduction_per_item) {
            (true, None) => {
                return Err(at(
                    i,
                    "deductionPerItem",
                    format!("say how many points each of {} costs", r.indicator.chinese_name()),
                ));
            }
            (true, Some(d)) if d <= Decimal::ZERO || d.scale() > 2 => {
                return Err(at(
                    i,
                    "deductionPerItem",
                    format!("a deduction is above 0 with at most 2 decimals, not {d}"),
                ));
            }
            (false, Some(_)) => {
                return Err(at(
                    i,
                    "deductionPerItem",
                    format!("{} is a rate: it has no deduction", r.indicator.chinese_name()),
                ));
            }
            _ => {}
        }
        if rules[..i]
            .iter()
            .any(|o| o.unit == r.unit && o.indicator == r.indicator)
        {
            return Err(at(
                i,
                "indicator",
                format!("{} is given twice", r.indicator.chinese_name()),
            ));
        }
    }
    for unit in [AssessedUnit::Township, AssessedUnit::Department] {
        let of_unit: Vec<&Rule> = rules.iter().filter(|r| r.unit == unit).collect();
        let total: Decimal = of_unit.iter().map(|r| r.weight).sum();
        if !of_unit.is_empty() && total != Decimal::ONE_HUNDRED {
            return Err(Fault::invalid(
                "rules",
                format!("the weights for {unit:?} add up to {total}, not 100"),
            ));
        }
    }
    Ok(())
}

/// An indicator's value for a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// A percentage; `None` when there is nothing to measure (no projects, no problems).
    Rate(Option<Decimal>),
    Count(u32),
}

/// 得分 — the points a value earns: a rate its share of the weight (a rate above 100 %
/// earns the weight), nothing to measure the whole weight (不涉及不扣分), a count the weight
/// less its deductions down to 0; rounded half up to 2 decimals.
pub fn points(rule: &Rule, value: Value) -> Decimal {
    let raw = match value {
        Value::Rate(None) => rule.weight,
        Value::Rate(Some(rate)) => rule.weight * rate.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED) / Decimal::ONE_HUNDRED,
        Value::Count(n) => {
            (rule.weight - rule.deduction_per_item.unwrap_or_default() * Decimal::from(n)).max(Decimal::ZERO)
        }
    };
    let mut points = raw.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    points.rescale(2);
    points
}

/// A quarter of a year.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quarter {
    pub year: i32,
    pub number: u32,
}

impl Quarter {
    pub fn new(year: i32, number: u32) -> Result<Quarter, Fault> {
        if !(1..=4).contains(&number) {
            return Err(Fault::new(ErrorCode::InvalidInput, &["quarter"], "a quarter is 1 to 4"));
        }
        if !(2000..=2100).contains(&year) {
            return Err(Fault::new(ErrorCode::InvalidInput, &["year"], "a year is 2000 to 2100"));
        }
        Ok(Quarter { year, number })
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.number * 3 - 2, 1).unwrap_or_default()
    }

    /// 季末 — the day the quarter is scored as of.
    pub fn last_day(self) -> NaiveDate {
        super::metrics::previous_quarter_end(
            NaiveDate::from_ymd_opt(self.year + i32::from(self.number == 4), (self.number * 3) % 12 + 1, 1)
                .unwrap_or_default(),
        )
    }

    /// The quarters of `year` that have begun by `today`.
    pub fn begun(year: i32, today: NaiveDate) -> Vec<Quarter> {
        (1..=4)
            .filter_map(|n| Quarter::new(year, n).ok())
            .filter(|q| q.first_day() <= today)
            .collect()
    }

    /// The months of the quarter.
    pub fn months(self) -> [super::task_list::Month; 3] {
        let first = self.number * 3 - 2;
        [0, 1, 2].map(|i| super::task_list::Month {
            year: self.year,
            month: first + i,
        })
    }

    pub fn of(day: NaiveDate) -> Quarter {
        Quarter {
            year: day.year(),
            number: (day.month() - 1) / 3 + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(indicator: Indicator, weight: i64, deduction: Option<i64>) -> Rule {
        Rule {
            unit: AssessedUnit::Township,
            indicator,
            weight: Decimal::from(weight),
            deduction_per_item: deduction.map(Decimal::from),
        }
    }

    #[test]
    fn points_are_the_rates_share_of_the_weight_and_counts_deduct() {
        let r = rule(Indicator::StartRate, 20, None);
        assert_eq!(
            points(&r, Value::Rate(Some(Decimal::new(3333, 2)))),
            Decimal::new(667, 2)
        );
        assert_eq!(points(&r, Value::Rate(Some(Decimal::from(120)))), Decimal::from(20));
        assert_eq!(points(&r, Value::Rate(None)), Decimal::from(20));
        let c = rule(Indicator::OverdueItems, 10, Some(2));
        assert_eq!(points(&c, Value::Count(3)), Decimal::from(4));
        assert_eq!(points(&c, Value::Count(9)), Decimal::ZERO);
    }

    #[test]
    fn the_default_scheme_is_valid_and_bad_ones_name_the_rule() {
        assert!(check_rules(&default_rules()).is_ok());
        let mut rules = vec![
            rule(Indicator::StartRate, 60, None),
            rule(Indicator::OverdueItems, 40, None),
        ];
        assert_eq!(
            check_rules(&rules).unwrap_err().field,
            ["input", "rules", "1", "deductionPerItem"]
        );
        rules[1].deduction_per_item = Some(Decimal::ONE);
        assert!(check_rules(&rules).is_ok());
        rules[0].weight = Decimal::from(50);
        assert_eq!(check_rules(&rules).unwrap_err().field, ["input", "rules"]);
        rules.push(rule(Indicator::StartRate, 10, None));
        assert_eq!(
            check_rules(&rules).unwrap_err().field,
            ["input", "rules", "2", "indicator"]
        );
    }

    #[test]
    fn quarters_end_on_their_last_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(Quarter::new(2026, 1).unwrap().last_day(), d("2026-03-31"));
        assert_eq!(Quarter::new(2026, 2).unwrap().last_day(), d("2026-06-30"));
        assert_eq!(Quarter::new(2026, 4).unwrap().last_day(), d("2026-12-31"));
        assert_eq!(Quarter::of(d("2026-08-15")), Quarter::new(2026, 3).unwrap());
        assert!(Quarter::new(2026, 5).is_err());
        assert_eq!(Quarter::begun(2026, d("2026-05-01")).len(), 2);
    }
}
