//! 指标 — the metric formulas of DESIGN §4, in one place. Sums are exact integers; rates
//! are percentages with 2 decimals, rounded half up, and absent when the denominator is 0.
use super::money::Money;
use rust_decimal::Decimal;

/// `numerator / denominator × 100`, rounded half up to 2 places, computed on integers so
/// that no rounding happens before the last step. `None` when the denominator is 0.
pub fn rate(numerator: i64, denominator: i64) -> Option<Decimal> {
    if denominator == 0 {
        return None;
    }
    let negative = (numerator < 0) != (denominator < 0);
    let (n, d) = (i128::from(numerator).abs(), i128::from(denominator).abs());
    // Hundredths of a percent: n × 100 (percent) × 100 (two decimals).
    let scaled = n * 10_000;
    let mut hundredths = scaled / d;
    if (scaled % d) * 2 >= d {
        hundredths += 1;
    }
    if negative {
        hundredths = -hundredths;
    }
    Some(Decimal::from_i128_with_scale(hundredths, 2))
}

/// The money figures of one group (DESIGN §4): what is planned, in place, allocated and
/// disbursed; the rest derive from them. `None` where the group has no such figure
/// (a sector has no plan of its own, for instance).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MoneyFigures {
    /// 年计划 — Σ planned amount of the fund lines.
    pub planned: Option<Money>,
    /// 到位 — Σ receipts.
    pub in_place: Option<Money>,
    /// 已安排 — Σ allocations.
    pub allocated: Money,
    /// 已拨付 — Σ disbursements.
    pub disbursed: Money,
}

impl MoneyFigures {
    /// 到位率 — inPlace / planned × 100.
    pub fn arrival_rate(&self) -> Option<Decimal> {
        rate(self.in_place?.fen(), self.planned?.fen())
    }

    /// 未安排结余 — inPlace − allocated.
    pub fn unallocated(&self) -> Option<Money> {
        Some(Money::from_fen(self.in_place?.fen() - self.allocated.fen()))
    }

    /// 支出进度 — disbursed / inPlace × 100.
    pub fn disbursement_rate(&self) -> Option<Decimal> {
        rate(self.disbursed.fen(), self.in_place?.fen())
    }

    /// 支出进度 of the money allocated — disbursed / allocated × 100: what a township or a
    /// department is ranked by, since money arrives per fund line, not per township.
    pub fn allocation_disbursement_rate(&self) -> Option<Decimal> {
        rate(self.disbursed.fen(), self.allocated.fen())
    }

    /// 支出进度 of the plan — disbursed / planned × 100, where the group has a plan.
    pub fn planned_disbursement_rate(&self) -> Option<Decimal> {
        rate(self.disbursed.fen(), self.planned?.fen())
    }
}

/// What a ranking ranks.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "RankingDimension")]
pub enum RankedBy {
    /// 乡镇 — the township of the projects the money went to.
    Township,
    /// 责任部门 — the department that held the projects on the day.
    Department,
}

impl RankedBy {
    /// The rollup's grouping it ranks.
    pub fn dimension(self) -> Dimension {
        match self {
            RankedBy::Township => Dimension::Township,
            RankedBy::Department => Dimension::Department,
        }
    }
}

/// 排名 — places by rate, highest first; equal rates share a place and the next place
/// skips (1, 2, 2, 4); a group without a rate has no place.
pub fn ranks(rates: &[Option<Decimal>]) -> Vec<Option<u32>> {
    rates
        .iter()
        .map(|own| {
            own.map(|own| {
                let ahead = rates.iter().filter(|r| r.is_some_and(|r| r > own)).count();
                ahead as u32 + 1
            })
        })
        .collect()
}

/// The last quarter-end (3月31日, 6月30日, 9月30日, 12月31日) before `day`: what a quarterly
/// ranking (季度督考) compares with.
pub fn previous_quarter_end(day: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    // The day before the first of `day`'s quarter: a quarter's own last day compares with
    // the quarter before.
    let first_month = (day.month0() / 3) * 3 + 1;
    chrono::NaiveDate::from_ymd_opt(day.year(), first_month, 1)
        .and_then(|start| start.pred_opt())
        .unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_up_to_two_places() {
        // 87.345 → 87.35
        assert_eq!(rate(87_345, 100_000).unwrap().to_string(), "87.35");
        assert_eq!(rate(87_344, 100_000).unwrap().to_string(), "87.34");
        assert_eq!(rate(1, 3).unwrap().to_string(), "33.33");
        assert_eq!(rate(2, 3).unwrap().to_string(), "66.67");
        assert_eq!(rate(1, 1).unwrap().to_string(), "100.00");
        assert_eq!(rate(0, 5).unwrap().to_string(), "0.00");
        assert_eq!(rate(5, 0), None);
        assert_eq!(rate(-1, 8).unwrap().to_string(), "-12.50");
    }

    #[test]
    fn equal_rates_share_a_place_and_no_rate_has_none() {
        let r = |s: &str| Some(s.parse::<Decimal>().unwrap());
        assert_eq!(
            ranks(&[r("50.00"), r("80.00"), None, r("50.00"), r("10.00")]),
            vec![Some(2), Some(1), None, Some(2), Some(4)]
        );
        assert_eq!(ranks(&[]), Vec::<Option<u32>>::new());
    }

    #[test]
    fn the_previous_quarter_end_is_the_last_one_before_the_day() {
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        assert_eq!(previous_quarter_end(d("2026-09-30")), d("2026-06-30"));
        assert_eq!(previous_quarter_end(d("2026-10-01")), d("2026-09-30"));
        assert_eq!(previous_quarter_end(d("2026-11-15")), d("2026-09-30"));
        assert_eq!(previous_quarter_end(d("2026-01-01")), d("2025-12-31"));
        assert_eq!(previous_quarter_end(d("2026-03-31")), d("2025-12-31"));
        assert_eq!(previous_quarter_end(d("2026-04-01")), d("2026-03-31"));
    }

    #[test]
    fn derived_figures_follow_the_definitions() {
        let f = MoneyFigures {
            planned: Some(Money::from_fen(100_000)),
            in_place: Some(Money::from_fen(80_000)),
            allocated: Money::from_fen(50_000),
            disbursed: Money::from_fen(20_000),
        };
        assert_eq!(f.arrival_rate().unwrap().to_string(), "80.00");
        assert_eq!(f.unallocated(), Some(Money::from_fen(30_000)));
        assert_eq!(f.disbursement_rate().unwrap().to_string(), "25.00");
        let by_sector = MoneyFigures {
            planned: None,
            in_place: None,
            ..f
        };
        assert_eq!(
            (
                by_sector.arrival_rate(),
                by_sector.unallocated(),
                by_sector.disbursement_rate()
            ),
            (None, None, None)
        );
    }
}

/// 分组维度 — what utilization figures can be grouped by.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "UtilizationDimension")]
pub enum Dimension {
    /// 资金类型
    FundKind,
    /// 资金级次
    FundLevel,
    /// 资金项
    FundLine,
    /// 县 — for a city or province.
    County,
    /// 行业 — of the project the money went to.
    Sector,
    /// 乡镇 — of the project the money went to.
    Township,
    /// 责任部门 — of the project the money went to.
    Department,
    /// 月份 — of the entry's date.
    Month,
}

impl Dimension {
    /// The order a rollup selects its keys and sorts its rows in, and a spreadsheet's
    /// columns run: county, fund kind, fund level, fund line, sector, township, department,
    /// month.
    pub const IN_ORDER: [Dimension; 8] = [
        Dimension::County,
        Dimension::FundKind,
        Dimension::FundLevel,
        Dimension::FundLine,
        Dimension::Sector,
        Dimension::Township,
        Dimension::Department,
        Dimension::Month,
    ];

    /// The dimension as a clerk heads its column.
    pub fn chinese_name(self) -> &'static str {
        match self {
            Dimension::FundKind => "资金类型",
            Dimension::FundLevel => "资金级次",
            Dimension::FundLine => "资金项",
            Dimension::County => "县",
            Dimension::Sector => "行业",
            Dimension::Township => "乡镇",
            Dimension::Department => "责任部门",
            Dimension::Month => "月份",
        }
    }

    /// Whether the dimension belongs to the project money went to: planned amounts and
    /// receipts have no project, so they cannot be split this way.
    pub fn is_project_attribute(self) -> bool {
        matches!(self, Dimension::Sector | Dimension::Township | Dimension::Department)
    }
}

/// A figure's value in a table, typed so a spreadsheet can format and add it up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FigureValue {
    Money(Money),
    /// A percentage with two decimals.
    Rate(Decimal),
    /// A quantity of work in its sector's unit.
    Quantity(Decimal),
    Count(i64),
}

/// 资金使用情况 — the money figures as the columns of a table, in the county's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyFigure {
    Planned,
    InPlace,
    ArrivalRate,
    Allocated,
    Unallocated,
    Disbursed,
    DisbursementRate,
    AllocationDisbursementRate,
}

impl MoneyFigure {
    pub const ALL: [MoneyFigure; 8] = [
        MoneyFigure::Planned,
        MoneyFigure::InPlace,
        MoneyFigure::ArrivalRate,
        MoneyFigure::Allocated,
        MoneyFigure::Unallocated,
        MoneyFigure::Disbursed,
        MoneyFigure::DisbursementRate,
        MoneyFigure::AllocationDisbursementRate,
    ];

    /// The figure as a clerk heads its column; an amount's unit (元 or 万元) is the sheet's.
    pub fn chinese_heading(self) -> &'static str {
        match self {
            MoneyFigure::Planned => "年计划",
            MoneyFigure::InPlace => "到位",
            MoneyFigure::ArrivalRate => "到位率(%)",
            MoneyFigure::Allocated => "已安排",
            MoneyFigure::Unallocated => "未安排结余",
            MoneyFigure::Disbursed => "已拨付",
            MoneyFigure::DisbursementRate => "支出进度(%)",
            MoneyFigure::AllocationDisbursementRate => "已安排资金支出进度(%)",
        }
    }

    /// Whether the figure is an amount of money (the others are rates).
    pub fn is_amount(self) -> bool {
        !matches!(
            self,
            MoneyFigure::ArrivalRate | MoneyFigure::DisbursementRate | MoneyFigure::AllocationDisbursementRate
        )
    }

    /// The figure of `f`; `None` where the group has none.
    pub fn value(self, f: &MoneyFigures) -> Option<FigureValue> {
        use FigureValue::{Money as Amount, Rate};
        match self {
            MoneyFigure::Planned => f.planned.map(Amount),
            MoneyFigure::InPlace => f.in_place.map(Amount),
            MoneyFigure::ArrivalRate => f.arrival_rate().map(Rate),
            MoneyFigure::Allocated => Some(Amount(f.allocated)),
            MoneyFigure::Unallocated => f.unallocated().map(Amount),
            MoneyFigure::Disbursed => Some(Amount(f.disbursed)),
            MoneyFigure::DisbursementRate => f.disbursement_rate().map(Rate),
            MoneyFigure::AllocationDisbursementRate => f.allocation_disbursement_rate().map(Rate),
        }
    }
}

/// 分组维度 — what construction figures can be split by besides the sector.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProgressDimension {
    /// 乡镇
    Township,
    /// 责任部门
    Department,
    /// 月份 — the figures as they stood at the end of each month of the year.
    Month,
}

impl ProgressDimension {
    /// The order of a spreadsheet's columns.
    pub const IN_ORDER: [ProgressDimension; 3] = [
        ProgressDimension::Township,
        ProgressDimension::Department,
        ProgressDimension::Month,
    ];

    /// The dimension as a clerk heads its column.
    pub fn chinese_name(self) -> &'static str {
        match self {
            ProgressDimension::Township => "乡镇",
            ProgressDimension::Department => "责任部门",
            ProgressDimension::Month => "月份",
        }
    }
}

/// 建设进度 — the construction figures as the columns of a table, in the county's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstructionFigure {
    TargetQuantity,
    CompletedQuantity,
    QuantityRate,
    ProjectCount,
    StartedCount,
    StartRate,
    CompletedCount,
    CompletionRate,
}

impl ConstructionFigure {
    pub const ALL: [ConstructionFigure; 8] = [
        ConstructionFigure::TargetQuantity,
        ConstructionFigure::CompletedQuantity,
        ConstructionFigure::QuantityRate,
        ConstructionFigure::ProjectCount,
        ConstructionFigure::StartedCount,
        ConstructionFigure::StartRate,
        ConstructionFigure::CompletedCount,
        ConstructionFigure::CompletionRate,
    ];

    /// The figure as a clerk heads its column.
    pub fn chinese_heading(self) -> &'static str {
        match self {
            ConstructionFigure::TargetQuantity => "计划建设",
            ConstructionFigure::CompletedQuantity => "完工",
            ConstructionFigure::QuantityRate => "完成率(%)",
            ConstructionFigure::ProjectCount => "项目数",
            ConstructionFigure::StartedCount => "开工数",
            ConstructionFigure::StartRate => "开工率(%)",
            ConstructionFigure::CompletedCount => "竣工数",
            ConstructionFigure::CompletionRate => "竣工率(%)",
        }
    }

    /// The figure of `f`; `None` where the group has none.
    pub fn value(self, f: &ConstructionFigures) -> Option<FigureValue> {
        use FigureValue::{Count, Quantity, Rate};
        match self {
            ConstructionFigure::TargetQuantity => f.target_quantity.map(|q| Quantity(q.to_decimal())),
            ConstructionFigure::CompletedQuantity => Some(Quantity(f.completed_quantity.to_decimal())),
            ConstructionFigure::QuantityRate => f.quantity_rate().map(Rate),
            ConstructionFigure::ProjectCount => Some(Count(f.project_count)),
            ConstructionFigure::StartedCount => Some(Count(f.started_count)),
            ConstructionFigure::StartRate => f.start_rate().map(Rate),
            ConstructionFigure::CompletedCount => Some(Count(f.completed_count)),
            ConstructionFigure::CompletionRate => f.completion_rate().map(Rate),
        }
    }
}

use super::lifecycle::ProjectStatus;
use super::quantity::Quantity;
use super::sector::Sector;

/// 规划实施扶贫项目 — a project counts in the year's programme once approved, unless
/// cancelled or rejected.
pub fn counts_in_programme(status: ProjectStatus) -> bool {
    use ProjectStatus as S;
    matches!(
        status,
        S::Approved | S::Assigned | S::Claimed | S::Preparing | S::UnderConstruction | S::Completed | S::Accepted
    )
}

/// 开工 — started: under construction, completed or accepted.
pub fn counts_as_started(status: ProjectStatus) -> bool {
    matches!(
        status,
        ProjectStatus::UnderConstruction | ProjectStatus::Completed | ProjectStatus::Accepted
    )
}

/// 竣工 — completed or accepted.
pub fn counts_as_completed(status: ProjectStatus) -> bool {
    matches!(status, ProjectStatus::Completed | ProjectStatus::Accepted)
}

/// The construction figures of one group (DESIGN §4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConstructionFigures {
    /// 计划建设 — the annual plan's target; `None` where the plan sets none for the group.
    pub target_quantity: Option<Quantity>,
    /// The plan's target number of projects.
    pub target_project_count: Option<i32>,
    /// 完工 — for a length (公里): Σ each project's latest cumulative quantity (its final
    /// quantity once completed); for whole units (处, 个, 户): Σ the final quantities of
    /// completed projects only — half a clinic is not a clinic.
    pub completed_quantity: Quantity,
    /// 规划实施扶贫项目
    pub project_count: i64,
    /// 开工
    pub started_count: i64,
    /// 竣工
    pub completed_count: i64,
}

impl ConstructionFigures {
    /// 完成率 — completedQuantity / targetQuantity × 100.
    pub fn quantity_rate(&self) -> Option<Decimal> {
        rate(self.completed_quantity.milli(), self.target_quantity?.milli())
    }

    /// 开工率 — startedCount / projectCount × 100.
    pub fn start_rate(&self) -> Option<Decimal> {
        rate(self.started_count, self.project_count)
    }

    /// 竣工率 — completedCount / projectCount × 100.
    pub fn completion_rate(&self) -> Option<Decimal> {
        rate(self.completed_count, self.project_count)
    }

    /// Adds one project of `sector` in `status` with `completed` built (its latest progress,
    /// or its final quantity once completed).
    pub fn add_project(&mut self, sector: Sector, status: ProjectStatus, completed: Quantity) {
        if !counts_in_programme(status) {
            return;
        }
        let finished = counts_as_completed(status);
        self.project_count += 1;
        self.started_count += i64::from(counts_as_started(status));
        self.completed_count += i64::from(finished);
        if finished || !sector.counts_whole_units() {
            self.completed_quantity = Quantity::from_milli(self.completed_quantity.milli() + completed.milli());
        }
    }
}

#[cfg(test)]
mod construction_tests {
    use super::*;

    /// A road under way counts the kilometres built so far; a clinic under way counts no
    /// clinic until it is finished (DESIGN §4).
    #[test]
    fn whole_units_count_only_finished_projects() {
        let q = Quantity::from_milli;
        let mut road = ConstructionFigures::default();
        road.add_project(Sector::Road, ProjectStatus::UnderConstruction, q(2_500));
        road.add_project(Sector::Road, ProjectStatus::Accepted, q(4_000));
        assert_eq!(road.completed_quantity, q(6_500));
        let mut water = ConstructionFigures::default();
        water.add_project(Sector::DrinkingWater, ProjectStatus::UnderConstruction, q(2_235));
        water.add_project(Sector::DrinkingWater, ProjectStatus::Completed, q(3_000));
        water.add_project(Sector::DrinkingWater, ProjectStatus::Cancelled, q(9_000));
        assert_eq!(
            (water.completed_quantity, water.project_count, water.completed_count),
            (q(3_000), 2, 1)
        );
    }
}
