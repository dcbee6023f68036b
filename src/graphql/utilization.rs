//! 资金使用情况 — `fundUtilization`: the money metrics of DESIGN §4, grouped.
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::OrApiError;
use super::funds::FundLine;
use super::list::List;
use super::object::Plain;
use super::regions::RegionByCode;
use super::scalars::{Date, Decimal};
use crate::domain::funds::{FundKind, FundLevel};
use crate::domain::metrics::{Dimension, MoneyFigures};
use crate::domain::money::Money;
use crate::domain::sector::Sector;
use crate::maps::distinct;
use crate::service::utilization::{self as svc, GroupKey};
use async_graphql::{Context, Object};

/// One group of the utilization figures. The group's keys are the dimensions asked for;
/// the others are null. Money is yuan; rates are percentages with 2 decimals, null when
/// their denominator is 0 or the figure does not apply to the grouping.
pub struct FundUtilizationRow {
    key: GroupKey,
    figures: MoneyFigures,
}

/// A row of money figures with no group keys (for the work report).
pub fn money_row(figures: MoneyFigures) -> FundUtilizationRow {
    FundUtilizationRow {
        key: GroupKey::default(),
        figures,
    }
}

fn yuan(money: Money) -> Decimal {
    Decimal(money.to_yuan())
}

#[Object]
impl FundUtilizationRow {
    async fn county(&self) -> Option<RegionByCode> {
        self.key.county.clone().map(RegionByCode)
    }
    async fn fund_kind(&self) -> Option<FundKind> {
        self.key.fund_kind
    }
    async fn fund_level(&self) -> Option<FundLevel> {
        self.key.fund_level
    }
    async fn fund_line(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<FundLine>>> {
        match self.key.fund_line_id {
            None => Ok(None),
            Some(id) => Ok(ctx
                .loaders()?
                .fund_lines
                .load_one(&id)
                .await?
                .map(|l| Plain(FundLine(l)))),
        }
    }
    async fn sector(&self) -> Option<Sector> {
        self.key.sector
    }
    async fn township(&self) -> Option<RegionByCode> {
        self.key.township.clone().map(RegionByCode)
    }
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.key.department_id).await
    }
    /// The month (1–12) of the entries' dates.
    async fn month(&self) -> Option<i32> {
        self.key.month
    }
    /// 年计划 — Σ planned amounts of the fund lines.
    async fn planned(&self) -> Option<Decimal> {
        self.figures.planned.map(yuan)
    }
    /// 到位 — Σ receipts.
    async fn in_place(&self) -> Option<Decimal> {
        self.figures.in_place.map(yuan)
    }
    /// 到位率 — inPlace / planned × 100.
    async fn arrival_rate(&self) -> Option<Decimal> {
        self.figures.arrival_rate().map(Decimal)
    }
    /// 已安排 — Σ allocations.
    async fn allocated(&self) -> Decimal {
        yuan(self.figures.allocated)
    }
    /// 未安排结余 — inPlace − allocated.
    async fn unallocated(&self) -> Option<Decimal> {
        self.figures.unallocated().map(yuan)
    }
    /// 已拨付 — Σ disbursements.
    async fn disbursed(&self) -> Decimal {
        yuan(self.figures.disbursed)
    }
    /// 支出进度 — disbursed / inPlace × 100.
    async fn disbursement_rate(&self) -> Option<Decimal> {
        self.figures.disbursement_rate().map(Decimal)
    }
}

/// Loads at once the regions, fund lines and departments the rows' selected fields will
/// ask for: one query each, rather than a province's hundred counties each going through
/// the batching window on its own (a fifth of a province-wide rollup's work).
async fn prime(ctx: &Context<'_>, rows: &[svc::UtilizationRow]) -> async_graphql::Result<()> {
    let selection = ctx.look_ahead();
    let wants = |field: &str| selection.field(field).exists();
    // A region whose code is all that is asked is not loaded at all (`RegionByCode`).
    let wants_region = |field: &str| {
        ctx.field()
            .selection_set()
            .filter(|f| f.name() == field)
            .any(|f| !RegionByCode::code_is_enough(f.selection_set()))
    };
    let loaders = ctx.loaders()?;
    let mut codes = Vec::new();
    if wants_region("county") {
        codes.extend(rows.iter().filter_map(|r| r.key.county.clone()));
    }
    if wants_region("township") {
        codes.extend(rows.iter().filter_map(|r| r.key.township.clone()));
    }
    loaders.regions.prime(&distinct(codes)).await?;
    if wants("fundLine") {
        let ids = distinct(rows.iter().filter_map(|r| r.key.fund_line_id));
        loaders.fund_lines.prime(&ids).await?;
    }
    if wants("department") {
        let ids = distinct(rows.iter().filter_map(|r| r.key.department_id));
        loaders.departments.prime(&ids).await?;
    }
    Ok(())
}

#[derive(Default)]
pub struct UtilizationQuery;

#[Object]
impl UtilizationQuery {
    /// Fund utilization for a region and year: planned, in place, allocated, disbursed and
    /// the rates, grouped by the dimensions given (none: one row of totals). `asOf` gives
    /// the ledger as it stood at the end of that day. A city or province sums its counties.
    async fn fund_utilization(
        &self,
        ctx: &Context<'_>,
        year: i32,
        region_code: String,
        group_by: Option<Vec<Dimension>>,
        as_of: Option<Date>,
    ) -> async_graphql::Result<List<FundUtilizationRow>> {
        let actor = ctx.actor()?;
        let group_by = group_by.unwrap_or_default();
        let rows = svc::fund_utilization(ctx.db()?, actor, year, &region_code, &group_by, as_of.map(|d| d.0))
            .await
            .api()?;
        prime(ctx, &rows).await?;
        Ok(rows
            .into_iter()
            .map(|r| FundUtilizationRow {
                key: r.key,
                figures: r.figures,
            })
            .collect())
    }
}
